"""Google Sheets API v4 client for the CrossFit log (spreadsheets.values.get, API-key auth).

An API key reads a spreadsheet shared as "anyone with the link can view"; that is all this
source needs. Private sheets would need a service account (OAuth2 JWT bearer): future work.
The key travels in the query string (`?key=`), so it must never reach a log line: exception
texts are not logged (they hold the URL) and urllib3's debug request lines are redacted.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from ..common.errors import ApiError, RateLimited
from .csv_log import is_crossfit_log
from .settings import (
    API_RETRIES,
    BACKOFF_BASE_S,
    HTTP_TIMEOUT_S,
    MAX_RETRY_AFTER_S,
    VALUES_PATH,
)

# is_crossfit_log lives in .csv_log; fitelt.inbox.kinds imports it from here.
__all__ = [
    "SheetsApiError",
    "SheetsClient",
    "SheetsRateLimited",
    "first_row",
    "is_crossfit_log",
    "sheet_rows",
]

log = logging.getLogger(__name__)

_KEY_PARAM = re.compile(r"(key=)[^&\s\"']+")
_FIRST_ROW = re.compile(r"!?\$?[A-Za-z]*\$?([0-9]{1,9})(?![0-9])")  # Sheets: 10 M cells at most


class _RedactKey(logging.Filter):
    """Blank `key=...` in urllib3's "GET /path?key=... 200" debug lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = _KEY_PARAM.sub(r"\1<redacted>", str(record.msg))
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactKey())


class SheetsApiError(ApiError):
    """Google refused the request (bad key, sheet not shared, bad range) or kept failing."""


class SheetsRateLimited(RateLimited):
    """Quota exhausted for longer than we wait within one run: stop, load the rest."""


def first_row(echoed_range: str) -> int:
    """Row number of the first cell of a range such as "'Log'!A1:G1000" (1 when absent)."""
    cells = echoed_range.rsplit("!", 1)[-1]
    match = _FIRST_ROW.match(cells)
    return int(match.group(1)) if match else 1


@dataclass
class SheetsClient:
    """Reads one range of one spreadsheet; its rows belong to one athlete."""

    base_url: str
    api_key: str
    spreadsheet_id: str
    range: str
    athlete_id: str
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session = self.session or requests.Session()

    def rows(self) -> list[tuple[int, Any]]:
        """(sheet row number, cells) of the range; rows are ragged (trailing blanks omitted)."""
        return sheet_rows(self._get_values())

    def _get_values(self) -> dict[str, Any]:
        assert self.session is not None
        path = VALUES_PATH.format(
            spreadsheet_id=quote(self.spreadsheet_id, safe=""), range=quote(self.range, safe="")
        )
        params = {
            "key": self.api_key,
            "majorDimension": "ROWS",
            # Numbers as numbers (no locale decimal commas), dates as serial numbers (no
            # day/month ambiguity); text typed into a date cell still comes as text.
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        }
        for attempt in range(1, API_RETRIES + 1):
            try:
                response = self.session.get(
                    self.base_url + path, params=params, timeout=HTTP_TIMEOUT_S
                )
                status = response.status_code
                body = response.json() if status == 200 else None
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                ValueError,
            ) as exc:
                status, body, response = None, None, None
                what = type(exc).__name__  # the exception text holds the URL (and the key)
            if status == 200 and isinstance(body, dict):
                return body
            if response is not None:
                what = f"HTTP {status} {_google_message(response)}"
                if status not in (429, 500, 502, 503, 504):
                    raise SheetsApiError(f"Google Sheets refused the request: {what}")
            wait = self._wait(attempt, response, what)
            log.warning("Google Sheets: %s; retrying in %.0f s (attempt %d)", what, wait, attempt)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _wait(self, attempt: int, response: requests.Response | None, what: str) -> float:
        wait = BACKOFF_BASE_S * 2 ** (attempt - 1)
        header = response.headers.get("Retry-After") if response is not None else None
        if header:
            try:
                wait = max(float(header), 1.0)
            except ValueError:
                pass
        rate_limited = response is not None and response.status_code == 429
        if rate_limited and (wait > MAX_RETRY_AFTER_S or attempt == API_RETRIES):
            raise SheetsRateLimited(f"Google Sheets quota exhausted ({what})")
        if attempt == API_RETRIES:
            raise SheetsApiError(f"Google Sheets: {what}; gave up after {attempt} attempts")
        return wait


def sheet_rows(body: dict[str, Any]) -> list[tuple[int, Any]]:
    """(sheet row number, cells) of a `values.get` answer, for `log_rows`.

    Whatever the JSON holds, nothing here fails: a row that is not a list is passed on as it is
    (`log_rows` quarantines it, or rejects the sheet when it is the header) and `values` that is
    not a list is such a row.
    """
    start = first_row(str(body.get("range", "")))
    values = body.get("values") or []
    if not isinstance(values, list):
        return [(start, values)]
    return [
        (start + offset, list(row) if isinstance(row, list | tuple) else row)
        for offset, row in enumerate(values)
    ]


def _google_message(response: requests.Response) -> str:
    """Google's `error.status: message` ("PERMISSION_DENIED: The caller does not have ...")."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return ""
    return f"{error.get('status', '')}: {str(error.get('message', ''))[:200]}"
