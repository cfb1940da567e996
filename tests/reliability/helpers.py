"""Shared by the reliability/security tests: loads without dbt checks, counts, key sets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from fitelt.warehouse import ConnInfo
from tests.conftest import query

# The natural key of each raw table: what "no duplicates, nothing lost" is checked on.
KEYS = {
    "withings_measures": "athlete_id, measured_at, measure_type",
    "strava_activities": "athlete_id, activity_id",
    "crossfit_sets": "athlete_id, session_date, set_key",
    "bikes_riders": "user_id",
    "bikes_rides": "ride_id",
    "bikes_ride_seconds": "ride_id, duration_s",
}


def load(
    *keys: str,
    instance: dg.DagsterInstance | None = None,
    resources: Mapping[str, Any] | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise source assets only (no dbt asset checks: they are a dbt run of their own)."""
    from orchestration.definitions import defs

    selection = dg.AssetSelection.assets(*(dg.AssetKey(k.split("/")) for k in keys))
    return dg.materialize(
        assets=list(defs.assets or []),
        selection=selection.without_checks(),
        instance=instance or dg.DagsterInstance.ephemeral(),
        resources={**(defs.resources or {}), **(resources or {})},
        raise_on_error=False,
    )


def snapshot(conn: ConnInfo, *tables: str) -> dict[str, Any]:
    """Row count, distinct-key count and key set of each raw table and its quarantine."""
    facts: dict[str, Any] = {}
    for table in tables:
        key = KEYS[table]
        rows = query(conn, f"select {key} from raw.{table} order by {key}")
        facts[table] = {"rows": len(rows), "keys": set(rows)}
        source = table.split("_")[0]
        exists = query(conn, "select to_regclass(%s) is not null", (f"raw.{source}_quarantine",))
        quarantine = (
            query(conn, f"select record_hash from raw.{source}_quarantine") if exists[0][0] else []
        )
        facts[f"{source}_quarantine"] = {"rows": len(quarantine), "keys": set(quarantine)}
    return facts


def metadata_of(result: dg.ExecuteInProcessResult, key: str) -> dict[str, Any]:
    """The metadata of the materialisation of asset `key` ("withings/measures")."""
    asset_key = dg.AssetKey(key.split("/"))
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == asset_key:
            return {k: v.value for k, v in materialization.metadata.items()}
    raise AssertionError(f"no materialisation of {key}")


def clean_run_snapshot(
    pg_server: ConnInfo, root: Path, drops: list[tuple[Path, str]], *keys: str
) -> dict[str, Any]:
    """The snapshot one clean run of `drops` gives, in a database and data folder of its own."""
    import uuid

    import pytest

    from fitelt.inbox.store import Inbox
    from fitelt.warehouse.bootstrap import ensure_layout
    from tests.conftest import create_database, drop_database

    name = f"clean_{uuid.uuid4().hex[:10]}"
    db = create_database(pg_server, name)
    ensure_layout(db, reader_password=None)
    data_dir = root / name
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("FITELT_DATA_DIR", str(data_dir))
            env.setenv("DATABASE_URL", db.url())
            inbox = Inbox(data_dir / "inbox", data_dir / "archive")
            for path, athlete in drops:
                inbox.drop(path, athlete)
            assert load(*keys).success
        tables = [f"{key.split('/')[0]}_{key.split('/')[1]}" for key in keys]
        return snapshot(db, *tables)
    finally:
        drop_database(pg_server, name)
