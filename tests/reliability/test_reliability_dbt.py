"""dbt failing mid-build leaves the marts as they were (never half-built), and the next
materialisation after the bad raw row is fixed recovers completely.
"""

from __future__ import annotations

import dagster as dg
import psycopg2
import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from orchestration.lib.materialize import failed_check_names, materialize, succeeded
from tests.conftest import SAMPLE_WEIGHT_CSV, query

SOURCE = "key:withings/measures"
MODELS = " or ".join(  # body_* hold relationship tests on weight_daily: built together
    f"key:{key}"
    for key in (
        "staging/stg_withings__measures",
        "marts/weight_daily",
        "marts/body_weekly",
        "marts/body_overview",
    )
)
MART = "select md5(string_agg(t::text, '|' order by t::text)) from marts.weight_daily t"


def _execute(db, statement: str, params: tuple = ()) -> None:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(statement, params)


@pytest.mark.slow
def test_dbt_failing_mid_build_keeps_the_marts_and_the_next_run_recovers(
    fitelt_env, tmp_path
) -> None:
    lines = SAMPLE_WEIGHT_CSV.read_text().splitlines()
    export = tmp_path / "weight.csv"
    export.write_text("\n".join(lines[:120]) + "\n")
    settings = Settings.from_env()
    Inbox(settings.inbox_dir, settings.archive_dir).drop(export, "demo")
    instance = dg.DagsterInstance.ephemeral()
    assert succeeded(materialize(f"{SOURCE} or {MODELS}", instance=instance))
    before = query(fitelt_env, MART)[0][0]
    days = query(fitelt_env, "select count(*) from marts.weight_daily")[0][0]

    # A new good weigh-in, and a raw row that violates a dbt test (unknown measure type).
    copy = (
        "insert into raw.withings_measures (athlete_id, measured_at, measure_type, measure_name, "
        "value, timezone, _dlt_load_id, _dlt_id) select athlete_id, '2020-01-01T07:00:00Z', "
        "%s, %s, %s, timezone, _dlt_load_id, md5(random()::text) "
        "from raw.withings_measures limit 1"
    )
    _execute(fitelt_env, copy, (1, "weight_kg", 81.5))
    _execute(fitelt_env, copy, (999, "mystery", 1.0))
    broken = materialize(MODELS, instance=instance)
    assert not succeeded(broken)
    assert any("accepted_values" in name for name in failed_check_names(broken))
    assert query(fitelt_env, MART)[0][0] == before, "the mart must not be half-rebuilt"

    _execute(fitelt_env, "delete from raw.withings_measures where measure_type = 999")
    assert succeeded(materialize(MODELS, instance=instance))
    assert query(fitelt_env, "select count(*) from marts.weight_daily")[0][0] == days + 1
    recovered = query(
        fitelt_env, "select weight_kg from marts.weight_daily where day = '2020-01-01'"
    )
    assert recovered == [(81.5,)]
