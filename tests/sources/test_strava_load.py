"""Strava through Dagster and dlt into PostgreSQL: API cursor, edits in place, athletes apart."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from dlt_sources.common.token_store import TokenStore
from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse.athletes import ensure_athlete
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.vendor_apis import StravaApiResource
from tests.conftest import query
from tests.fakes import FakeStrava, make_strava_activity

CLIENT_SECRET = "strava-client-secret"
START = datetime(2025, 3, 1, 6, 30, tzinfo=UTC)
SAMPLE_ACTIVITIES = Path(__file__).resolve().parents[2] / "sample_data/strava/activities.csv"


def _activities(n: int) -> list[dict]:
    return [make_strava_activity(1000 + i, START + timedelta(days=i)) for i in range(n)]


def _api(fake: FakeStrava) -> StravaApiResource:
    return StravaApiResource(
        client_id=fake.client_id, client_secret=CLIENT_SECRET, base_url=fake.url
    )


def _grant(data_dir: Path, refresh_token: str) -> TokenStore:
    store = TokenStore.open(data_dir / "secrets")
    store.put("strava", "demo", {"refresh_token": refresh_token, "expires_at": 0})
    return store


@pytest.mark.slow
def test_api_load_is_incremental_edits_update_in_place_and_no_secret_is_logged(
    fitelt_env, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeStrava(_activities(5)) as fake:
        ensure_athlete(fitelt_env, "demo", "Europe/Paris")
        store = _grant(tmp_path / "data", fake.current_refresh_token)
        instance = dg.DagsterInstance.ephemeral()
        resources = {"strava_api": _api(fake)}
        assert succeeded(materialize("strava/activities", instance=instance, resources=resources))
        assert query(fitelt_env, "select count(*) from raw.strava_activities")[0][0] == 5

        fake.edit_activity(1004, name="Renamed after the run", distance=21_097.5)
        fake.add_activities([make_strava_activity(2000, START + timedelta(days=6))])
        assert succeeded(materialize("strava/activities", instance=instance, resources=resources))
        afters = [int(r.query["after"]) for r in fake.requests_to("/api/v3/athlete/activities")]
        secrets = (fake.current_access_token, fake.current_refresh_token, "strava-refresh-0")
    rows = query(
        fitelt_env,
        "select activity_id, name, distance_m, data_source from raw.strava_activities "
        "where athlete_id = 'demo' order by activity_id",
    )
    assert [r[0] for r in rows] == [1000, 1001, 1002, 1003, 1004, 2000]  # no duplicate
    assert rows[4][1:] == ("Renamed after the run", 21_097.5, "api")
    # First sync from 0; the second from the newest start minus the edit look-back window.
    assert afters[0] == 0
    assert 0 < afters[-1] < int((START + timedelta(days=4)).timestamp())
    assert store.get("strava", "demo")["refresh_token"] == secrets[1]
    # Everything our side logged (the fake server's own log is Strava's side).
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("tests.fakes")]
    logged = "\n".join(ours) + "".join(capfd.readouterr())
    assert "page 1 done, 5 activities so far" in logged  # backfill progress reaches the logs
    for secret in (*secrets, CLIENT_SECRET):
        assert secret not in logged


def test_revoked_grant_is_logged_and_the_run_still_succeeds(
    fitelt_env, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeStrava(_activities(2)) as fake:
        ensure_athlete(fitelt_env, "demo", "Europe/Paris")
        store = _grant(tmp_path / "data", "a-refresh-token-strava-no-longer-knows")
        result = materialize(
            "strava/activities",
            instance=dg.DagsterInstance.ephemeral(),
            resources={"strava_api": _api(fake)},
        )
    assert succeeded(result)
    assert "needs reconnect" in caplog.text
    assert "reconnect" in store.get("strava", "demo")["needs_reconnect"]
    # The table exists (empty) so the staging view on it can build before any data arrives.
    assert query(fitelt_env, "select count(*) from raw.strava_activities")[0][0] == 0


def test_export_rows_of_two_athletes_stay_apart_and_bad_rows_are_quarantined(
    fitelt_env, tmp_path: Path
) -> None:
    lines = SAMPLE_ACTIVITIES.read_text().splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    bad_date = first.replace("9000000000,", "9000000100,").replace('"Nov 2, 2023,', '"2023-11-02,')
    cells = next(csv.reader([second]))
    cells[0], cells[17] = "9000000101", "far"  # the second `Distance` (metres) is column 18
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    bad_distance = buffer.getvalue()
    alice = tmp_path / "alice" / "activities.csv"
    alice.parent.mkdir()
    alice.write_text("\n".join([header, first, bad_date, bad_distance, "1,2,3"]) + "\n")

    ensure_athlete(fitelt_env, "alice", "America/New_York")
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir)
    inbox.drop(SAMPLE_ACTIVITIES, "demo")
    inbox.drop(alice, "alice")
    assert succeeded(materialize("strava/activities", instance=dg.DagsterInstance.ephemeral()))

    counts = dict(
        query(fitelt_env, "select athlete_id, count(*) from raw.strava_activities group by 1")
    )
    assert counts == {"demo": 580, "alice": 1}
    # Same activity id under two athletes: two rows, each in its athlete's time zone.
    both = query(
        fitelt_env,
        "select athlete_id, timezone, start_date_local from raw.strava_activities "
        "where activity_id = 9000000000 order by athlete_id",
    )
    assert [(r[0], r[1]) for r in both] == [("alice", "America/New_York"), ("demo", "Europe/Paris")]
    assert both[1][2] - both[0][2] == timedelta(hours=5)  # 2 Nov 2023: UTC-4 vs UTC+1
    reasons = dict(
        query(fitelt_env, "select source_line, reason from raw.strava_quarantine order by 1")
    )
    assert set(reasons) == {3, 4, 5}
    assert "Activity Date" in reasons[3]
    assert "Distance (column 18)" in reasons[4] and "not a number" in reasons[4]
    assert "expected 99 fields, found 3" in reasons[5]
    owners = query(fitelt_env, "select distinct athlete_id from raw.strava_quarantine")
    assert owners == [("alice",)]
