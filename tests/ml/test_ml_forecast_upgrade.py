"""A warehouse from before the training-load variant: model_runs without feature_set/selected
(keyed without them) and ml_training_weeks without the load columns. The forecast upgrades the
table in place and trains the default, saying why the variant could not be."""

from __future__ import annotations

import dagster as dg
import psycopg2

from fitelt.warehouse import ConnInfo
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import query
from tests.ml.synthetic import synthetic_weeks
from tests.ml.test_ml_forecast_asset import load_marts

OLD_MODEL_RUNS = """
create table marts.model_runs (
    athlete_id text not null, target text not null, trained_at timestamptz not null,
    n_weeks integer not null, k integer, weights text, mae double precision,
    baseline_mae double precision, baseline_name text, beats_baseline boolean,
    model_version text, features text not null, message text,
    primary key (athlete_id, target, trained_at))
"""
OLD_ROW = """
insert into marts.model_runs values ('demo', 'weight_kg', '2024-01-01 05:00+00', 50, 5,
    'uniform', 0.1, 0.2, 'zero_change', true, 'abcdef012345',
    'run_distance_km,run_time_h,crossfit_sessions,avg_weight_per_rep_kg', null)
"""
PRIMARY_KEY = """
select array_agg(a.attname::text order by k.ord)
from pg_constraint c
cross join lateral unnest(c.conkey) with ordinality as k (attnum, ord)
join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
where c.conrelid = 'marts.model_runs'::regclass and c.contype = 'p'
"""


def test_an_old_warehouse_is_upgraded_and_trains_the_default(fitelt_env: ConnInfo) -> None:
    weeks = synthetic_weeks(60, seed=11, athlete_id="demo")
    weeks.loc[weeks.index[-1], ["weight_change_next_week", "fat_ratio_pct_change_next_week"]] = None
    load_marts(fitelt_env, weeks, with_load=False)
    with psycopg2.connect(fitelt_env.dsn()) as db, db.cursor() as cur:
        cur.execute(OLD_MODEL_RUNS)
        cur.execute(OLD_ROW)
    db.close()

    assert succeeded(materialize("knn_forecast_models", instance=dg.DagsterInstance.ephemeral()))

    key = ["athlete_id", "target", "feature_set", "trained_at"]
    assert query(fitelt_env, PRIMARY_KEY) == [(key,)]
    runs = query(
        fitelt_env,
        "select extract(year from trained_at)::int, target, feature_set, selected, "
        "model_version is not null, message from marts.model_runs order by 1, 2, 3",
    )
    missing = "marts.ml_training_weeks has no ctl_end, atl_end, weekly_trimp (rebuild it)"
    new_year = runs[1][0]
    assert runs == [
        (2024, "weight_kg", "default", True, True, None),  # the earlier release's row
        (new_year, "fat_ratio_pct", "default", True, True, None),
        (new_year, "fat_ratio_pct", "training_load", False, False, missing),
        (new_year, "weight_kg", "default", True, True, None),
        (new_year, "weight_kg", "training_load", False, False, missing),
    ]
    assert new_year > 2024

    # Once the mart has the columns, the next run trains both.
    with psycopg2.connect(fitelt_env.dsn()) as db, db.cursor() as cur:
        cur.execute("drop table marts.ml_training_weeks, marts.weight_daily")
    db.close()
    load_marts(fitelt_env, weeks)
    assert succeeded(materialize("knn_forecast_models", instance=dg.DagsterInstance.ephemeral()))
    assert query(
        fitelt_env,
        "select feature_set, count(*), count(model_version) from marts.model_runs "
        "where message is null group by 1 order by 1",
    ) == [("default", 5, 5), ("training_load", 2, 2)]
