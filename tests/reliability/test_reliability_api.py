"""API faults through the real dlt load into PostgreSQL: retried, or stopped with the cursor intact.

Table-driven over the Withings and Strava fakes. A fault is either absorbed by the client's
retries (the run loads exactly what a clean run loads), or stops the sync cleanly / fails the
run: then nothing beyond the fetched pages is loaded, the cursor stored in PostgreSQL has not
moved, and the next run completes with no row lost and none doubled. Client-level behaviour
(sleep lengths, budgets) is in test_withings_api.py and test_strava_api.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import psycopg2
import pytest

from dlt_sources.common.token_store import TokenStore
from dlt_sources.strava import StravaClient, strava_source
from dlt_sources.withings import withings_source
from dlt_sources.withings.helpers import WithingsClient
from fitelt.web.oauth_connect import connect
from tests.conftest import query
from tests.fakes import FakeStrava, FakeWithings, Fault, make_strava_activity, make_withings_groups
from tests.fakes.withings import withings_error

BASE = int(datetime(2025, 3, 1, 6, 30, tzinfo=UTC).timestamp())
GROUPS = make_withings_groups([(BASE + i * 86_400, {1: 80 + i / 10, 8: 16.0}) for i in range(12)])
ACTIVITIES = [
    make_strava_activity(1000 + i, datetime(2025, 3, 1, 6, tzinfo=UTC) + timedelta(hours=7 * i))
    for i in range(450)
]  # three pages of 200


class FaultAfter:
    """Serve queued faults only after the first `skip` requests of the prefix passed through."""

    skip = 0

    def _take_fault(self, method: str, path: str):  # type: ignore[no-untyped-def]
        counted = getattr(self, "_counted", 0)
        if path.startswith(self.fault_prefix):
            self._counted = counted + 1
            if counted < self.skip:
                return None
        return super()._take_fault(method, path)  # type: ignore[misc]


class Withings(FaultAfter, FakeWithings):
    fault_prefix = "/measure"


class Strava(FaultAfter, FakeStrava):
    fault_prefix = "/api/v3/athlete/activities"


class PageTwice(Withings):
    """The second getmeas call answers page 1 again (with page 1's `more`/`offset`)."""

    def _measure(self, request):  # type: ignore[no-untyped-def]
        if request.params.get("offset") == "4" and not getattr(self, "_repeated", False):
            self._repeated = True
            request.form.pop("offset", None)
            request.query.pop("offset", None)
        return super()._measure(request)


class StravaOverlap(Strava):
    """Page 2 repeats all of page 1 before its own activities (overlapping pages)."""

    def _list_activities(self, request, headers):  # type: ignore[no-untyped-def]
        response = super()._list_activities(request, headers)
        if request.query.get("page") == "2":
            request.query["page"] = "1"
            response.body = super()._list_activities(request, headers).body + response.body
        return response


@dataclass(frozen=True)
class Case:
    id: str
    faults: list[Fault]
    skip: int = 0  # requests served normally before the faults
    outcome: str = "complete"  # complete | stopped (partial, cursor kept) | failed (run raises)
    setup: Callable | None = None


def _expire(fake):  # type: ignore[no-untyped-def]
    fake.expire_access_token()


WITHINGS_CASES = [
    Case("page-served-twice", []),
    Case("429-retry-after", [Fault(status=429, headers={"Retry-After": "1"})], skip=1),
    Case("429-no-retry-after", [Fault(status=429)], skip=1),
    Case("429-long-retry-after", [Fault(status=429, headers={"Retry-After": "900"})], skip=1,
         outcome="stopped"),
    Case("500", [Fault(status=500)], skip=1),
    Case("502-html", [Fault.html(status=502)], skip=1),
    Case("503", [Fault(status=503)], skip=1),
    Case("503-persistent", [Fault(status=503)] * 4, skip=1, outcome="failed"),
    Case("timeout", [Fault.timeout(1.5)], skip=1),
    Case("truncated-json", [Fault.truncated_json({"status": 0, "body": {}})], skip=1),
    Case("status-601-too-many", [withings_error(601, "Too many request")], skip=1),
    Case("access-token-rejected", [withings_error(401, "invalid_token")], skip=1),
    Case("expired-access-token", [], setup=_expire),
    Case("revoked-refresh-token", [], outcome="stopped", setup=lambda fake: fake.revoke_grant()),
]  # fmt: skip
STRAVA_CASES = [
    Case("page-served-twice", []),
    Case("429-no-retry-after", [Fault(status=429)], skip=1, outcome="stopped"),
    Case("429-retry-after", [Fault(status=429, headers={"Retry-After": "1"})], skip=1),
    Case("502-persistent", [Fault(status=502)] * 4, skip=1, outcome="failed"),
    Case("truncated-json", [Fault.truncated_json({"a": 1})], skip=1),
    Case("expired-access-token", [], setup=_expire),
    Case("revoked-refresh-token", [], outcome="stopped", setup=lambda fake: fake.revoke()),
]  # fmt: skip


def _pipeline(name: str, db, tmp_path: Path) -> dlt.Pipeline:
    # Dagster's dlt resource drops the local state before every run (restored from PostgreSQL).
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(tmp_path / "dlt"),
        destination=dlt.destinations.postgres(credentials=db.url()),
        dataset_name="raw",
    ).drop()


def _cursor(name: str, db, tmp_path: Path, key: str) -> int | None:
    """The cursor as stored in PostgreSQL by the last completed load (a fresh local state)."""
    pipeline = _pipeline(name, db, tmp_path / "probe")
    pipeline.sync_destination()
    resources = pipeline.state.get("sources", {}).get(name, {}).get("resources", {})
    return next(iter(resources.values()), {}).get(key, {}).get("demo")


def _run(case: Case, fake, make_source, name: str, db, tmp_path: Path) -> Exception | None:
    try:
        _pipeline(name, db, tmp_path).run(make_source())
    except Exception as exc:  # the "failed" outcome
        return exc
    return None


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "secrets", b"k" * 32)


@pytest.mark.parametrize("case", WITHINGS_CASES, ids=[c.id for c in WITHINGS_CASES])
def test_withings_api_fault_through_the_load(case: Case, fresh_db, store, tmp_path, monkeypatch):
    monkeypatch.setattr("dlt_sources.withings.helpers.HTTP_TIMEOUT_S", (2.0, 0.5))
    fake_class = PageTwice if case.id == "page-served-twice" else Withings
    with fake_class(GROUPS, page_size=4) as fake:
        fake.skip = case.skip
        store.put(
            "withings", "demo", {"refresh_token": fake.current_refresh_token, "expires_at": 0}
        )
        client = WithingsClient(fake.url, fake.client_id, fake.client_secret, "demo", store,
                                sleep=lambda s: None)  # fmt: skip
        source = lambda: withings_source(clients=[client])  # noqa: E731
        if case.setup:
            _run(case, fake, source, "withings", fresh_db, tmp_path)  # a first, clean sync
            _execute(
                fresh_db, "delete from raw.withings_measures; delete from raw._dlt_pipeline_state"
            )
            case.setup(fake)
        for fault in case.faults:
            fake.inject("/measure", fault)
        error = _run(case, fake, source, "withings", fresh_db, tmp_path)
        rows = _count(fresh_db, "withings_measures")[0]
        expected = _expected_withings()  # what a clean run loads
        if case.id == "page-served-twice":
            assert len([r for r in fake.requests_to("/measure") if "offset" not in r.params]) == 2
        if case.outcome == "complete":
            assert error is None
            assert _keys(fresh_db) == expected and rows == len(expected)
            assert _cursor("withings", fresh_db, tmp_path, "lastupdate") == max(
                g["modified"] for g in GROUPS
            )
            return
        assert (error is not None) == (case.outcome == "failed")
        assert rows < len(expected)
        assert _cursor("withings", fresh_db, tmp_path, "lastupdate") is None  # cursor kept
        if case.id == "revoked-refresh-token":
            assert "reconnect" in store.get("withings", "demo")["needs_reconnect"]
            _reconnect("withings", fake, store)
        fake.clear_faults()
        assert _run(case, fake, source, "withings", fresh_db, tmp_path) is None
    assert _keys(fresh_db) == expected  # the next run: nothing lost, nothing doubled
    assert _count(fresh_db, "withings_measures")[0] == len(expected)


@pytest.mark.parametrize("case", STRAVA_CASES, ids=[c.id for c in STRAVA_CASES])
def test_strava_api_fault_through_the_load(case: Case, fresh_db, store, tmp_path):
    fake_class = StravaOverlap if case.id == "page-served-twice" else Strava
    with fake_class(ACTIVITIES) as fake:
        fake.skip = case.skip
        store.put("strava", "demo", {"refresh_token": fake.current_refresh_token, "expires_at": 0})
        client = StravaClient(fake.url, fake.client_id, fake.client_secret, "demo", store,
                              sleep=lambda s: None)  # fmt: skip
        source = lambda: strava_source(clients=[client])  # noqa: E731
        if case.setup:
            _run(case, fake, source, "strava", fresh_db, tmp_path)
            _execute(
                fresh_db, "delete from raw.strava_activities; delete from raw._dlt_pipeline_state"
            )
            case.setup(fake)
        for fault in case.faults:
            fake.inject("/api/v3/athlete/activities", fault)
        error = _run(case, fake, source, "strava", fresh_db, tmp_path)
        count = lambda: _count(fresh_db, "strava_activities", "activity_id")  # noqa: E731
        if case.outcome == "complete":
            assert error is None and count() == (450, 450)
            assert _cursor("strava", fresh_db, tmp_path, "after") is not None
            return
        assert (error is not None) == (case.outcome == "failed")
        assert count()[0] < 450
        assert _cursor("strava", fresh_db, tmp_path, "after") is None  # cursor kept
        if case.id == "revoked-refresh-token":
            assert "reconnect" in store.get("strava", "demo")["needs_reconnect"]
            _reconnect("strava", fake, store)
        fake.clear_faults()
        assert _run(case, fake, source, "strava", fresh_db, tmp_path) is None
    assert count() == (450, 450)  # the next run: nothing lost, nothing doubled


def _reconnect(source: str, fake, store: TokenStore) -> None:
    """What `fitelt connect` does after a revoked grant: a new code, tokens stored again."""
    connect(source, athlete_id="demo", store=store, api_base=fake.url, client_id=fake.client_id,
            client_secret=fake.client_secret, code=fake.issue_authorization_code(),
            redirect_port=8765, announce=lambda url: None)  # fmt: skip


def _expected_withings() -> dict[tuple, None]:
    from dlt_sources.withings.rows import group_rows

    keys = {}
    for group in GROUPS:
        for row in group_rows(group, "demo", "Europe/Paris"):
            keys[(row["athlete_id"], row["measured_at"], row["measure_type"])] = None
    return keys


def _execute(db, statement: str) -> None:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(statement)


def _count(db, table: str, key: str = "_dlt_id") -> tuple[int, int]:
    """(rows, distinct keys) of raw.<table>; (0, 0) when no load created it yet."""
    if not query(db, "select to_regclass(%s) is not null", (f"raw.{table}",))[0][0]:
        return (0, 0)
    return query(db, f"select count(*), count(distinct {key}) from raw.{table}")[0]


def _keys(db) -> dict[tuple, None]:
    if not _count(db, "withings_measures")[0]:
        return {}
    rows = query(db, "select athlete_id, measured_at, measure_type from raw.withings_measures")
    return {tuple(r): None for r in rows}
