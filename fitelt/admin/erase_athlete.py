"""Forget one athlete: rows in every schema, inbox/archive files, models, credentials, grants.

What is removed (`fitelt delete-athlete ID`):

* every row whose `athlete_id` is the athlete's, in every base table of every schema (found in
  information_schema, so tables added later are covered), `raw.athletes` last, in one
  transaction;
* the athlete's API cursors in the dlt pipeline state (older state versions are deleted), so
  the same id connected again starts a full sync;
* inbox, archive and rejected files (`<inbox|archive|rejected>/<source>/<athlete>/`) and
  forecast models;
* stored OAuth grants, revoked first where the API allows it: Strava `POST /oauth/deauthorize`.
  Withings has no token-revocation endpoint: the athlete removes the app in their Withings
  account (the stored tokens are deleted here); Oura's grant is not revoked from here either
  (its revocation takes the access token in the URL): the athlete removes the app in the Oura
  account;
* the athlete's login role (`fitelt grant-athlete`).

Not removed: Dagster's run history (log lines and metadata mention athlete ids) and existing
backups (they rotate out after FITELT_BACKUP_KEEP days).
"""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import psycopg2
from psycopg2 import sql

from dlt_sources.common.token_store import TokenStore, TokenStoreError
from dlt_sources.strava import StravaClient
from fitelt.inbox.store import ATHLETE_ID
from fitelt.loading.dlt_pipelines import run_pipeline
from fitelt.settings import Settings
from fitelt.storage import StoragePath, remove_tree
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.locks import pipeline_lock
from fitelt.warehouse.row_security import drop_athlete_role

log = logging.getLogger(__name__)

API_PIPELINES = ("withings", "strava", "oura")  # dlt state holds per-athlete cursors
LOCKED_PIPELINES = ("withings", "strava", "crossfit", "oura")  # loads writing athletes' rows
WITHINGS_NOTE = "no revocation endpoint: remove the app in the Withings account settings"
OURA_NOTE = "not revoked here: remove the app in the Oura account (cloud.ouraring.com)"


@dataclass
class DeletionReport:
    athlete_id: str
    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    credentials: list[str] = field(default_factory=list)
    revoked: dict[str, str] = field(default_factory=dict)
    cursors: list[str] = field(default_factory=list)
    role_dropped: bool = False
    problems: list[str] = field(default_factory=list)


def athlete_tables(cur) -> list[tuple[str, str]]:
    """(schema, table) of every base table with an `athlete_id` column, raw.athletes last."""
    cur.execute(
        "select c.table_schema, c.table_name from information_schema.columns c "
        "join information_schema.tables t "
        "  on t.table_schema = c.table_schema and t.table_name = c.table_name "
        "where c.column_name = 'athlete_id' and t.table_type = 'BASE TABLE' "
        "  and c.table_schema not in ('pg_catalog', 'information_schema') "
        "order by (c.table_schema = 'raw' and c.table_name = 'athletes'), 1, 2"
    )
    return [(schema, table) for schema, table in cur.fetchall()]


def delete_rows(admin: ConnInfo, athlete_id: str) -> dict[str, int]:
    """Delete the athlete's rows everywhere in one transaction; rows deleted per table."""
    counts: dict[str, int] = {}
    with psycopg2.connect(admin.dsn()) as db, db.cursor() as cur:
        for schema, table in athlete_tables(cur):
            cur.execute(
                sql.SQL("delete from {}.{} where athlete_id::text = %s").format(
                    sql.Identifier(schema), sql.Identifier(table)
                ),
                (athlete_id,),
            )
            counts[f"{schema}.{table}"] = cur.rowcount
    return counts


def forget_cursors(settings: Settings, admin: ConnInfo, athlete_id: str) -> list[str]:
    """Drop the athlete's cursors from each API pipeline's state; the pipelines changed.

    The caller holds the pipelines' locks (`delete_athlete`)."""
    changed_pipelines = []
    for name in API_PIPELINES:
        with run_pipeline(settings, admin, name) as pipeline:
            if _forget_in_state(pipeline, name, admin, athlete_id):
                changed_pipelines.append(name)
    return changed_pipelines


def _forget_in_state(pipeline: dlt.Pipeline, name: str, admin: ConnInfo, athlete_id: str) -> bool:
    if not pipeline.default_schema_name:
        return False  # never loaded
    changed = False
    with pipeline.managed_state(extract_state=True) as state:
        resources = state.get("sources", {}).get(name, {}).get("resources", {})
        for resource_state in resources.values():
            for value in resource_state.values():
                if isinstance(value, dict) and athlete_id in value:
                    del value[athlete_id]
                    changed = True
    if not changed:
        return False
    pipeline.normalize()
    pipeline.load()
    with psycopg2.connect(admin.dsn()) as db, db.cursor() as cur:
        # Older state versions still hold the cursor: keep only the newest.
        cur.execute(
            "delete from raw._dlt_pipeline_state where pipeline_name = %s and version < "
            "(select max(version) from raw._dlt_pipeline_state where pipeline_name = %s)",
            (name, name),
        )
    return True


def remove_files(settings: Settings, athlete_id: str) -> list[StoragePath]:
    """Inbox and archive folders of the athlete (every source) and their forecast models,
    on the local disk or in the object store (FITELT_STORAGE_URL)."""
    folders = [settings.models_dir / athlete_id]
    for root in (settings.inbox_dir, settings.archive_dir, settings.rejected_dir):
        if root.is_dir():
            folders += [kind / athlete_id for kind in root.iterdir() if kind.is_dir()]
    removed = []
    for folder in folders:
        if folder.is_dir():
            removed += [p for p in folder.rglob("*") if p.is_file()]
            remove_tree(folder)
    return removed


def revoke_and_delete_credentials(
    settings: Settings, athlete_id: str, report: DeletionReport
) -> None:
    """Revoke what the APIs allow, then delete the stored grants of every source."""
    store = TokenStore.open(settings.secrets_dir, settings.tokens_dir)
    for source in API_PIPELINES:
        try:
            document = store.get(source, athlete_id)
        except TokenStoreError:
            document = {}  # unreadable: nothing to revoke with, the file is still deleted
        if document is not None and source == "strava":
            report.revoked[source] = _revoke_strava(store, athlete_id, report)
        elif document is not None:
            report.revoked[source] = OURA_NOTE if source == "oura" else WITHINGS_NOTE
        if store.delete(source, athlete_id):
            report.credentials.append(source)


def _revoke_strava(store: TokenStore, athlete_id: str, report: DeletionReport) -> str:
    client_id, secret = os.environ.get("STRAVA_CLIENT_ID"), os.environ.get("STRAVA_CLIENT_SECRET")
    if not client_id or not secret:
        report.problems.append("Strava grant not revoked: STRAVA_CLIENT_ID/SECRET not set")
        return "not revoked (app credentials not set)"
    client = StravaClient(
        base_url=os.environ.get("STRAVA_API_BASE") or "https://www.strava.com",
        client_id=client_id,
        client_secret=secret,
        athlete_id=athlete_id,
        store=store,
    )
    try:
        return "revoked" if client.deauthorize() else "already revoked"
    except Exception as exc:  # network or API failure: local deletion still goes on
        report.problems.append(f"Strava grant not revoked ({type(exc).__name__})")
        return f"not revoked ({type(exc).__name__}): revoke it in Strava's settings"


def delete_athlete(settings: Settings, admin: ConnInfo, athlete_id: str) -> DeletionReport:
    """Remove every trace of `athlete_id` listed in this module's docstring."""
    if not ATHLETE_ID.match(athlete_id):
        raise ValueError(f"athlete id {athlete_id!r}: use letters, digits, '-' or '_'")
    report = DeletionReport(athlete_id)
    revoke_and_delete_credentials(settings, athlete_id, report)
    with ExitStack() as locks:  # no load may write the athlete's rows back while we delete
        for name in LOCKED_PIPELINES:
            locks.enter_context(pipeline_lock(admin, name))
        report.rows = delete_rows(admin, athlete_id)
        report.cursors = forget_cursors(settings, admin, athlete_id)
        report.files = remove_files(settings, athlete_id)
    report.role_dropped = drop_athlete_role(admin, athlete_id)
    log.info(
        "athlete %s deleted: %d row(s) in %d table(s), %d file(s), credentials %s, cursors %s",
        athlete_id,
        sum(report.rows.values()),
        sum(1 for n in report.rows.values() if n),
        len(report.files),
        report.credentials or "none",
        report.cursors or "none",
    )
    return report
