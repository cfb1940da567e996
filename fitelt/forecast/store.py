"""The forecast's tables: read its input marts, write model_runs, scenarios and neighbours."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any

import pandas as pd
import psycopg2
from psycopg2 import sql
from psycopg2.extras import execute_values

from fitelt.warehouse import READER_ROLE, ConnInfo
from fitelt.warehouse.locks import wait_for_layout_lock
from ml.features import FEATURES, LOAD_FEATURES, TARGETS
from ml.load_plan import MAPPED
from ml.scenarios import NEIGHBOUR_COLUMNS, SCENARIO_COLUMNS

log = logging.getLogger(__name__)

SCHEMA = "marts"
WEEKS_TABLE = "ml_training_weeks"
DAILY_TABLE = "weight_daily"
WEEKS_COLUMNS = ("athlete_id", "week_start", *FEATURES, *(t.change_column for t in TARGETS))
# Read when the mart has them (a warehouse whose mart predates them trains the default only).
LOAD_COLUMNS = tuple(dict.fromkeys((*LOAD_FEATURES, *MAPPED)))
DAILY_COLUMNS = ("athlete_id", "day", *(t.level_column for t in TARGETS))
RUN_COLUMNS = (
    "athlete_id", "target", "trained_at", "n_weeks", "k", "weights", "mae", "baseline_mae",
    "baseline_name", "beats_baseline", "model_version", "features", "message", "feature_set",
    "selected",
)  # fmt: skip
# Added after the first release: an older warehouse gains them (its rows were the default
# feature set, and the model used), and feature_set joins the primary key.
RUN_COLUMNS_ADDED = {
    "feature_set": "text not null default 'default'",
    "selected": "boolean not null default true",
}
RUN_KEY = ("athlete_id", "target", "feature_set", "trained_at")

DDL = {
    "model_runs": """
        athlete_id text not null, target text not null, trained_at timestamptz not null,
        n_weeks integer not null, k integer, weights text, mae double precision,
        baseline_mae double precision, baseline_name text, beats_baseline boolean,
        model_version text, features text not null, message text,
        feature_set text not null, selected boolean not null,
        primary key (athlete_id, target, feature_set, trained_at)""",
    "forecast_scenarios": """
        athlete_id text not null, model_version text not null,
        run_km double precision not null, run_hours double precision not null,
        crossfit_sessions integer not null, avg_weight_kg double precision not null,
        horizon_weeks integer not null, predicted_weight_kg double precision,
        weight_low double precision, weight_high double precision,
        predicted_fat_ratio_pct double precision, fat_low double precision,
        fat_high double precision, model_beats_baseline boolean not null,
        primary key (athlete_id, run_km, run_hours, crossfit_sessions, avg_weight_kg,
                     horizon_weeks)""",
    "forecast_neighbours": """
        athlete_id text not null, target text not null, model_version text not null,
        run_km double precision not null, run_hours double precision not null,
        crossfit_sessions integer not null, avg_weight_kg double precision not null,
        rank integer not null, week_start date not null, distance double precision not null,
        knn_weight double precision not null, neighbour_run_km double precision not null,
        neighbour_run_hours double precision not null,
        neighbour_crossfit_sessions integer not null,
        neighbour_avg_weight_kg double precision not null,
        change_next_week double precision not null,
        primary key (athlete_id, target, run_km, run_hours, crossfit_sessions, avg_weight_kg,
                     rank)""",
}


def missing_inputs(conn: ConnInfo) -> list[str]:
    """Input marts that do not exist (yet), as schema.table."""
    missing = []
    with _transaction(conn) as cur:
        for table in (WEEKS_TABLE, DAILY_TABLE):
            cur.execute("select to_regclass(%s)", (f"{SCHEMA}.{table}",))
            if cur.fetchone()[0] is None:
                missing.append(f"{SCHEMA}.{table}")
    return missing


def read_inputs(conn: ConnInfo) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(marts.ml_training_weeks, marts.weight_daily) restricted to the columns used; the
    training-load columns only where the mart has them."""
    with _transaction(conn) as cur:
        cur.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            (SCHEMA, WEEKS_TABLE),
        )
        present = {row[0] for row in cur.fetchall()}
        load = [c for c in LOAD_COLUMNS if c in present]
        weeks = _read(cur, WEEKS_TABLE, (*WEEKS_COLUMNS, *load))
        return weeks, _read(cur, DAILY_TABLE, DAILY_COLUMNS)


def ensure_tables(conn: ConnInfo) -> None:
    """Create the output tables if needed and let the read-only role select from them."""
    with _transaction(conn) as cur:
        wait_for_layout_lock(cur)  # concurrent GRANTs on one table fail otherwise
        for table, columns in DDL.items():
            name = sql.Identifier(SCHEMA, table)
            create = sql.SQL("create table if not exists {} ({})")
            cur.execute(create.format(name, sql.SQL(columns)))
            grant = sql.SQL("grant select on table {} to {}")
            cur.execute(grant.format(name, sql.Identifier(READER_ROLE)))
        _upgrade_model_runs(cur)


def _upgrade_model_runs(cur: Any) -> None:
    """Bring a model_runs table made by an earlier release to RUN_COLUMNS and RUN_KEY."""
    name = sql.Identifier(SCHEMA, "model_runs")
    cur.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = 'model_runs'",
        (SCHEMA,),
    )
    present = {row[0] for row in cur.fetchall()}
    for column, definition in RUN_COLUMNS_ADDED.items():
        if column in present:
            continue  # an ALTER would take an exclusive lock for nothing
        add = sql.SQL("alter table {} add column if not exists {} {}")
        cur.execute(add.format(name, sql.Identifier(column), sql.SQL(definition)))
    cur.execute(
        "select array_agg(a.attname::text order by k.ord), min(c.conname) "
        "from pg_constraint c "
        "cross join lateral unnest(c.conkey) with ordinality as k (attnum, ord) "
        "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum "
        "where c.conrelid = %s::regclass and c.contype = 'p'",
        (f"{SCHEMA}.model_runs",),
    )
    key, constraint = cur.fetchone()
    if tuple(key or ()) == RUN_KEY:
        return
    if constraint:
        drop = sql.SQL("alter table {} drop constraint {}")
        cur.execute(drop.format(name, sql.Identifier(constraint)))
    add_key = sql.SQL("alter table {} add primary key ({})")
    cur.execute(add_key.format(name, sql.SQL(", ").join(map(sql.Identifier, RUN_KEY))))


def write_athlete(
    conn: ConnInfo,
    athlete_id: str,
    runs: Sequence[dict[str, Any]],
    scenarios: pd.DataFrame,
    neighbours: pd.DataFrame,
) -> None:
    """Append the athlete's model_runs and replace its scenarios and neighbours, atomically."""
    with _transaction(conn) as cur:
        for table in ("forecast_scenarios", "forecast_neighbours"):
            cur.execute(
                sql.SQL("delete from {} where athlete_id = %s").format(
                    sql.Identifier(SCHEMA, table)
                ),
                (athlete_id,),
            )
        _insert(cur, "model_runs", RUN_COLUMNS, [tuple(r[c] for c in RUN_COLUMNS) for r in runs])
        _insert(cur, "forecast_scenarios", SCENARIO_COLUMNS, _records(scenarios))
        _insert(cur, "forecast_neighbours", NEIGHBOUR_COLUMNS, _records(neighbours))
    log.info(
        "%s: %d model run(s), %d scenario row(s), %d neighbour row(s) written",
        athlete_id,
        len(runs),
        len(scenarios),
        len(neighbours),
    )


@contextmanager
def _transaction(conn: ConnInfo) -> Iterator[Any]:
    """A cursor in one transaction (committed on success, rolled back on error), then closed."""
    with closing(psycopg2.connect(conn.dsn())) as db, db, db.cursor() as cur:
        yield cur


def _read(cur: Any, table: str, columns: Sequence[str]) -> pd.DataFrame:
    query = sql.SQL("select {} from {} order by 1, 2").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(SCHEMA, table)
    )
    cur.execute(query)
    return pd.DataFrame(cur.fetchall(), columns=list(columns))


def _insert(cur: Any, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    if not rows:
        return
    statement = sql.SQL("insert into {} ({}) values %s").format(
        sql.Identifier(SCHEMA, table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    execute_values(cur, statement, rows, page_size=1000)


def _records(frame: pd.DataFrame) -> list[tuple]:
    """Plain Python values (None for NaN) so psycopg2 adapts every cell."""
    return [
        tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
        for row in frame.itertuples(index=False, name=None)
    ]
