"""Read and write the Withings account export `weight.csv` (kg or lb variant)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..common.quarantine import RowError, parse_number
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


class ExportFormatError(ValueError):
    """The file is not a Withings weight export at all (the whole file is rejected)."""


def is_weight_export(header: list[str]) -> bool:
    """True when a CSV header is the Withings weight export's (kg or lb)."""
    cleaned = [h.strip().lstrip("\ufeff") for h in header]
    return cleaned in (EXPORT_COLUMNS_KG, EXPORT_COLUMNS_LB)


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
    """Yield (line number, raw line, measure rows or the error) for every data line."""
    tz = ZoneInfo(timezone)
    latest_allowed = (now or datetime.now(UTC)) + timedelta(days=1)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportFormatError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    lines = text.splitlines()
    if not lines:
        raise ExportFormatError(f"{path.name}: empty file, expected a Withings weight.csv header")
    header = next(csv.reader([lines[0]]))
    if not is_weight_export(header):
        raise ExportFormatError(
            f"{path.name}: header {header!r} is not a Withings weight export "
            f"(expected {EXPORT_COLUMNS_KG!r} or the lb variant)"
        )
    factor = LB_TO_KG if "(lb)" in lines[0] else 1.0
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            rows = _parse_line(line, factor, tz, latest_allowed, athlete_id)
        except RowError as error:
            yield number, line, error
        else:
            yield number, line, rows


def _parse_line(
    line: str, factor: float, tz: ZoneInfo, latest_allowed: datetime, athlete_id: str
) -> list[dict]:
    cells = next(csv.reader([line]))
    if len(cells) != len(EXPORT_COLUMNS_KG):
        raise RowError(f"expected {len(EXPORT_COLUMNS_KG)} fields, found {len(cells)}")
    try:
        local = datetime.strptime(cells[0].strip(), EXPORT_DATE_FORMAT)
    except ValueError as exc:
        raise RowError(f"Date: {cells[0][:40]!r} is not YYYY-MM-DD HH:MM:SS") from exc
    measured_at = local.replace(tzinfo=tz).astimezone(UTC)
    if measured_at > latest_allowed:
        raise RowError(f"Date: {cells[0]} is in the future")
    values: dict[str, float] = {}
    for name, cell in zip(EXPORT_MEASURES, cells[1:6], strict=True):
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
