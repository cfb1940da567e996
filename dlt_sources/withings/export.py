"""Read and write the Withings account export `weight.csv` (kg or lb variant)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..common.quarantine import RowError, parse_number
from ..common.textfile import check_text, csv_records, header_hint, open_text, printable
from .settings import (
    BOUNDS,
    EXPORT_COLUMNS_KG,
    EXPORT_COLUMNS_LB,
    EXPORT_DATE_FORMAT,
    EXPORT_MEASURES,
    LB_TO_KG,
    MEASURE_TYPES,
)

TYPE_BY_NAME = {name: mtype for mtype, name in MEASURE_TYPES.items()}
log = logging.getLogger(__name__)


class ExportFormatError(ValueError):
    """The file is not a Withings weight export at all (the whole file is rejected)."""


@dataclass(frozen=True)
class ExportLayout:
    """Where the columns of one weight.csv are: by name, so added or dropped columns are fine."""

    factor: float  # to kg
    date: int
    measures: dict[str, int]  # measure name → column position
    comments: int | None
    width: int
    extra: list[str]  # columns this reader does not know (a newer export): ignored
    missing: list[str]  # optional columns absent from this export


def export_layout(header: list[str]) -> ExportLayout:
    """The layout of a weight.csv header; ExportFormatError naming the column that is wrong."""
    cleaned = [h.strip().lstrip("\ufeff") for h in header]
    unit = "lb" if "Weight (lb)" in cleaned else "kg"
    expected = EXPORT_COLUMNS_KG if unit == "kg" else EXPORT_COLUMNS_LB
    positions: dict[str, int] = {}
    extra: list[str] = []
    for index, name in enumerate(cleaned):
        if name in positions:
            raise ExportFormatError(
                f"column {name!r} appears twice (columns {positions[name] + 1} and {index + 1})"
            )
        if name in expected:
            positions[name] = index
        elif name in EXPORT_COLUMNS_KG or name in EXPORT_COLUMNS_LB:
            raise ExportFormatError(
                f"column {name!r} is in another unit than {expected[1]!r}: "
                "units mixed in one export"
            )
        else:
            extra.append(name)
    for required in expected[:2]:  # Date and Weight
        if required not in positions:
            raise ExportFormatError(f"required column {required!r} is missing")
    return ExportLayout(
        factor=LB_TO_KG if unit == "lb" else 1.0,
        date=positions[expected[0]],
        measures={
            m: positions[c]
            for m, c in zip(EXPORT_MEASURES, expected[1:6], strict=True)
            if c in positions
        },
        comments=positions.get(expected[6]),
        width=len(cleaned),
        extra=extra,
        missing=[c for c in expected if c not in positions],
    )


def is_weight_export(header: list[str]) -> bool:
    """True when a CSV header is a Withings weight export's (kg or lb, columns by name)."""
    try:
        layout = export_layout(header)
    except ExportFormatError:
        return False
    return len(layout.extra) <= len(layout.measures)  # mostly Withings columns


def write_weight_csv(path: Path, weigh_ins: Iterable[dict], *, unit: str = "kg") -> None:
    """Write weigh-ins as the export does: quoted unit columns, newest first, local time."""
    header = EXPORT_COLUMNS_KG if unit == "kg" else EXPORT_COLUMNS_LB
    factor = 1.0 if unit == "kg" else 1 / LB_TO_KG
    rows = sorted(weigh_ins, key=lambda w: w["measured_local"], reverse=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(",".join(h if h in ("Date", "Comments") else f'"{h}"' for h in header) + "\n")
    for row in rows:
        values = [row["measured_local"].strftime(EXPORT_DATE_FORMAT)]
        for name in EXPORT_MEASURES:
            value = row.get(name)
            values.append("" if value is None else f"{value * factor:.2f}")
        values.append(row.get("comment", ""))
        writer.writerow(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def read_weight_csv(
    path: Path, *, athlete_id: str, timezone: str, now: datetime | None = None
) -> Iterator[tuple[int, str, list[dict] | RowError]]:
    """Yield (line number, raw record, measure rows or the error) for every data record.

    The file is streamed record by record (a 50 MB export is never held in memory). A header
    that is not a weight export raises ExportFormatError before any record is yielded.
    """
    tz = ZoneInfo(timezone)
    latest_allowed = (now or datetime.now(UTC)) + timedelta(days=1)
    with open_text(path) as handle:
        records = csv_records(
            handle, error=lambda problem: ExportFormatError(f"{path.name}: {problem}")
        )
        _, header = next(records, (1, []))
        if not header:
            raise ExportFormatError(
                f"{path.name}: empty file, expected a Withings weight.csv header"
            )
        try:
            layout = export_layout(header)
        except ExportFormatError as exc:
            first = ",".join(header)
            raise ExportFormatError(
                f"{path.name}: header {printable(first)[:120]!r} is not a Withings weight "
                f"export: {exc}{header_hint(first)}"
            ) from exc
        if layout.extra or layout.missing:
            log.warning(
                "%s: columns not in this reader's Withings layout are ignored: %s; "
                "absent optional columns: %s",
                path.name, layout.extra or "none", layout.missing or "none",
            )  # fmt: skip
        for number, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            raw = to_csv(cells)
            try:
                rows = _parse_record(cells, layout, tz, latest_allowed, athlete_id, header)
            except RowError as error:
                yield number, raw, error
            else:
                yield number, raw, rows


def _parse_record(
    cells: list[str],
    layout: ExportLayout,
    tz: ZoneInfo,
    latest_allowed: datetime,
    athlete_id: str,
    header: list[str],
) -> list[dict]:
    if len(cells) != layout.width:
        raise RowError(f"expected {layout.width} fields, found {len(cells)}")
    check_text(cells, lambda index: header[index].strip().lstrip("\ufeff") or f"column {index}")
    date_text = cells[layout.date].strip()
    if date_text == header[layout.date].strip().lstrip("\ufeff"):
        raise RowError("repeated header line (two exports pasted together?)")
    try:
        local = datetime.strptime(date_text, EXPORT_DATE_FORMAT)
    except ValueError as exc:
        raise RowError(f"Date: {date_text[:40]!r} is not YYYY-MM-DD HH:MM:SS") from exc
    try:
        measured_at = local.replace(tzinfo=tz).astimezone(UTC)
    except OverflowError as exc:  # year 1 east of UTC, year 9999 west of it
        raise RowError(f"Date: {date_text} is out of range in {tz}") from exc
    if measured_at > latest_allowed:
        raise RowError(f"Date: {date_text} is in the future")
    values: dict[str, float] = {}
    factor = layout.factor
    for name, position in layout.measures.items():
        cell = cells[position]
        low, high = BOUNDS[name]
        raw = parse_number(cell, field=name, minimum=low / factor, maximum=high / factor)
        if raw is not None:
            values[name] = round(raw * factor, 4)
    if "weight_kg" not in values:
        raise RowError("weight_kg: missing")
    if values.get("fat_mass_kg", 0) >= values["weight_kg"]:
        raise RowError("fat_mass_kg: not below weight_kg")
    if "fat_mass_kg" in values:  # the export has no ratio; the API does: derive it the same way
        values["fat_ratio_pct"] = round(values["fat_mass_kg"] / values["weight_kg"] * 100, 4)
    return [
        {
            "athlete_id": athlete_id,
            "measured_at": measured_at,
            "measure_type": TYPE_BY_NAME[name],
            "measure_name": name,
            "value": value,
            "timezone": str(tz),
        }
        for name, value in values.items()
    ]


def to_csv(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()
