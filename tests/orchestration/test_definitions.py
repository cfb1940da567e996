"""The code location loads and its asset keys are the documented contract."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).parent.parent / "snapshots" / "asset_keys.json"


def test_definitions_load_and_asset_keys_match_snapshot() -> None:
    from orchestration.definitions import defs

    keys = sorted(key.to_user_string() for key in defs.resolve_all_asset_keys())
    expected = json.loads(SNAPSHOT.read_text())
    assert keys == expected, (
        "asset keys changed; if intended, update tests/snapshots/asset_keys.json "
        f"(got {json.dumps(keys)})"
    )


def test_dlt_tables_and_dbt_sources_form_one_graph() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_withings__measures"]))
    assert dg.AssetKey(["withings", "measures"]) in staging.parent_keys
    # ...and the dlt asset is a real materialisable asset, not an external stub.
    assert graph.get(dg.AssetKey(["withings", "measures"])).is_materializable


def test_dbt_tests_are_asset_checks() -> None:
    from orchestration.definitions import defs

    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "unique_combination_weight_daily_athlete_id__day" in checks


def test_schedules_and_sensors_default_to_running() -> None:
    from orchestration.definitions import defs

    for schedule in defs.schedules or []:
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING, schedule.name
        if schedule.name.endswith("_every_3h"):
            assert schedule.cron_schedule == "0 */3 * * *"
    for sensor in defs.sensors or []:
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING, sensor.name
