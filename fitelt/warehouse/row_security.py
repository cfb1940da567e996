"""Per-athlete row-level security on the marts: login roles that see only their own rows.

Layout (created by `ensure_layout`, idempotent):

* group role `fitelt_athletes` (no login): every athlete login role is a member;
* schema `access`: `athlete_roles` (login role → athlete id), `athlete_of(role)` (security
  definer, answers only for the caller's own roles) and `protect_table(regclass)`;
* `protect_table` enables RLS on a marts table that has an `athlete_id` column, with two
  SELECT policies: `fitness_reader` sees every row, `fitelt_athletes` only rows whose
  `athlete_id` is the caller's. Tables without `athlete_id` are never granted to athletes.

dbt re-creates mart tables on every build, so the marts' `+post-hook` (`athlete_row_security`
macro in dbt_project/macros) calls `access.protect_table` for each one; `grant_athlete` also
applies it to the marts already built, so a new role works before the next build.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os

import psycopg2
from psycopg2 import sql

from fitelt.warehouse.conninfo import ConnInfo
from fitelt.warehouse.locks import wait_for_layout_lock
from fitelt.warehouse.no_create import revoke_create_rights

log = logging.getLogger(__name__)

ATHLETES_GROUP = "fitelt_athletes"
ACCESS_SCHEMA = "access"
ROLE_PREFIX = "athlete_"

LAYOUT_SQL = """
do $$ begin
    create role fitelt_athletes nologin;
exception when duplicate_object then null;
end $$;
create schema if not exists access;
revoke all on schema access from public;
grant usage on schema access to fitelt_athletes;
create table if not exists access.athlete_roles (
    role_name name primary key,
    athlete_id text not null,
    created_at timestamptz not null default now()
);
revoke all on access.athlete_roles from public;
create or replace function access.athlete_of(role name) returns text
    language sql stable security definer set search_path = pg_catalog, access
as $$
    select athlete_id from access.athlete_roles
    where role_name = role and pg_has_role(session_user, role, 'member')
$$;
revoke all on function access.athlete_of(name) from public;
grant execute on function access.athlete_of(name) to fitelt_athletes;
create or replace function access.protect_table(target regclass) returns boolean
    language plpgsql set search_path = pg_catalog
as $$
begin
    if (select relkind from pg_class where oid = target) not in ('r', 'p')
        or not exists (
            select 1 from pg_attribute
            where attrelid = target and attname = 'athlete_id' and not attisdropped
        ) then
        return false;
    end if;
    execute format('alter table %s enable row level security', target);
    execute format('drop policy if exists fitelt_reader_all on %s', target);
    execute format(
        'create policy fitelt_reader_all on %s for select to fitness_reader using (true)', target
    );
    execute format('drop policy if exists fitelt_athlete_own on %s', target);
    execute format(
        'create policy fitelt_athlete_own on %s for select to fitelt_athletes '
        'using (athlete_id::text = access.athlete_of(current_user))', target
    );
    execute format('grant select on %s to fitelt_athletes', target);
    return true;
end $$;
revoke all on function access.protect_table(regclass) from public;
"""


def ensure_row_security(cur) -> None:
    """Create the group role, the `access` schema and its functions (idempotent)."""
    cur.execute(LAYOUT_SQL)


def athlete_role_name(athlete_id: str) -> str:
    """`athlete_<id>`, shortened with a hash suffix to fit PostgreSQL's 63-byte names."""
    name = f"{ROLE_PREFIX}{athlete_id}"
    if len(name.encode()) <= 63:
        return name
    digest = hashlib.sha256(athlete_id.encode()).hexdigest()[:10]
    return f"{ROLE_PREFIX}{athlete_id[:40]}_{digest}"


def scram_verifier(password: str, *, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677)."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def protect_marts(cur) -> list[str]:
    """Apply `access.protect_table` to every marts table; the names of those protected."""
    cur.execute(
        "select c.oid::regclass::text from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relkind in ('r', 'p') order by 1"
    )
    protected = []
    for (table,) in cur.fetchall():
        cur.execute("select access.protect_table(%s::regclass)", (table,))
        if cur.fetchone()[0]:
            protected.append(table)
    return protected


def grant_athlete(admin: ConnInfo, athlete_id: str, password: str) -> str:
    """Create or update the login role of `athlete_id`; returns the role name.

    The role can connect, is a member of `fitelt_athletes`, and reads only its own rows of the
    marts tables that have an `athlete_id` column (nothing else: no raw, staging, quarantine).
    """
    role = athlete_role_name(athlete_id)
    ident = sql.Identifier(role)
    with psycopg2.connect(admin.dsn()) as db, db.cursor() as cur:
        wait_for_layout_lock(cur)  # until commit: grants of concurrent processes take turns
        cur.execute("select to_regclass('raw.athletes') is not null")
        known = cur.fetchone()[0]
        if known:
            cur.execute("select 1 from raw.athletes where athlete_id = %s", (athlete_id,))
            known = cur.fetchone() is not None
        if not known:
            raise ValueError(f"unknown athlete {athlete_id!r} (see raw.athletes)")
        cur.execute("select 1 from pg_roles where rolname = %s", (role,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("create role {} login").format(ident))
            log.info("created role %s", role)
        # Sent pre-hashed: the plain password never reaches the server's statement log.
        cur.execute(
            sql.SQL("alter role {} login password %s").format(ident), (scram_verifier(password),)
        )
        cur.execute(sql.SQL("grant {} to {}").format(sql.Identifier(ATHLETES_GROUP), ident))
        cur.execute(
            sql.SQL("grant connect on database {} to {}").format(
                sql.Identifier(admin.dbname), ident
            )
        )
        cur.execute(sql.SQL("grant usage on schema marts to {}").format(ident))
        revoke_create_rights(cur, admin.dbname, (ATHLETES_GROUP, role))  # no temp, no lo_*
        cur.execute(
            "insert into access.athlete_roles (role_name, athlete_id) values (%s, %s) "
            "on conflict (role_name) do update set athlete_id = excluded.athlete_id",
            (role, athlete_id),
        )
        protected = protect_marts(cur)
    log.info("role %s reads its own rows of %d marts table(s)", role, len(protected))
    return role


def drop_athlete_role(admin: ConnInfo, athlete_id: str) -> bool:
    """Drop the athlete's login role and mapping; True when a role existed."""
    role = athlete_role_name(athlete_id)
    with psycopg2.connect(admin.dsn()) as db, db.cursor() as cur:
        wait_for_layout_lock(cur)
        cur.execute("delete from access.athlete_roles where athlete_id = %s", (athlete_id,))
        cur.execute("select 1 from pg_roles where rolname = %s", (role,))
        if cur.fetchone() is None:
            return False
        cur.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
        try:
            cur.execute("savepoint drop_role")
            cur.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))
        except psycopg2.errors.DependentObjectsStillExist:
            cur.execute("rollback to savepoint drop_role")
            cur.execute(sql.SQL("alter role {} nologin").format(sql.Identifier(role)))
            log.warning("role %s has privileges in another database: login disabled", role)
    return True
