"""Real activity files → the activity_files asset → dbt marts, checked against pandas.

The files come from the Garmin FIT encoder, gpxpy and lxml (dlt_sources/synthetic); the loader
reads FIT with fitdecode. The expected values are recomputed here from the FIT file decoded
with the *other* library, Garmin's own `garmin_fit_sdk.Decoder`, so neither the reader nor the
SQL grades itself. One materialisation of the source and its dbt models (real Dagster, real dbt).
"""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from garmin_fit_sdk import Decoder, Stream

from dlt_sources.synthetic.activity_files import write_fit, write_gpx
from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import query
from tests.sources.activity_fixtures import short_run, track_of

ZONE_UPPER_PCT = (60, 70, 80, 90)  # Z1 < 60 % of max HR ... Z5 >= 90 % (activity_hr_zones.yml)


def _decoded(path: Path) -> tuple[pd.DataFrame, dict]:
    """Records (with timer seconds from the timer events) and the session, via Garmin's SDK."""
    messages, errors = Decoder(Stream.from_byte_array(bytearray(path.read_bytes()))).read()
    assert not errors
    records = pd.DataFrame(messages["record_mesgs"]).drop_duplicates("timestamp")
    events = [m for m in messages["event_mesgs"] if m.get("event") == "timer"]
    running, since, spans = False, None, []
    for event in events:
        if event["event_type"] == "start" and not running:
            running, since = True, event["timestamp"]
        elif event["event_type"] in ("stop", "stop_all") and running:
            running = False
            spans.append((since, event["timestamp"]))
    if running:
        spans.append((since, records["timestamp"].iloc[-1]))

    def timer_at(moment: datetime) -> float:
        return sum(
            (min(moment, end) - start).total_seconds() for start, end in spans if moment > start
        )

    records["timer_s"] = [timer_at(t) for t in records["timestamp"]]
    return records.reset_index(drop=True), messages["session_mesgs"][0]


def _best_seconds(records: pd.DataFrame, distance: float) -> float:
    """Brute force over every record: timer time to cover `distance`, end interpolated."""
    d = records["distance"].cummax().to_numpy(float)
    t = records["timer_s"].to_numpy(float)
    best = np.inf
    for i in range(len(d)):
        j = np.searchsorted(d, d[i] + distance)
        if j >= len(d):
            break
        share = (d[i] + distance - d[j - 1]) / (d[j] - d[j - 1])
        best = min(best, t[j - 1] + share * (t[j] - t[j - 1]) - t[i])
    return best


def test_files_to_marts_match_an_independent_decode(fitelt_env: ConnInfo, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    run = short_run(14, paused_s=75)
    track = track_of(run, seed=51, laps=False, hr_gap=True)
    fit = write_fit(folder / "Lunch Run.fit", track)
    (folder / "Lunch Run copy.fit.gz").write_bytes(gzip.compress(fit.read_bytes()))
    write_gpx(folder / "Lunch Run.gpx", track)  # the same run from another app: merged
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)
    for path in sorted(folder.iterdir()):
        inbox.drop(path, "demo")

    selection = "group:activity_files or (group:activity_files+ and kind:dbt)"
    result = materialize(selection, instance=dg.DagsterInstance.ephemeral())
    assert succeeded(result)

    records, session = _decoded(fit)
    assert query(fitelt_env, "select count(*) from raw.activity_files") == [(2,)]  # fit + gpx
    [(activity_id, source, versions, distance, moving, elapsed)] = query(
        fitelt_env,
        "select activity_id, source, versions_merged, distance_m, moving_time_s, "
        "elapsed_time_s from marts.activities",
    )
    assert (source, versions) == ("fit", 2)  # the gz copy is the same version; GPX merged
    assert distance == pytest.approx(session["total_distance"], abs=0.5)
    assert moving == pytest.approx(session["total_timer_time"], abs=1)
    assert moving == pytest.approx(records["timer_s"].iloc[-1], abs=1.5)
    assert elapsed == pytest.approx(session["total_elapsed_time"], abs=1)
    assert moving < elapsed - 60  # the pause is not moving time

    mart = pd.DataFrame(
        query(
            fitelt_env,
            "select recorded_at, heart_rate, distance_m, lat, lon from marts.activity_records "
            "where activity_id = %s order by recorded_at",
            (activity_id,),
        ),
        columns=["recorded_at", "heart_rate", "distance_m", "lat", "lon"],
    )
    assert len(mart) == len(records)
    assert mart["heart_rate"].isna().sum() == records["heart_rate"].isna().sum() > 0  # the gap
    assert mart["heart_rate"].mean() == pytest.approx(records["heart_rate"].mean(), abs=1e-6)
    assert mart["lat"].iloc[0] == pytest.approx(records["position_lat"][0] * 180 / 2**31)

    # Zones: % of the athlete's highest recorded heart rate, timer seconds to the next sample.
    hr = records["heart_rate"].to_numpy(float)
    weight = np.minimum(np.diff(records["timer_s"].to_numpy(float), append=np.nan), 10.0)  # cap
    pct = 100 * hr / np.nanmax(hr)
    zone = 1 + np.searchsorted(ZONE_UPPER_PCT, pct, side="right")
    expected = {z: float(np.nansum(weight[(zone == z) & ~np.isnan(hr)])) for z in range(1, 6)}
    zones = dict(
        query(
            fitelt_env,
            "select zone, seconds from marts.activity_hr_zones where activity_id = %s",
            (activity_id,),
        )
    )
    assert zones == pytest.approx(expected, abs=0.01)

    # Best 1 km: on the mart's 10 m grid it may be a little slower than the best, never faster.
    [(best_1km,)] = query(
        fitelt_env,
        "select seconds from marts.best_efforts where activity_id = %s and effort = '1 km'",
        (activity_id,),
    )
    truth = _best_seconds(records, 1000.0)
    assert truth - 0.01 <= best_1km <= truth + 4

    # No laps in the file: automatic 1-km splits whose distances add up to the activity's.
    laps = query(
        fitelt_env,
        "select lap_source, distance_m from marts.activity_laps where activity_id = %s "
        "order by lap_index",
        (activity_id,),
    )
    assert {source for source, _ in laps} == {"auto_1km"}
    assert sum(d for _, d in laps) == pytest.approx(records["distance"].max(), abs=1)
