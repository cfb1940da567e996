"""A throwaway embedded PostgreSQL for one benchmark run."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.warehouse.embedded import start_embedded, stop_embedded


@contextmanager
def bench_server() -> Iterator[ConnInfo]:
    root = Path(tempfile.mkdtemp(prefix="fitelt-bench-"))
    root.chmod(0o755)
    try:
        yield start_embedded(root / "postgres").as_user("postgres", "x")
    finally:
        stop_embedded(root / "postgres")
        shutil.rmtree(root, ignore_errors=True)


def new_database(server: ConnInfo) -> ConnInfo:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(server.with_db("postgres").dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'create database "{name}"')
    conn.close()
    db = server.with_db(name)
    ensure_layout(db, reader_password=None)
    return db
