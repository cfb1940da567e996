"""Fake Google Sheets API v4: ``GET /v4/spreadsheets/{id}/values/{range}?key=...``.

Behaviour follows the Sheets API reference (spreadsheets.values.get, ValueRange): the response
``range`` echoes the whole requested A1 range, trailing empty rows and columns are omitted
(rows come back ragged), ``values`` is absent for an empty range, and the default
``valueRenderOption=FORMATTED_VALUE`` returns every cell as a string. Errors use Google's
``{"error": {"code", "message", "status"}}`` shape.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from .base import FakeServer, Fault, RecordedRequest, Response

logger = logging.getLogger(__name__)

Grid = Sequence[Sequence[Any]]
_CELLS = re.compile(r"^([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?$")
_PLAIN_SHEET = re.compile(r"^[A-Za-z0-9_]+$")


def google_error(code: int, status: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


def google_fault(code: int, status: str, message: str) -> Fault:
    """E.g. ``google_fault(429, "RESOURCE_EXHAUSTED", "Quota exceeded ...")``."""
    return Fault(status=code, body=google_error(code, status, message))


def _col_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _col_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _quote_sheet(title: str) -> str:
    return title if _PLAIN_SHEET.match(title) else "'" + title.replace("'", "''") + "'"


def _format(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


class FakeSheets(FakeServer):
    """Serves ``spreadsheets[spreadsheet_id][sheet_title]`` grids (row-major, may be ragged).

    ``private`` lists spreadsheet ids that exist but are not shared with the API key's
    project (-> 403). The first sheet of a spreadsheet answers ranges without a sheet name.
    """

    def __init__(
        self,
        spreadsheets: Mapping[str, Mapping[str, Grid]],
        *,
        api_key: str = "sheets-api-key",
        private: Iterable[str] = (),
        grid_rows: int = 1000,
        grid_cols: int = 26,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.private = set(private)
        self.grid_rows = grid_rows
        self.grid_cols = grid_cols
        self._books: dict[str, dict[str, list[list[Any]]]] = {}
        for spreadsheet_id, sheets in spreadsheets.items():
            for title, grid in sheets.items():
                self.set_sheet(spreadsheet_id, title, grid)

    def set_sheet(self, spreadsheet_id: str, title: str, grid: Grid) -> None:
        """Create or replace one sheet's contents (e.g. a user edited the sheet)."""
        with self._lock:
            self._books.setdefault(spreadsheet_id, {})[title] = [list(row) for row in grid]

    # -- HTTP ------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        parts = request.raw_path.split("/")
        # ['', 'v4', 'spreadsheets', '{id}', 'values', '{range}']
        if len(parts) != 6 or parts[1:3] != ["v4", "spreadsheets"] or parts[4] != "values":
            return Response(404, google_error(404, "NOT_FOUND", "Requested entity was not found."))
        if request.method != "GET":
            return Response(405, google_error(405, "METHOD_NOT_ALLOWED", "Method not allowed."))
        auth_error = self._check_key(request)
        if auth_error is not None:
            return auth_error
        spreadsheet_id, a1 = unquote(parts[3]), unquote(parts[5])
        with self._lock:
            book = self._books.get(spreadsheet_id)
            if book is None:
                msg = "Requested entity was not found."
                return Response(404, google_error(404, "NOT_FOUND", msg))
            if spreadsheet_id in self.private:
                msg = "The caller does not have permission"
                return Response(403, google_error(403, "PERMISSION_DENIED", msg))
            resolved = self._resolve(book, a1)
            if resolved is None:
                msg = f"Unable to parse range: {a1}"
                return Response(400, google_error(400, "INVALID_ARGUMENT", msg))
            title, (r0, c0, r1, c1), echoed = resolved
            grid = book[title]
            matrix = [
                [row[c] if c < len(row) else None for c in range(c0, c1 + 1)]
                for row in (grid[r] if r < len(grid) else [] for r in range(r0, r1 + 1))
            ]
        major = request.query.get("majorDimension", "ROWS").upper()
        if major == "COLUMNS":
            matrix = [list(col) for col in zip(*matrix, strict=True)] if matrix else []
        render = request.query.get("valueRenderOption", "FORMATTED_VALUE").upper()
        body: dict[str, Any] = {"range": echoed, "majorDimension": major}
        values = _strip(matrix, formatted=render == "FORMATTED_VALUE")
        if values:
            body["values"] = values
        return Response(200, body)

    def _check_key(self, request: RecordedRequest) -> Response | None:
        key = request.query.get("key")
        if key is None:
            msg = "The request is missing a valid API key."
            return Response(403, google_error(403, "PERMISSION_DENIED", msg))
        if key != self.api_key:
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "sheets.googleapis.com"},
                }
            ]
            msg = "API key not valid. Please pass a valid API key."
            return Response(400, google_error(400, "INVALID_ARGUMENT", msg, details=details))
        return None

    def _resolve(
        self, book: Mapping[str, list[list[Any]]], a1: str
    ) -> tuple[str, tuple[int, int, int, int], str] | None:
        title: str | None
        if "!" in a1:
            title, cells = a1.rsplit("!", 1)
            if len(title) >= 2 and title[0] == title[-1] == "'":
                title = title[1:-1].replace("''", "'")
        elif _CELLS.match(a1) and a1 not in book:
            title, cells = next(iter(book), None), a1
        else:
            title, cells = a1, ""
        if title is None or title not in book:
            return None
        grid = book[title]
        max_rows = max(self.grid_rows, len(grid))
        max_cols = max([self.grid_cols, *(len(row) for row in grid)])
        if not cells:
            box = (0, 0, max_rows - 1, max_cols - 1)
        else:
            match = _CELLS.match(cells)
            if match is None or not any(match.groups()):
                return None
            col0, row0, col1, row1 = match.groups()
            if match.group(0).count(":") == 0:
                col1, row1 = col0, row0
            box = (
                int(row0) - 1 if row0 else 0,
                _col_index(col0) if col0 else 0,
                int(row1) - 1 if row1 else max_rows - 1,
                _col_index(col1) if col1 else max_cols - 1,
            )
        r0, c0, r1, c1 = box
        if r0 < 0 or r1 < r0 or c1 < c0:
            return None
        first = f"{_col_letters(c0)}{r0 + 1}"
        last = f"{_col_letters(c1)}{r1 + 1}"
        echoed = f"{_quote_sheet(title)}!{first}" + ("" if first == last else f":{last}")
        return title, box, echoed


def _strip(matrix: list[list[Any]], *, formatted: bool) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for line in matrix:
        end = len(line)
        while end and _is_empty(line[end - 1]):
            end -= 1
        rows.append([_format(v) if formatted else ("" if v is None else v) for v in line[:end]])
    while rows and not rows[-1]:
        rows.pop()
    return rows
