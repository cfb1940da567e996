"""Bad API JSON, HTML instead of JSON, a 50 MB export (streamed), and bad files through the
real dlt load into PostgreSQL: quarantined with reasons, rejected files recorded, good rows in.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dlt_sources.common.quarantine import RowError
from dlt_sources.common.token_store import TokenStore
from dlt_sources.strava.helpers import StravaClient, StravaUnavailable
from dlt_sources.strava.rows import api_row
from dlt_sources.withings.export import read_weight_csv
from dlt_sources.withings.helpers import WithingsClient, WithingsUnavailable
from dlt_sources.withings.rows import group_rows
from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from tests.conftest import query
from tests.fakes import FakeStrava, FakeWithings, Fault, make_strava_activity, make_withings_groups
from tests.reliability.helpers import load
from tests.sources.test_bad_input import (
    C_HEAD,
    C_OK,
    S_HEAD,
    S_OK,
    W_HEAD,
    W_OK,
    W_OK2,
    strava_line,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
EPOCH = int(datetime(2025, 5, 1, 6, tzinfo=UTC).timestamp())


def _group(**changes) -> dict:
    group = make_withings_groups([(EPOCH, {1: 80.0, 8: 16.0})])[0]
    group.update(changes)
    return group


def _measure(**changes) -> dict:
    return {"type": 1, "value": 80000, "unit": -3, **changes}


WITHINGS_GROUPS = [
    ("value-as-string", _group(measures=[_measure(value="80.5")]),
     r"measures\[0\]\.value: not an integer: '80.5'"),
    ("value-null", _group(measures=[_measure(value=None)]), r"measures\[0\]\.value: missing"),
    ("date-missing", {k: v for k, v in _group().items() if k != "date"}, "date: missing"),
    ("date-as-text", _group(date="2025-05-01"), "date: not an integer"),
    ("absurd-weight", _group(measures=[_measure(value=4_000_000)]),
     r"weight_kg 4000 outside \[20, 400\]"),
    ("negative-weight", _group(measures=[_measure(value=-80000)]), "weight_kg -80 outside"),
    ("future-date", _group(date=int(NOW.timestamp()) + 10 * 86_400), "in the future"),
    ("measures-not-a-list", _group(measures={"type": 1}), "measures: expected a list"),
]  # fmt: skip
START = datetime(2025, 5, 1, 6, tzinfo=UTC)


def _activity(**changes) -> dict:
    return {**make_strava_activity(7, START), **changes}


STRAVA_ACTIVITIES = [
    ("id-as-string", _activity(id="77"), "id: missing or not a positive"),
    ("distance-as-text", _activity(distance="far"), "distance: not a number"),
    ("nul-in-name", _activity(name="Run\x00"), "name: contains a NUL byte"),
    ("bad-start-date", _activity(start_date="01/05/2025"), "start_date: '01/05/2025' is not"),
    ("no-sport-type", _activity(sport_type=None, type=None), "sport_type: missing"),
]


@pytest.mark.parametrize(
    ("group", "reason"), [c[1:] for c in WITHINGS_GROUPS], ids=[c[0] for c in WITHINGS_GROUPS]
)
def test_withings_api_group_with_bad_json_is_a_row_error_naming_the_field(group, reason) -> None:
    with pytest.raises(RowError, match=reason):
        group_rows(group, "a", "UTC", now=NOW.timestamp())
    assert group_rows(_group(), "a", "UTC", now=NOW.timestamp())  # the well-formed one loads


@pytest.mark.parametrize(
    ("activity", "reason"),
    [c[1:] for c in STRAVA_ACTIVITIES],
    ids=[c[0] for c in STRAVA_ACTIVITIES],
)
def test_strava_api_activity_with_bad_json_is_a_row_error_naming_the_field(
    activity, reason
) -> None:
    with pytest.raises(RowError, match=re.escape(reason)):
        api_row(activity, "a")


@pytest.mark.parametrize("status", [200, 502])
def test_html_error_page_instead_of_json_is_retried_then_a_clear_transient_error(
    status: int, tmp_path: Path
) -> None:
    store = TokenStore(tmp_path, b"k" * 32)
    store.put("withings", "a", {"refresh_token": "withings-refresh-0", "expires_at": 0})
    store.put("strava", "a", {"refresh_token": "strava-refresh-0", "expires_at": 0})
    sleeps: list[float] = []
    with FakeWithings() as withings, FakeStrava() as strava:
        withings.inject("/measure", Fault.html(status=status), times=10)
        strava.inject("/api/v3/athlete/activities", Fault.html(status=status), times=10)
        w = WithingsClient(withings.url, withings.client_id, withings.client_secret, "a", store,
                           sleep=sleeps.append)  # fmt: skip
        with pytest.raises(WithingsUnavailable, match="not JSON|HTTP 502"):
            list(w.measure_groups(lastupdate=0))
        s = StravaClient(strava.url, strava.client_id, strava.client_secret, "a", store,
                         sleep=sleeps.append)  # fmt: skip
        with pytest.raises(StravaUnavailable, match="JSONDecodeError|HTTP 502"):
            list(s.activity_pages(after=0))
    assert sleeps and max(sleeps) <= 8  # bounded backoff, then a transient (retryable) error


def test_a_50_mb_export_is_streamed_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "weight.csv"
    line = (W_OK2 + "\n").encode()
    with path.open("wb") as handle:
        handle.write((W_HEAD + "\n").encode())
        block = line * 10_000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(block)
    tracemalloc.start()
    started = time.perf_counter()
    records = read_weight_csv(path, athlete_id="a", timezone="UTC", now=NOW)
    first = [next(records) for _ in range(2_000)]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    records.close()
    assert all(isinstance(rows, list) for _, _, rows in first)
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB: the file was read whole"
    assert time.perf_counter() - started < 5


@pytest.mark.slow
def test_bad_files_through_the_real_load_quarantine_reject_and_load_the_good_rows(
    fitelt_env, tmp_path: Path
) -> None:
    files = {
        ("withings", "weight.csv"): text_bytes(W_HEAD, W_OK, W_OK2[:-4] + "a\x00b", "x,y")
        + b"2025-05-03 07:10:00,80.00,16.00,3.10,60.00,44.00,tr\xe8s\n",
        ("withings", "semicolons.csv"): text_bytes(W_HEAD, W_OK2).replace(b",", b";"),
        ("strava", "activities.csv"): text_bytes(S_HEAD, S_OK, strava_line(101, c31="400")),
        ("crossfit", "log.csv"): text_bytes(C_HEAD, C_OK, "2031-01-01,Row,1,5,,,"),
        ("crossfit", "empty.csv"): b"",
    }
    settings = Settings.from_env()
    for (kind, name), content in files.items():  # as if copied into the inbox by hand
        folder = settings.inbox_dir / kind / "demo"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    assert load("withings/measures", "strava/activities", "crossfit/sets").success

    weights = query(
        fitelt_env, "select distinct measured_at::date::text from raw.withings_measures"
    )
    assert sorted(r[0] for r in weights) == ["2025-05-01"]
    assert query(fitelt_env, "select count(*) from raw.strava_activities")[0][0] == 1
    assert query(fitelt_env, "select count(*) from raw.crossfit_sets")[0][0] == 1
    reasons = {}
    for source in ("withings", "strava", "crossfit"):
        rows = query(fitelt_env, f"select source_file, source_line, reason, raw_record "
                                 f"from raw.{source}_quarantine")  # fmt: skip
        reasons.update({(source, f, n): (r, raw) for f, n, r, raw in rows})
    assert "NUL" in reasons[("withings", "weight.csv", 3)][0]
    assert "\\x00" in reasons[("withings", "weight.csv", 3)][1]  # stored, escaped
    assert "expected 7 fields" in reasons[("withings", "weight.csv", 4)][0]
    assert "0xe8" in reasons[("withings", "weight.csv", 5)][0]
    assert "';'-separated" in reasons[("withings", "semicolons.csv", 0)][0]
    assert "Average Heart Rate" in reasons[("strava", "activities.csv", 3)][0]
    assert "in the future" in reasons[("crossfit", "log.csv", 3)][0]
    assert "empty file" in reasons[("crossfit", "empty.csv", 0)][0]
    inbox = Inbox(settings.inbox_dir, settings.archive_dir)
    assert not any(inbox.pending(kind) for kind in ("withings", "strava", "crossfit"))


def text_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()
