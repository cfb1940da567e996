"""The CrossFit log's rows, whether from the Sheets API or the sheet downloaded as CSV.

Key: (athlete_id, session_date, set_key), set_key = hash of the row's content as typed (date,
exercise, sets, reps, weight, unit, notes) plus its occurrence number among identical rows of
that day. Re-loading the same sheet or CSV gives the same keys (idempotent); inserting or
sorting rows does not change them (a row number would); two identical lines of one day stay two
rows. The load also replaces each (athlete, day) it contains (merge_key, see __init__), so an
edited or deleted line of a day leaves no stale row behind.

The optional `rpe` and `duration_min` cells are not part of set_key: a file without those
columns gets exactly the keys it always had, and adding an RPE to a logged line later keeps its
key (the day is replaced anyway).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..common.quarantine import RowError, parse_number
from ..common.textfile import check_text
from .settings import (
    COLUMN_ALIASES,
    DATE_FORMATS,
    MAX_DURATION_MIN,
    MAX_REPS,
    MAX_RPE,
    MAX_SETS,
    MAX_WEIGHT_KG,
    MIN_RPE,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    UNITS,
)

SHEETS_EPOCH = date(1899, 12, 30)  # day 0 of a spreadsheet date serial number


class LogFormatError(ValueError):
    """The file or sheet is not a CrossFit log at all (the whole of it is rejected)."""


def normalise_name(text: str) -> str:
    """Lowercase, runs of non-alphanumerics → "_" ("Back-Squat " → "back_squat")."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def header_map(header: Iterable[Any], *, strict: bool = False) -> dict[str, int]:
    """Known column → its position; unknown columns are ignored.

    With `strict`, a known column given twice ("Weight" and "Load") is an error naming both
    positions instead of silently taking the first.
    """
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = normalise_name(str(cell).lstrip("\ufeff"))
        name = COLUMN_ALIASES.get(name, name)
        if name not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
            continue
        if name in positions:
            if strict:
                raise LogFormatError(
                    f"CrossFit log header: column {name!r} appears twice "
                    f"(columns {positions[name] + 1} and {index + 1})"
                )
            continue
        positions[name] = index
    return positions


def cell_text(value: Any) -> str:
    """A cell as text: the API's unformatted numbers come as JSON numbers (80.0 → "80")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: Any, latest_allowed: date) -> date:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:  # a date cell as a serial number
            day = SHEETS_EPOCH + timedelta(days=int(value))
        except (ValueError, OverflowError) as exc:  # NaN, infinity, beyond year 1..9999
            raise RowError(f"date: serial number {value!r:.40} is not a date") from exc
    else:
        text = cell_text(value)
        if not text:
            raise RowError("date: missing")
        for fmt in DATE_FORMATS:
            try:
                day = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise RowError(f"date: {text[:40]!r} is not a date like 2024-03-01")
    if day > latest_allowed:
        raise RowError(f"date: {day} is in the future")
    return day


def _whole(value: Any, field: str, low: int, high: int, default: int | None = None) -> int:
    number = parse_number(cell_text(value), field=field, minimum=low, maximum=high)
    if number is None:
        if default is None:
            raise RowError(f"{field}: missing")
        return default
    if not number.is_integer():
        raise RowError(f"{field}: {number:g} is not a whole number")
    return int(number)


def _session_values(get: Any) -> dict[str, float | None]:
    """The optional session-RPE inputs: rpe in [1, 10] (decimals allowed), duration_min > 0."""
    rpe = parse_number(cell_text(get("rpe")), field="rpe", minimum=MIN_RPE, maximum=MAX_RPE)
    duration = parse_number(
        cell_text(get("duration_min")), field="duration_min", minimum=0.0,
        maximum=MAX_DURATION_MIN,
    )  # fmt: skip
    if duration == 0.0:
        raise RowError("duration_min: 0 is not a positive number of minutes")
    return {"rpe": rpe, "duration_min": duration}


def parse_set(cells: list[Any], columns: dict[str, int], latest_allowed: date) -> dict[str, Any]:
    """The typed values of one log line; RowError naming the field when it cannot be loaded."""

    def get(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None  # ragged

    session_date = parse_date(get("date"), latest_allowed)
    exercise = cell_text(get("exercise"))
    if not exercise:
        raise RowError("exercise: missing")
    unit_text = cell_text(get("unit")).lower()
    if unit_text not in UNITS:
        raise RowError(f"unit: {unit_text[:20]!r} is not kg or lb")
    factor = UNITS[unit_text]
    weight = parse_number(
        cell_text(get("weight")), field="weight", minimum=0.0, maximum=MAX_WEIGHT_KG / factor
    )
    return {
        "session_date": session_date,
        "exercise": exercise,
        "sets": _whole(get("sets"), "sets", 1, MAX_SETS, default=1),
        "reps": _whole(get("reps"), "reps", 1, MAX_REPS),
        "weight": weight,
        "unit": "lb" if factor != 1.0 else "kg",
        "weight_kg": None if weight is None else round(weight * factor, 3),
        "notes": cell_text(get("notes")) or None,
        **_session_values(get),
    }


def _shape_problem(cells: Any) -> str | None:
    """Why `cells` is not a row of plain cells (text, number, boolean, empty), or None."""
    if not isinstance(cells, list | tuple):
        return f"expected a row of cells, got {type(cells).__name__}"
    for index, cell in enumerate(cells):
        if cell is not None and not isinstance(cell, str | int | float):
            return f"column {index + 1}: expected a single value, got {type(cell).__name__}"
    return None


def _column_name(columns: dict[str, int], index: int) -> str:
    names = [name for name, position in columns.items() if position == index]
    return names[0] if names else f"column {index + 1}"


def log_rows(
    rows: Iterable[tuple[int, list[Any]]], *, athlete_id: str, now: datetime | None = None
) -> Iterator[tuple[int, list[Any], dict[str, Any] | RowError]]:
    """(row number, cells, set row or the error) for each non-empty line after the header.

    `rows` are (sheet row / CSV line number, cells) in order; the first non-empty one is the
    header. Raises LogFormatError when that header lacks a required column or is not a row of
    cells. A later row that is not a list of plain cells (the API's JSON) is a RowError.
    """
    latest_allowed = (now or datetime.now(UTC)).date() + timedelta(days=1)
    columns: dict[str, int] | None = None
    seen: Counter[str] = Counter()
    for number, cells in rows:
        shape = _shape_problem(cells)
        if shape is None and not any(cell_text(c) for c in cells):
            continue  # blank line (the API omits trailing ones; the CSV keeps them)
        if columns is None:
            if shape is not None:
                raise LogFormatError(f"CrossFit log header (line {number}): {shape}")
            try:
                columns = header_map(cells, strict=True)
            except LogFormatError as exc:
                raise LogFormatError(f"{exc} at line {number}") from None
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                shown = repr(cells)
                shown = shown if len(shown) <= 200 else shown[:200] + "…"
                raise LogFormatError(
                    f"CrossFit log header {shown} (line {number}) lacks column(s) {missing}"
                )
            continue
        try:
            if shape is not None:
                raise RowError(shape)
            check_text(cells, lambda index, known=columns: _column_name(known, index))
            row = parse_set(cells, columns, latest_allowed)
        except RowError as error:
            yield number, cells, error
            continue
        content = (
            "\x1f".join(
                cell_text(row[k]) for k in ("session_date", "exercise", "sets", "reps", "weight")
            )
            + f"\x1f{row['unit']}\x1f{row['notes'] or ''}"
        )
        seen[content] += 1
        digest = hashlib.sha256(f"{content}\x1f{seen[content]}".encode()).hexdigest()[:32]
        yield (
            number,
            cells,
            {"athlete_id": athlete_id, "set_key": digest, "row_number": number, **row},
        )
