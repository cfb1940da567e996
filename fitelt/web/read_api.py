"""The read API, answered by the report server's `api_handler` hook under `/v1/…` (JSON).

Evidence serves its own static files under `/api/…`, hence the `/v1` prefix. The server has
checked basic auth before the handler is called. Routes:

    GET    /v1/ride/{id}             GET /v1/rider/{id}        GET /v1/rider/{id}/rides
    DELETE /v1/ride/{id}             GET /v1/daily[?date=YYYY-MM-DD]  (default: today, local)
    GET    /v1/live/sensors[?within=S]                    GET /v1/live/rides[?within=S]
    GET    /v1/reports/daily/[YYYY-MM-DD]                 (the daily HTML reports)

Bad ids, dates and parameters get a 4xx with a JSON `error`; a failure inside gets a 500 with
no detail (it is logged), never a stack trace.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import psycopg2
import psycopg2.errors

from fitelt.web import read_api_queries as q

log = logging.getLogger(__name__)

PREFIX = "/v1"
MAX_ID = 2**63 - 1
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)  # the range a ride can be on
ROUTES = {
    "GET /v1/ride/{id}": "one ride with its summary metrics",
    "DELETE /v1/ride/{id}": "delete a ride everywhere (raw tables, alerts, marts)",
    "GET /v1/rider/{id}": "a rider: name, gender, age, average heart rate, number of rides",
    "GET /v1/rider/{id}/rides": "all rides of a rider, newest first",
    "GET /v1/daily?date=YYYY-MM-DD": "rides started on a local day (default today)",
    "GET /v1/live/sensors?within=S": "latest foot-sensor values per person (last S s, def. 10)",
    "GET /v1/live/rides?within=S": "rides with a second in the last S s (default 60)",
    "GET /v1/reports/daily/[YYYY-MM-DD]": "the daily bike reports (HTML)",
}
_ROUTE = re.compile(
    r"^/v1(?:/(?P<kind>ride|rider|daily|live|reports))?(?:/(?P<arg>[^/]+))?(?:/(?P<sub>[^/]+))?/?$"
)
_REPORT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.html)?$")


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, message: str, allow: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.allow = allow


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def parse_id(text: str | None, what: str) -> int:
    if text is None or not re.fullmatch(r"[0-9]{1,19}", text) or not 0 < int(text) <= MAX_ID:
        raise ApiError(
            HTTPStatus.BAD_REQUEST, f"{what} id must be a positive integer, got {text!r:.40}"
        )
    return int(text)


def parse_day(text: str | None, tz: ZoneInfo) -> date:
    if text is None or text == "":
        return datetime.now(tz).date()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ApiError(
            HTTPStatus.BAD_REQUEST, f"date must be a calendar date YYYY-MM-DD, got {text!r:.40}"
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ApiError(
            HTTPStatus.BAD_REQUEST,
            f"date must be between {FIRST_DAY} and {LAST_DAY}, got {text!r}",
        )
    return day


def parse_within(text: str | None, default: float) -> float:
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86_400:
        raise ApiError(HTTPStatus.BAD_REQUEST, "within must be seconds, 0 < within <= 86400")
    return value


class ReadApi:
    """The API over one warehouse; `handle` is the report server's `api_handler`."""

    def __init__(self, dsn: str, timezone: str, reports_dir: Path) -> None:
        self.dsn = dsn
        self.tz = ZoneInfo(timezone)
        self.reports_dir = reports_dir

    def handle(self, request: BaseHTTPRequestHandler) -> bool:
        parts = urlsplit(request.path)
        if parts.path != PREFIX and not parts.path.startswith(PREFIX + "/"):
            return False
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        method = "GET" if request.command == "HEAD" else request.command
        headers: dict[str, str] = {}
        try:
            status, body, content_type = self._route(method, parts.path, query)
        except ApiError as exc:
            status, body, content_type = exc.status, {"error": exc.message}, "json"
            if exc.allow:
                headers["Allow"] = exc.allow
        except (psycopg2.errors.UndefinedTable, psycopg2.errors.UndefinedColumn):
            status, content_type = HTTPStatus.SERVICE_UNAVAILABLE, "json"
            body = {"error": "the tables behind this route are not built yet; materialise "
                    "the live streams and their marts first"}  # fmt: skip
        except psycopg2.OperationalError:
            log.exception("API: warehouse unavailable")
            status, body, content_type = (
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"error": "the warehouse is unavailable"},
                "json",
            )
        except Exception:
            log.exception("API: %s %s failed", request.command, parts.path)
            status, body, content_type = (
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"error": "internal error (logged on the server)"},
                "json",
            )
        self._send(request, status, body, content_type, headers)
        return True

    # --- routing -------------------------------------------------------------------------

    def _route(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Any, str]:
        match = _ROUTE.match(path)
        if match is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no such route: {path[:80]}; see GET /v1")
        kind, arg, sub = match["kind"], match["arg"], match["sub"]
        allowed = "GET, HEAD, DELETE" if kind == "ride" and arg and not sub else "GET, HEAD"
        if method not in allowed.split(", "):
            raise ApiError(
                HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed here", allow=allowed
            )
        if kind is None and arg is None:
            return HTTPStatus.OK, {"routes": ROUTES}, "json"
        if kind == "reports":
            return self._report(arg, sub)
        if kind == "ride" and arg and not sub:
            ride_id = parse_id(arg, "ride")
            return self._db(self._delete if method == "DELETE" else self._ride, ride_id)
        if kind == "rider" and arg and sub in (None, "rides"):
            user_id = parse_id(arg, "rider")
            return self._db(self._rider_rides if sub else self._rider, user_id)
        if kind == "daily" and not arg:
            return self._db(self._daily, parse_day(query.get("date"), self.tz))
        if kind == "live" and arg in ("sensors", "rides") and not sub:
            within = parse_within(query.get("within"), 10.0 if arg == "sensors" else 60.0)
            return self._db(self._live_sensors if arg == "sensors" else self._live_rides, within)
        raise ApiError(HTTPStatus.NOT_FOUND, f"no such route: {path[:80]}; see GET /v1")

    def _db(self, action: Any, arg: Any) -> tuple[int, Any, str]:
        db = psycopg2.connect(self.dsn, connect_timeout=5, options="-c statement_timeout=15000")
        try:
            with db, db.cursor() as cur:
                status, body = action(cur, arg)
        finally:
            db.close()
        return status, body, "json"

    # --- actions (cursor, argument) → (status, body) -------------------------------------

    def _ride(self, cur: Any, ride_id: int) -> tuple[int, Any]:
        found = q.ride(cur, ride_id)
        if found is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no ride {ride_id}")
        return HTTPStatus.OK, found

    def _delete(self, cur: Any, ride_id: int) -> tuple[int, Any]:
        removed = q.delete_ride(cur, ride_id)
        if not removed:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no ride {ride_id}")
        log.warning("API: ride %s deleted (%d rows)", ride_id, removed)
        return HTTPStatus.OK, {"deleted": ride_id, "rows_removed": removed}

    def _rider(self, cur: Any, user_id: int) -> tuple[int, Any]:
        found = q.rider(cur, user_id)
        if found is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no rider {user_id}")
        return HTTPStatus.OK, found

    def _rider_rides(self, cur: Any, user_id: int) -> tuple[int, Any]:
        if q.rider(cur, user_id) is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no rider {user_id}")
        rides = q.rider_rides(cur, user_id)
        return HTTPStatus.OK, {"user_id": user_id, "count": len(rides), "rides": rides}

    def _daily(self, cur: Any, day: date) -> tuple[int, Any]:
        rides = q.day_rides(cur, day, self.tz)
        body = {"date": day, "timezone": self.tz.key, "count": len(rides), "rides": rides}
        return HTTPStatus.OK, body

    def _live_sensors(self, cur: Any, within: float) -> tuple[int, Any]:
        persons = q.live_sensors(cur, within)
        return HTTPStatus.OK, {"as_of": datetime.now(UTC), "within_s": within, "persons": persons}

    def _live_rides(self, cur: Any, within: float) -> tuple[int, Any]:
        rides = q.live_rides(cur, within)
        return HTTPStatus.OK, {"as_of": datetime.now(UTC), "within_s": within, "rides": rides}

    def _report(self, arg: str | None, sub: str | None) -> tuple[int, Any, str]:
        if arg != "daily" or (sub is not None and not _REPORT.match(sub)):
            raise ApiError(HTTPStatus.NOT_FOUND, "reports are at /v1/reports/daily/[YYYY-MM-DD]")
        name = "index.html" if sub is None else _REPORT.match(sub).group(1) + ".html"
        target = self.reports_dir / name
        if not target.is_file():
            raise ApiError(HTTPStatus.NOT_FOUND, f"no report {name}")
        return HTTPStatus.OK, target.read_bytes(), "html"

    # --- response ------------------------------------------------------------------------

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        content_type: str,
        headers: dict[str, str],
    ) -> None:
        if content_type == "html":
            payload, ctype = body, "text/html; charset=utf-8"
        else:
            payload = json.dumps(body, default=_json_default).encode()
            ctype = "application/json"
        request.send_response(status)
        request.send_header("Content-Type", ctype)
        request.send_header("Content-Length", str(len(payload)))
        request.send_header("Cache-Control", "no-store")
        request.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)


def make_api_handler(dsn: str, timezone: str, data_dir: Path) -> Any:
    """The `api_handler` for `make_server`: the read API on the warehouse at `dsn`."""
    from fitelt.notify.alert_settings import hr_limit_formula

    hr_limit_formula()  # a bad FITELT_BIKES_HR_LIMIT_FORMULA fails at start, not per request
    return ReadApi(dsn, timezone, data_dir / "reports" / "daily").handle
