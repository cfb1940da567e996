"""The CrossFit log sheet downloaded as CSV (File → Download → CSV): read it, or write one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..common.textfile import csv_records, header_hint, open_text, printable
from .rows import LogFormatError, header_map
from .settings import CSV_HEADER, REQUIRED_COLUMNS

__all__ = ["LogFormatError", "csv_lines", "is_crossfit_log", "to_csv", "write_log_csv"]


def is_crossfit_log(header: list[str]) -> bool:
    """True when a header has at least date, exercise, reps and weight columns."""
    return all(name in header_map(header) for name in REQUIRED_COLUMNS)


def csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every CSV record, header included, streamed.

    LogFormatError for an empty file or one whose first line is not a CSV header at all.
    """
    with open_text(path) as handle:
        records = csv_records(
            handle, error=lambda problem: LogFormatError(f"{path.name}: {problem}")
        )
        first = next(records, None)
        if first is None or not any(cell.strip() for cell in first[1]):
            raise LogFormatError(f"{path.name}: empty file, expected a header like {CSV_HEADER}")
        if len(first[1]) == 1 and header_hint(first[1][0]):
            raise LogFormatError(
                f"{path.name}: first line {printable(first[1][0])[:80]!r} is not a CSV header"
                f"{header_hint(first[1][0])}"
            )
        yield first
        yield from records


def to_csv(cells: Any) -> str:
    """A row as one CSV line for quarantine; anything else (the API's JSON) as its repr."""
    if not isinstance(cells, list | tuple):
        return repr(cells)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if c is None else c for c in cells])
    return buffer.getvalue()


def _optional_number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def write_log_csv(path: Path, sets: Iterable[dict]) -> int:
    """Write logged sets the way the sheet's CSV download looks; returns the row count.

    The optional `rpe` and `duration_min` of a set are written when given (blank otherwise).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    count = 0
    for item in sets:
        weight = item.get("weight")
        writer.writerow(
            [
                item["date"].isoformat(),
                item["exercise"],
                item.get("sets", 1),
                item["reps"],
                "" if weight is None else f"{weight:g}",
                item.get("unit", "kg") if weight is not None else "",
                item.get("notes", ""),
                _optional_number(item.get("rpe")),
                _optional_number(item.get("duration_min")),
            ]
        )
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return count
