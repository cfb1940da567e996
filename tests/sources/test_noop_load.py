"""A source re-run with nothing new neither runs dlt nor writes a row (see BENCHMARKS.md)."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster_dlt import DagsterDltResource

from fitelt.inbox.store import Inbox
from fitelt.settings import PROJECT_ROOT, Settings
from tests.conftest import query
from tests.reliability.helpers import load


def test_rerun_without_new_files_skips_dlt_and_writes_nothing(
    fitelt_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.from_env()
    Inbox(settings.inbox_dir, settings.archive_dir).drop(
        PROJECT_ROOT / "sample_data" / "strava" / "activities.csv", "demo"
    )
    instance = dg.DagsterInstance.ephemeral()
    assert load("strava/activities", instance=instance).success
    loads = query(fitelt_env, "select count(*) from raw._dlt_loads")[0][0]
    rows = query(fitelt_env, "select count(*), max(_dlt_load_id) from raw.strava_activities")[0]
    assert rows[0] == 580

    def no_dlt(*args, **kwargs):
        raise AssertionError("dlt ran although no file and no API account was waiting")

    monkeypatch.setattr(DagsterDltResource, "run", no_dlt)
    result = load("strava/activities", instance=instance)

    assert result.success
    assert query(fitelt_env, "select count(*) from raw._dlt_loads")[0][0] == loads
    after = query(fitelt_env, "select count(*), max(_dlt_load_id) from raw.strava_activities")
    assert after[0] == rows
    (materialization,) = result.asset_materializations_for_node("strava")
    assert materialization.metadata["files_loaded"].value == 0
    assert materialization.metadata["rows:strava_activities"].value == 580


def test_first_run_without_files_still_creates_the_empty_table(fitelt_env) -> None:
    assert load("withings/measures").success
    assert query(fitelt_env, "select count(*) from raw.withings_measures") == [(0,)]


def test_natural_keys_of_the_source_tables_are_indexed(fitelt_env) -> None:
    # dlt's merge creates no index on the key; without one marts.runs went quadratic.
    assert load("withings/measures", "strava/activities", "crossfit/sets").success
    indexes = dict(
        query(
            fitelt_env,
            "select indexname, indexdef from pg_indexes where schemaname = 'raw' "
            "and indexname like '%%natural_key'",
        )
    )
    expected = {
        "withings_measures": "(athlete_id, measured_at, measure_type)",
        "strava_activities": "(athlete_id, activity_id)",
        "crossfit_sets": "(athlete_id, session_date, set_key)",
    }
    for table, columns in expected.items():
        assert indexes[f"{table}__natural_key"].endswith(f"raw.{table} USING btree {columns}")
