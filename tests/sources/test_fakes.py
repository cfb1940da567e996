"""Tests of the vendor fakes themselves, driven over real HTTP with urllib."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.client import IncompleteRead
from typing import Any

import pytest

try:  # works whether or not tests/ is a package on sys.path
    from tests.fakes import (
        FakeSheets,
        FakeStrava,
        FakeWithings,
        Fault,
        decode_measure,
        make_strava_activity,
        make_withings_groups,
        withings_error,
    )
except ModuleNotFoundError:  # pragma: no cover - depends on how pytest was launched
    from fakes import (  # type: ignore[no-redef]
        FakeSheets,
        FakeStrava,
        FakeWithings,
        Fault,
        decode_measure,
        make_strava_activity,
        make_withings_groups,
        withings_error,
    )

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def call(
    url: str,
    *,
    method: str = "GET",
    form: Mapping[str, Any] | None = None,
    token: str | None = None,
    timeout: float = 5.0,
) -> tuple[int, dict[str, str], Any]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, headers, raw = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        status, headers, raw = err.code, dict(err.headers), err.read()
    ctype = headers.get("Content-Type", "")
    return status, headers, json.loads(raw) if raw and ctype.startswith("application/json") else raw


# -- base / faults ---------------------------------------------------------------------------
@pytest.fixture
def withings() -> Iterator[FakeWithings]:
    rows = [(T0 + i * 86_400, {1: 80.0 - i * 0.1, 6: 20.5}) for i in range(7)]
    with FakeWithings(make_withings_groups(rows), page_size=3) as fake:
        yield fake


def _getmeas(fake: FakeWithings, **params: Any) -> Any:
    form = {"action": "getmeas", **params}
    return call(f"{fake.url}/measure", method="POST", form=form, token=fake.current_access_token)


def test_requests_are_recorded_with_query_form_and_headers(withings: FakeWithings) -> None:
    call(f"{withings.url}/measure?action=getmeas&meastypes=1", token="nope")
    _getmeas(withings, meastypes="1,6")
    first, second = withings.requests
    assert (first.method, first.path, first.query["meastypes"]) == ("GET", "/measure", "1")
    assert first.headers["authorization"] == "Bearer nope"
    assert second.form == {"action": "getmeas", "meastypes": "1,6"}


def test_fault_fires_once_then_normal_service(withings: FakeWithings) -> None:
    withings.inject("/measure", Fault(status=429, headers={"Retry-After": "1"}, body={"e": 1}))
    status, headers, _ = _getmeas(withings)
    assert (status, headers["Retry-After"]) == (429, "1")
    assert _getmeas(withings)[0] == 200
    assert withings.pending_faults == 0


def test_fault_times_and_prefix_matching(withings: FakeWithings) -> None:
    withings.inject("/measure", Fault(status=503), times=2)
    assert call(f"{withings.url}/v2/oauth2", method="POST", form={})[0] == 200  # not matched
    assert [_getmeas(withings)[0] for _ in range(3)] == [503, 503, 200]


def test_html_and_truncated_json_faults(withings: FakeWithings) -> None:
    withings.inject("/measure", Fault(body=b"<html>Bad gateway</html>", content_type="text/html"))
    status, headers, body = _getmeas(withings)
    assert (status, headers["Content-Type"], body) == (
        500,
        "text/html",
        b"<html>Bad gateway</html>",
    )
    withings.inject("/measure", Fault.truncated_json({"status": 0, "body": {"measuregrps": []}}))
    with pytest.raises(json.JSONDecodeError):
        _getmeas(withings)


def test_short_read_and_timeout_faults(withings: FakeWithings) -> None:
    withings.inject(
        "/measure", Fault(status=200, body={"status": 0, "x": "y" * 50}, short_read=True)
    )
    with pytest.raises(IncompleteRead):
        _getmeas(withings)
    withings.inject("/measure", Fault.timeout(2.0))
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        call(f"{withings.url}/measure", form={"action": "getmeas"}, timeout=0.3)


# -- Withings --------------------------------------------------------------------------------
def _refresh(fake: FakeWithings, refresh_token: str) -> dict[str, Any]:
    form = {
        "action": "requesttoken",
        "grant_type": "refresh_token",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": refresh_token,
    }
    status, _, body = call(f"{fake.url}/v2/oauth2", method="POST", form=form)
    assert status == 200  # Withings reports errors inside the envelope
    return body


def test_withings_pagination_walks_to_the_end(withings: FakeWithings) -> None:
    dates, offset, pages = [], 0, 0
    while True:
        status, _, payload = _getmeas(withings, meastypes="1", category=1, offset=offset)
        assert status == 200 and payload["status"] == 0
        body = payload["body"]
        dates += [g["date"] for g in body["measuregrps"]]
        pages += 1
        if not body["more"]:
            assert body["offset"] == 0
            break
        offset = body["offset"]
    assert pages == 3 and len(dates) == 7
    assert dates == sorted(dates, reverse=True)  # newest first
    group = withings.groups[0]
    assert [m["type"] for m in group["measures"]] == [1, 6]
    assert decode_measure(group["measures"][0]["value"], group["measures"][0]["unit"]) == 80.0


def test_withings_filters_lastupdate_and_types(withings: FakeWithings) -> None:
    grpid = withings.groups[0]["grpid"]
    withings.update_group(grpid, modified=T0 + 10 * 86_400)
    _, _, payload = _getmeas(withings, meastype=6, lastupdate=T0 + 10 * 86_400)
    groups = payload["body"]["measuregrps"]
    assert [g["grpid"] for g in groups] == [grpid]
    assert [m["type"] for m in groups[0]["measures"]] == [6]


def test_withings_refresh_rotation_invalidates_old_token(withings: FakeWithings) -> None:
    old = withings.current_refresh_token
    first = _refresh(withings, old)["body"]
    assert first["refresh_token"] != old and first["expires_in"] == 10800
    assert _getmeas(withings)[2]["status"] == 0  # using the new access token retires `old`
    reused = _refresh(withings, old)
    assert reused["status"] == 503
    assert reused["error"] == "Invalid Params: invalid refresh_token"
    assert _refresh(withings, first["refresh_token"])["status"] == 0


def test_withings_strict_rotation_and_revocation() -> None:
    with FakeWithings(strict_rotation=True) as fake:
        old = fake.current_refresh_token
        assert _refresh(fake, old)["status"] == 0
        assert _refresh(fake, old)["status"] == 503
        fake.revoke_grant()
        assert _refresh(fake, fake.current_refresh_token)["status"] == 503
        assert _getmeas(fake)[2]["status"] == 401


def test_withings_expired_access_token_is_status_401_in_http_200(withings: FakeWithings) -> None:
    withings.expire_access_token()
    status, _, payload = _getmeas(withings)
    assert status == 200 and payload["status"] == 401 and payload["body"] == {}
    assert "invalid_token" in payload["error"]


def test_withings_status_faults(withings: FakeWithings) -> None:
    withings.inject("/measure", withings_error(601, "Too many request"))
    withings.inject("/measure", withings_error(2555))
    assert _getmeas(withings)[2]["status"] == 601
    assert _getmeas(withings)[2]["status"] == 2555
    assert _getmeas(withings)[2]["status"] == 0


# -- Strava ----------------------------------------------------------------------------------
@pytest.fixture
def strava() -> Iterator[FakeStrava]:
    start = datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
    acts = [make_strava_activity(100 + i, start + timedelta(days=i)) for i in range(5)]
    with FakeStrava(acts, read_rate_limit=(8, 1000)) as fake:
        yield fake


def _list(fake: FakeStrava, token: str | None = None, **params: Any) -> Any:
    query = urllib.parse.urlencode(params)
    url = f"{fake.url}/api/v3/athlete/activities?{query}"
    return call(url, token=token or fake.current_access_token)


def test_strava_pages_ascending_after_until_empty_page(strava: FakeStrava) -> None:
    after = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())
    ids, page = [], 1
    while True:
        status, headers, items = _list(strava, after=after, page=page, per_page=2)
        assert status == 200 and headers["X-RateLimit-Limit"] == "200,2000"
        if not items:
            break
        ids += [a["id"] for a in items]
        page += 1
    assert ids == [100, 101, 102, 103, 104] and page == 4
    assert headers["X-ReadRateLimit-Usage"] == "4,4"
    newest_first = [a["id"] for a in _list(strava)[2]]
    assert newest_first == [104, 103, 102, 101, 100]


def test_strava_activity_shape_and_edit(strava: FakeStrava) -> None:
    act = _list(strava)[2][-1]
    assert act["start_date"] == "2024-03-01T06:30:00Z"
    assert act["start_date_local"] == "2024-03-01T07:30:00Z"
    assert act["timezone"] == "(GMT+01:00) Europe/Paris" and act["has_heartrate"] is True
    strava.edit_activity(100, name="Renamed", distance=12_345.0)
    edited = _list(strava)[2][-1]
    assert (edited["name"], edited["distance"]) == ("Renamed", 12_345.0)


def test_strava_refresh_rotation_and_bad_token(strava: FakeStrava) -> None:
    form = {"client_id": strava.client_id, "client_secret": strava.client_secret}
    old = strava.current_refresh_token
    refresh = {**form, "grant_type": "refresh_token", "refresh_token": old}
    status, _, body = call(f"{strava.url}/oauth/token", method="POST", form=refresh)
    assert status == 200 and body["token_type"] == "Bearer" and body["refresh_token"] != old
    assert body["access_token"] == "strava-access-0"  # >1 h left: same access token
    status, _, err = call(f"{strava.url}/oauth/token", method="POST", form=refresh)
    assert status == 400 and err["errors"][0]["resource"] == "RefreshToken"
    strava.expire_access_token()
    status, _, err = _list(strava)
    assert status == 401 and err["message"] == "Authorization Error"
    again = {**refresh, "refresh_token": body["refresh_token"]}
    status, _, fresh = call(f"{strava.url}/oauth/token", method="POST", form=again)
    assert status == 200 and fresh["access_token"] != "strava-access-0"
    assert _list(strava, token=fresh["access_token"])[0] == 200


def test_strava_rate_limit_returns_429_with_usage_headers(strava: FakeStrava) -> None:
    statuses = [_list(strava)[0] for _ in range(9)]
    assert statuses == [200] * 8 + [429]
    status, headers, body = _list(strava)
    assert status == 429 and body["message"] == "Rate Limit Exceeded"
    assert headers["X-ReadRateLimit-Limit"] == "8,1000"
    assert headers["X-ReadRateLimit-Usage"] == "10,10"
    strava.reset_short_window()
    assert _list(strava)[0] == 200


# -- Google Sheets ---------------------------------------------------------------------------
@pytest.fixture
def sheets() -> Iterator[FakeSheets]:
    grid = [
        ["date", "weight_kg", "note", "", "", ""],
        ["2024-03-01", 80.5, "", "", "", ""],
        ["2024-03-02", 80.0, "after run", None, "", ""],
        ["", "", "", "", "", ""],
    ]
    with FakeSheets({"sheet-1": {"Sheet1": grid}}, api_key="k", private=[]) as fake:
        yield fake


def _values(fake: FakeSheets, a1: str, key: str | None = "k", sid: str = "sheet-1") -> Any:
    query = f"?key={key}" if key is not None else ""
    return call(f"{fake.url}/v4/spreadsheets/{sid}/values/{urllib.parse.quote(a1)}{query}")


def test_sheets_ragged_rows(sheets: FakeSheets) -> None:
    status, _, body = _values(sheets, "Sheet1!A1:F200")
    assert status == 200
    assert body == {
        "range": "Sheet1!A1:F200",
        "majorDimension": "ROWS",
        "values": [
            ["date", "weight_kg", "note"],
            ["2024-03-01", "80.5"],
            ["2024-03-02", "80", "after run"],
        ],
    }
    assert _values(sheets, "Sheet1")[2]["range"] == "Sheet1!A1:Z1000"
    assert "values" not in _values(sheets, "Sheet1!D1:F3")[2]


def test_sheets_errors(sheets: FakeSheets) -> None:
    status, _, body = _values(sheets, "Sheet1!A1:B2", key="wrong")
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    status, _, body = _values(sheets, "Sheet1!A1:B2", key=None)
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"
    status, _, body = _values(sheets, "Sheet1!A1:B2", sid="missing")
    assert status == 404 and body["error"] == {
        "code": 404,
        "message": "Requested entity was not found.",
        "status": "NOT_FOUND",
    }
    sheets.private.add("sheet-1")
    assert _values(sheets, "Sheet1!A1:B2")[0] == 403
