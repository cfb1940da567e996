"""Read and write the Strava bulk-export `activities.csv` (columns read by position)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..common.quarantine import RowError, parse_number
from ..common.textfile import check_text, csv_records, header_hint, open_text, printable
from .settings import (
    COL_AVERAGE_HEARTRATE,
    COL_AVERAGE_SPEED,
    COL_COMMUTE,
    COL_COMMUTE_DISPLAY,
    COL_DATE,
    COL_DISTANCE_KM,
    COL_DISTANCE_M,
    COL_ELAPSED_DISPLAY,
    COL_ELAPSED_S,
    COL_ELEVATION_GAIN,
    COL_FILENAME,
    COL_FROM_UPLOAD,
    COL_ID,
    COL_MAX_HEARTRATE,
    COL_MAX_HEARTRATE_DISPLAY,
    COL_MAX_SPEED,
    COL_MOVING_S,
    COL_NAME,
    COL_TYPE,
    EXPORT_HEADER,
    EXPORT_PREFIX,
    HEARTRATE_RANGE,
    LEGACY_TYPE,
    MAX_DISTANCE_M,
    MAX_DURATION_S,
    MAX_ELEVATION_M,
    MAX_SPEED_MPS,
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# "Oct 7, 2020, 2:43:11 PM" (UTC). Parsed by hand: strptime's %b follows the process locale.
_DATE = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}), "
    r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2}) (?P<ampm>AM|PM)$"
)


MAX_BIGINT = 2**63 - 1  # activity_id is a PostgreSQL bigint


class ExportFormatError(ValueError):
    """The file is not a Strava activities export at all (the whole file is rejected)."""


def is_activities_export(header: list[str]) -> bool:
    """True when a CSV header starts like Strava's `activities.csv` (newer exports add columns)."""
    cleaned = [h.strip().lstrip("\ufeff") for h in header[: len(EXPORT_PREFIX)]]
    return cleaned == EXPORT_PREFIX


def parse_export_date(text: str) -> datetime:
    """The export's UTC timestamp; newer exports put a narrow no-break space before AM/PM."""
    cleaned = text.replace("\u202f", " ").replace("\u00a0", " ").strip()
    match = _DATE.match(cleaned)
    if not match or match["mon"] not in MONTHS:
        raise RowError(f"Activity Date: {text[:40]!r} is not like 'Oct 7, 2020, 2:43:11 PM'")
    hour = int(match["h"]) % 12 + (12 if match["ampm"] == "PM" else 0)
    try:
        return datetime(
            int(match["year"]), MONTHS.index(match["mon"]) + 1, int(match["day"]),
            hour, int(match["m"]), int(match["s"]), tzinfo=UTC,
        )  # fmt: skip
    except ValueError as exc:
        raise RowError(f"Activity Date: {text[:40]!r}: {exc}") from exc


def format_export_date(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    hour = utc.hour % 12 or 12
    ampm = "PM" if utc.hour >= 12 else "AM"
    return f"{MONTHS[utc.month - 1]} {utc.day}, {utc.year}, {hour}:{utc:%M:%S} {ampm}"


def read_activities_csv(
    path: Path, *, athlete_id: str, timezone: str, now: datetime | None = None
) -> Iterator[tuple[int, str, dict | RowError]]:
    """Yield (first line number, raw record, activity row or the error) for every record.

    The file is streamed record by record; a header that is not an activities export raises
    ExportFormatError (naming the first unexpected column) before any record is yielded.
    """
    latest_allowed = (now or datetime.now(UTC)) + timedelta(days=1)
    tz = ZoneInfo(timezone)
    with open_text(path) as handle:
        records = csv_records(
            handle, error=lambda problem: ExportFormatError(f"{path.name}: {problem}")
        )
        _, header = next(records, (1, []))
        if not is_activities_export(header):
            first = ",".join(header)
            raise ExportFormatError(
                f"{path.name}: header {printable(first)[:120]!r} is not a Strava "
                f"activities.csv: {_header_problem(header)}{header_hint(first)}"
            )
        for first_line, cells in records:  # a description can span several lines
            if not any(cell.strip() for cell in cells):
                continue
            raw = _to_csv(cells)
            try:
                if len(cells) != len(header):
                    raise RowError(f"expected {len(header)} fields, found {len(cells)}")
                check_text(cells, lambda i: f"{header[i].strip()} (column {i + 1})")
                row = _parse_record(cells, tz, latest_allowed, athlete_id)
            except RowError as error:
                yield first_line, raw, error
            else:
                yield first_line, raw, row


def _header_problem(header: list[str]) -> str:
    """The first column that differs from the export's stable prefix, by position and name."""
    cleaned = [h.strip().lstrip("\ufeff") for h in header]
    for index, expected in enumerate(EXPORT_PREFIX):
        if index >= len(cleaned):
            return f"column {index + 1} {expected!r} is missing (only {len(cleaned)} columns)"
        if cleaned[index] != expected:
            return f"column {index + 1} is {cleaned[index][:40]!r}, expected {expected!r}"
    return "unrecognised header"


def _parse_record(
    cells: list[str], tz: ZoneInfo, latest_allowed: datetime, athlete_id: str
) -> dict:
    try:
        activity_id = int(cells[COL_ID].strip())
    except ValueError as exc:
        raise RowError(f"Activity ID: {cells[COL_ID][:40]!r} is not an integer") from exc
    if activity_id <= 0:
        raise RowError(f"Activity ID: {activity_id} is not positive")
    if activity_id > MAX_BIGINT:
        raise RowError(f"Activity ID: {cells[COL_ID].strip()[:40]!r} is too large")
    started = parse_export_date(cells[COL_DATE])
    if started > latest_allowed:
        raise RowError(f"Activity Date: {cells[COL_DATE].strip()[:40]} is in the future")
    try:
        started_local = started.astimezone(tz).replace(tzinfo=None)
    except OverflowError as exc:  # Jan 1 of year 1 west of UTC
        raise RowError(f"Activity Date: {cells[COL_DATE].strip()[:40]} is out of range") from exc
    sport_type = re.sub(r"[\s-]+", "", cells[COL_TYPE])  # "Trail Run" → API's "TrailRun"
    if not sport_type:
        raise RowError("Activity Type: missing")

    def number(col: int, field: str, maximum: float, minimum: float = 0.0) -> float | None:
        # `field` names the column with its position: the header has duplicate names.
        name = f"{field} (column {col + 1})"
        return parse_number(cells[col], field=name, minimum=minimum, maximum=maximum)

    elapsed = number(COL_ELAPSED_S, "Elapsed Time", MAX_DURATION_S)
    moving = number(COL_MOVING_S, "Moving Time", MAX_DURATION_S)
    low_hr, high_hr = HEARTRATE_RANGE
    return {
        "athlete_id": athlete_id,
        "activity_id": activity_id,
        "name": cells[COL_NAME],
        "sport_type": sport_type,
        "type": LEGACY_TYPE.get(sport_type, sport_type),
        "start_date": started,
        "start_date_local": started_local,
        "timezone": str(tz),  # the export has no zone: the athlete's is assumed
        "distance_m": number(COL_DISTANCE_M, "Distance", MAX_DISTANCE_M),
        "moving_time_s": None if moving is None else int(round(moving)),
        "elapsed_time_s": None if elapsed is None else int(round(elapsed)),
        "total_elevation_gain_m": number(COL_ELEVATION_GAIN, "Elevation Gain", MAX_ELEVATION_M),
        "average_speed": number(COL_AVERAGE_SPEED, "Average Speed", MAX_SPEED_MPS),
        "max_speed": number(COL_MAX_SPEED, "Max Speed", MAX_SPEED_MPS),
        "average_heartrate": number(COL_AVERAGE_HEARTRATE, "Average Heart Rate", high_hr, low_hr),
        "max_heartrate": number(COL_MAX_HEARTRATE, "Max Heart Rate", high_hr, low_hr),
        "data_source": "export",
    }


def _to_csv(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def write_activities_csv(
    path: Path, runs: Iterable[dict], *, timezone: str, first_id: int = 9_000_000_000
) -> int:
    """Write simulated runs as Strava's export does (oldest first, UTC dates); returns the count."""
    tz = ZoneInfo(timezone)
    ordered = sorted(runs, key=lambda r: r["start_local"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    for index, run in enumerate(ordered):
        activity_id = first_id + index
        started = run["start_local"].replace(tzinfo=tz)
        speed = run["distance_m"] / run["moving_time_s"]
        cells = [""] * len(EXPORT_HEADER)
        cells[COL_ID] = str(activity_id)
        cells[COL_DATE] = format_export_date(started)
        cells[COL_NAME] = run["name"]
        cells[COL_TYPE] = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", run["sport_type"])  # "Trail Run"
        cells[COL_ELAPSED_DISPLAY] = str(run["elapsed_time_s"])
        cells[COL_DISTANCE_KM] = f"{run['distance_m'] / 1000:.2f}"
        cells[COL_MAX_HEARTRATE_DISPLAY] = f"{run['max_heartrate']:.0f}"
        cells[COL_COMMUTE_DISPLAY] = "false"
        cells[COL_FILENAME] = f"activities/{activity_id}.fit.gz"
        cells[COL_ELAPSED_S] = f"{run['elapsed_time_s']:.1f}"
        cells[COL_MOVING_S] = f"{run['moving_time_s']:.1f}"
        cells[COL_DISTANCE_M] = f"{run['distance_m']:.1f}"
        cells[COL_MAX_SPEED] = f"{speed * 1.35:.3f}"
        cells[COL_AVERAGE_SPEED] = f"{speed:.3f}"
        cells[COL_ELEVATION_GAIN] = f"{run['elevation_gain_m']:.1f}"
        cells[COL_MAX_HEARTRATE] = f"{run['max_heartrate']:.1f}"
        cells[COL_AVERAGE_HEARTRATE] = f"{run['average_heartrate']:.1f}"
        cells[COL_COMMUTE] = "0.0"
        cells[COL_FROM_UPLOAD] = "1.0"
        writer.writerow(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return len(ordered)
