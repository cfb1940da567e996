"""Create the warehouse layout: databases, schemas and the read-only `fitness_reader` role."""

from __future__ import annotations

import logging

import psycopg2
from psycopg2 import sql

from fitelt.warehouse.athletes import ATHLETES_DDL
from fitelt.warehouse.conninfo import ConnInfo
from fitelt.warehouse.locks import wait_for_layout_lock
from fitelt.warehouse.no_create import revoke_create_rights
from fitelt.warehouse.row_security import ATHLETES_GROUP, ensure_row_security, scram_verifier

log = logging.getLogger(__name__)

SCHEMAS = ("raw", "staging", "marts")
READER_ROLE = "fitness_reader"


def ensure_database(admin: ConnInfo, dbname: str) -> None:
    """Create `dbname` on the server of `admin` unless it exists."""
    conn = psycopg2.connect(admin.with_db("postgres").dsn())
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (dbname,))
            if cur.fetchone() is None:
                try:
                    cur.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
                    log.info("created database %s", dbname)
                except (psycopg2.errors.DuplicateDatabase, psycopg2.errors.UniqueViolation):
                    pass  # another process created it a moment ago
    finally:
        conn.close()


def ensure_layout(warehouse: ConnInfo, reader_password: str | None) -> None:
    """Schemas raw/staging/marts, raw.athletes, a role that can only SELECT on marts (idempotent).

    Safe to run from many processes at once: they take turns on the layout lock, since two
    concurrent GRANTs on one object fail with "tuple concurrently updated".
    """
    conn = psycopg2.connect(warehouse.dsn())
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            wait_for_layout_lock(cur)
            for schema in SCHEMAS:
                cur.execute(
                    sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
                )
            # The athlete registry always exists, with this version's columns (the HR settings
            # are added in place to a registry made by an older version): dbt reads it.
            cur.execute(ATHLETES_DDL)
            _ensure_reader(cur, warehouse, reader_password)
            ensure_row_security(cur)  # per-athlete roles: see row_security.py
            # No temp tables, no large objects: read-only roles create nothing (no_create.py).
            revoke_create_rights(cur, warehouse.dbname, (READER_ROLE, ATHLETES_GROUP))
    finally:
        conn.close()


def _ensure_reader(cur, warehouse: ConnInfo, password: str | None) -> None:
    role = sql.Identifier(READER_ROLE)
    cur.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("create role {} login").format(role))
        log.info("created role %s", READER_ROLE)
    if password:
        # Pre-hashed, so the plain password never reaches the server's statement log.
        cur.execute(sql.SQL("alter role {} password %s").format(role), (scram_verifier(password),))
    cur.execute(
        sql.SQL("grant connect on database {} to {}").format(sql.Identifier(warehouse.dbname), role)
    )
    # The reader sees marts only: no usage on raw/staging, nothing to write anywhere.
    cur.execute(sql.SQL("revoke all on schema public from {}").format(role))
    cur.execute(sql.SQL("revoke create on schema public from public"))
    for schema in ("raw", "staging"):
        cur.execute(sql.SQL("revoke all on schema {} from {}").format(sql.Identifier(schema), role))
    marts = sql.Identifier("marts")
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(marts, role))
    cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(marts, role))
    cur.execute(
        sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(
            marts, role
        )
    )
