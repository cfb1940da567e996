"""The live streams in the code location: lineage, job selections, schedule run config."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg


def test_the_code_server_can_load_every_job() -> None:
    """What `dagster-webserver`/`-daemon` do at start: op, job and asset names must not clash."""
    from orchestration.definitions import defs

    defs.get_repository_def().load_all_definitions()


def test_live_tables_and_dbt_sources_form_one_graph() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    parents = {
        "stg_foot_sensor__readings": ["foot_sensor", "readings"],
        "stg_foot_sensor__anomalies": ["foot_sensor", "anomalies"],
        "stg_foot_sensor__persons": ["foot_sensor", "persons"],
        "stg_bikes__riders": ["bikes", "riders"],
        "stg_bikes__rides": ["bikes", "rides"],
        "stg_bikes__ride_seconds": ["bikes", "ride_seconds"],
        "stg_bikes__hr_alerts": ["bikes", "hr_alerts"],
    }
    for model, source in parents.items():
        node = graph.get(dg.AssetKey(["staging", model]))
        assert dg.AssetKey(source) in node.parent_keys, model
        assert graph.get(dg.AssetKey(source)).is_materializable


def test_live_jobs_select_what_they_say() -> None:
    from orchestration.definitions import defs

    def keys(job_name: str) -> set[str]:
        job = defs.resolve_job_def(job_name)
        return {key.to_user_string() for key in job.asset_layer.selected_asset_keys}

    assert keys("foot_sensor_poll") == {
        "foot_sensor/readings", "foot_sensor/anomalies", "foot_sensor/persons",
    }  # fmt: skip
    assert keys("bikes_refresh") == {
        "bikes/riders", "bikes/rides", "bikes/ride_seconds", "bikes/hr_alerts",
    }  # fmt: skip
    marts = keys("live_marts")
    assert "marts/foot_sensor_minutely" in marts and "marts/bike_rides" in marts
    assert not marts & {"report_site", "bikes_daily_report", "bikes/rides", "marts/weight_daily"}
    report = keys("daily_bike_report")
    assert "bikes_daily_report" in report and "marts/bike_rides" in report
    assert not report & {"report_site", "marts/foot_sensor_latest", "bikes/rides"}


def test_daily_report_schedule_emails_the_24_hours_before_1645_local() -> None:
    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("bikes_daily_report_1645")
    assert schedule.cron_schedule == "45 16 * * *"
    at = datetime(2025, 3, 1, 16, 45, tzinfo=ZoneInfo(schedule.execution_timezone))
    context = dg.build_schedule_context(scheduled_execution_time=at)
    request = schedule.evaluate_tick(context).run_requests[0]
    config = request.run_config["ops"]["bikes_daily_report"]["config"]
    assert config == {"end": at.isoformat(), "send_email": True}
