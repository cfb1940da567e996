"""Read-only roles create nothing: no temporary tables, no large objects.

PostgreSQL grants every role (through PUBLIC) TEMPORARY on each database and EXECUTE on the
large-object functions, so a "read-only" role could still create temp tables and write large
objects (server-side storage nobody cleans up). `revoke_create_rights` takes both away from
PUBLIC, `fitness_reader` and the athlete roles, on the warehouse database.

The admin keeps TEMPORARY (granted explicitly first: dbt's incremental models and the
foot-sensor COPY use temp tables). An admin that is not superuser (DATABASE_URL) may lack the
right to revoke some of it, e.g. the large-object functions belong to the bootstrap superuser:
then one warning says what is still allowed, and nothing else fails.
"""

from __future__ import annotations

import logging

import psycopg2
from psycopg2 import sql

log = logging.getLogger(__name__)

# Every pg_catalog large-object function that creates, writes, truncates, deletes or opens
# (for writing) a large object, or moves data between one and a server file (PostgreSQL 18).
TEMPORARY = "TEMPORARY"
LARGE_OBJECT_WRITERS = (
    "lo_create(oid)",
    "lo_creat(integer)",
    "lo_from_bytea(oid,bytea)",
    "lo_import(text)",
    "lo_import(text,oid)",
    "lo_export(oid,text)",
    "lo_open(oid,integer)",
    "lowrite(integer,bytea)",
    "lo_put(oid,bigint,bytea)",
    "lo_truncate(integer,integer)",
    "lo_truncate64(integer,bigint)",
    "lo_unlink(oid)",
)


def revoke_create_rights(cur, dbname: str, roles: tuple[str, ...]) -> list[str]:
    """Revoke TEMPORARY on `dbname` and the large-object writers from PUBLIC and `roles`.

    Only what is still granted is revoked (an installed warehouse costs a few SELECTs, and no
    catalog row is rewritten while other processes may do the same). Returns what could not
    be taken away, after logging it once as a warning.
    """
    functions = _present(cur, LARGE_OBJECT_WRITERS)
    allowed = _allowed(cur, dbname, roles, functions)
    if not allowed:
        return []
    database = sql.Identifier(dbname)
    grantees = [sql.SQL("public"), *(sql.Identifier(role) for role in roles)]
    if any(what == TEMPORARY for what, _ in allowed):
        # The admin keeps temp tables (dbt incremental models, the foot-sensor COPY).
        _try(cur, sql.SQL("grant temporary on database {} to current_user").format(database))
        for grantee in grantees:
            revoke = sql.SQL("revoke temporary, create on database {} from {}")
            _try(cur, revoke.format(database, grantee))
    for function in sorted({what for what, _ in allowed if what != TEMPORARY}):
        for grantee in grantees:
            revoke = sql.SQL("revoke execute on function {} from {}")
            _try(cur, revoke.format(sql.SQL(function), grantee))
    left = _describe(_allowed(cur, dbname, roles, functions), dbname)
    if left:
        log.warning(
            "read-only roles can still create objects: %s (%s may not revoke this; a "
            "superuser can)",
            "; ".join(left),
            _current_user(cur),
        )
    return left


def _try(cur, statement: sql.Composable) -> None:
    """Run `statement`; a refusal is found out afterwards by `_allowed`."""
    in_transaction = not cur.connection.autocommit
    if in_transaction:
        cur.execute("savepoint fitelt_no_create")
    try:
        cur.execute(statement)
    except psycopg2.errors.InsufficientPrivilege:
        if in_transaction:
            cur.execute("rollback to savepoint fitelt_no_create")
        return
    if in_transaction:
        cur.execute("release savepoint fitelt_no_create")


def _present(cur, signatures: tuple[str, ...]) -> list[str]:
    cur.execute(
        "select s from unnest(%s::text[]) as s where to_regprocedure('pg_catalog.' || s) "
        "is not null",
        (list(signatures),),
    )
    return [f"pg_catalog.{row[0]}" for row in cur.fetchall()]


def _allowed(cur, dbname: str, roles: tuple[str, ...], functions: list[str]) -> list:
    """(privilege, role) pairs still held, directly or through PUBLIC."""
    held = []
    for role in ("public", *roles):
        cur.execute("select has_database_privilege(%s, %s, 'TEMPORARY')", (role, dbname))
        if cur.fetchone()[0]:
            held.append((TEMPORARY, role))
        cur.execute(
            "select f from unnest(%s::text[]) as f "
            "where has_function_privilege(%s, f::regprocedure, 'EXECUTE')",
            (functions, role),
        )
        held += [(row[0], role) for row in cur.fetchall()]
    return held


def _describe(held: list[tuple[str, str]], dbname: str) -> list[str]:
    """['TEMPORARY on fitness (public)', 'EXECUTE on lo_create, lo_put (public, fitness_reader)']"""
    by_roles: dict[tuple[str, ...], list[str]] = {}
    for what in dict.fromkeys(what for what, _ in held):
        who = tuple(role for other, role in held if other == what)
        by_roles.setdefault(who, []).append(what)
    lines = []
    for who, privileges in by_roles.items():
        temp = [f"TEMPORARY on {dbname}" for p in privileges if p == TEMPORARY]
        names = [p.removeprefix("pg_catalog.").split("(")[0] for p in privileges if p != TEMPORARY]
        executes = [f"EXECUTE on {', '.join(dict.fromkeys(names))}"] if names else []
        lines.append(f"{'; '.join(temp + executes)} ({', '.join(who)})")
    return lines


def _current_user(cur) -> str:
    cur.execute("select current_user")
    return cur.fetchone()[0]
