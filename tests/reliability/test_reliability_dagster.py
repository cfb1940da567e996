"""Dagster-level reliability: revoked grants in the asset metadata, transient failures retried,
and an inbox sensor (stateless over the folder) that never skips a file after a failed run or
a crashed evaluation.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import requests

from dlt_sources.common.token_store import TokenStore
from dlt_sources.strava.helpers import StravaUnavailable
from dlt_sources.withings.helpers import WithingsApiError
from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse.athletes import ensure_athlete
from orchestration.lib.retries import is_transient, retry_delay
from orchestration.resources.vendor_apis import StravaApiResource, WithingsApiResource
from tests.conftest import SAMPLE_WEIGHT_CSV, query
from tests.fakes import FakeStrava, FakeWithings
from tests.reliability.helpers import load, metadata_of


def test_transient_failures_are_told_apart_from_the_others(monkeypatch) -> None:
    def wrapped(inner: BaseException) -> Exception:
        try:
            try:
                raise inner
            except BaseException as exc:
                raise RuntimeError("Pipeline execution failed at stage load") from exc
        except RuntimeError as outer:
            return outer

    assert is_transient(wrapped(psycopg2.OperationalError("server closed the connection")))
    assert is_transient(wrapped(requests.ConnectionError("refused")))
    assert is_transient(wrapped(StravaUnavailable("HTTP 503; gave up after 4 attempts")))
    assert not is_transient(wrapped(WithingsApiError("getmeas failed: status 2555")))
    assert not is_transient(wrapped(psycopg2.errors.UndefinedTable("no such table")))
    assert not is_transient(ValueError("a bug"))
    monkeypatch.setenv("FITELT_RETRY_DELAY_S", "10")
    assert [retry_delay(n) for n in (0, 1)] == [10, 20]  # exponential backoff


@pytest.mark.slow
def test_revoked_grants_show_needs_reconnect_in_the_asset_metadata(fitelt_env, tmp_path) -> None:
    ensure_athlete(fitelt_env, "demo", "Europe/Paris")
    ensure_athlete(fitelt_env, "bob", "Europe/Paris")
    store = TokenStore.open(tmp_path / "data" / "secrets")
    with FakeWithings() as withings, FakeStrava() as strava:
        for source, fake in (("withings", withings), ("strava", strava)):
            store.put(source, "demo", {"refresh_token": "revoked-long-ago", "expires_at": 0})
            store.put(source, "bob", {"refresh_token": fake.current_refresh_token, "expires_at": 0})
        resources = {
            "withings_api": WithingsApiResource(
                client_id=withings.client_id, client_secret=withings.client_secret,
                base_url=withings.url,
            ),
            "strava_api": StravaApiResource(
                client_id=strava.client_id, client_secret=strava.client_secret, base_url=strava.url
            ),
        }  # fmt: skip
        result = load("withings/measures", "strava/activities", resources=resources)
    assert result.success  # a revoked grant does not fail the run...
    for key in ("withings/measures", "strava/activities"):  # ...it is shown where users look
        assert metadata_of(result, key)["needs_reconnect"] == ["demo"]
    assert "reconnect" in store.get("strava", "demo")["needs_reconnect"]


@pytest.mark.slow
def test_a_failed_run_and_a_crashed_sensor_never_skip_an_inbox_file(
    fitelt_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.sensors.inbox import SENSORS

    sensor = next(s for s in SENSORS if s.name == "withings_inbox")
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir)
    inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    first_key = sensor(dg.build_sensor_context()).run_requests[0].run_key

    # The run fails: the warehouse is unreachable. Transient: retried twice, then failed.
    monkeypatch.setenv("FITELT_RETRY_DELAY_S", "0")
    nowhere = fitelt_env.__class__(str(tmp_path / "no-server"), 5432, "fitness", "postgres")
    monkeypatch.setenv("DATABASE_URL", nowhere.url())
    failed = load("withings/measures")
    assert not failed.success
    retries = [e for e in failed.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(retries) == 2
    assert len(inbox.pending("withings")) == 1, "a failed run keeps its file in the inbox"

    # Meanwhile a second file lands, and one sensor evaluation crashes.
    second = tmp_path / "weight_2.csv"
    second.write_text("\n".join(SAMPLE_WEIGHT_CSV.read_text().splitlines()[:50]) + "\n")
    inbox.drop(second, "demo")
    with monkeypatch.context() as broken:
        broken.setattr(Inbox, "pending", lambda self, kind: 1 / 0)
        with pytest.raises(Exception, match="division by zero"):
            sensor(dg.build_sensor_context())
    # The sensor keeps no cursor: the next evaluation sees both files, under a new run key.
    request = sensor(dg.build_sensor_context()).run_requests[0]
    assert request.run_key != first_key
    assert len(inbox.pending("withings")) == 2

    monkeypatch.setenv("DATABASE_URL", fitelt_env.url())
    assert load("withings/measures").success
    assert not inbox.pending("withings")
    assert isinstance(sensor(dg.build_sensor_context()), dg.SkipReason)
    files = query(fitelt_env, "select count(distinct source_file) from raw.withings_measures")
    assert files[0][0] == 2
