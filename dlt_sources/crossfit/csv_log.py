"""The CrossFit log sheet downloaded as CSV (File → Download → CSV): read it, or write one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from .settings import CSV_HEADER


class LogFormatError(ValueError):
    """The file is not a CrossFit log at all (the whole file is rejected)."""


def csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every CSV record, header included."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LogFormatError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 0
    for cells in reader:
        first_line, line = line + 1, reader.line_num  # a quoted note can span lines
        yield first_line, cells


def to_csv(cells: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if c is None else c for c in cells])
    return buffer.getvalue()


def write_log_csv(path: Path, sets: Iterable[dict]) -> int:
    """Write logged sets the way the sheet's CSV download looks; returns the row count."""
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
            ]
        )
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return count
