"""The contract every parser keeps, shared by the parser property tests.

RELIABILITY.md, "Parser properties":

* export readers (Withings `weight.csv`, Strava `activities.csv`, the CrossFit CSV), fed any
  bytes, yield rows or per-record RowErrors, or raise the source's file-level format error naming
  the file or the line. Never another exception (`check_file_contract`);
* JSON row functions give a row or a RowError;
* every row they give is storable as typed: each key a declared column, text without NUL or
  lone surrogates, bigints in 64 bits, finite doubles, aware timestamps, known time zones; every
  RowError routes through `quarantine_row` into storable text (`assert_row`,
  `assert_quarantinable`).

Also the Hypothesis settings of every property: deterministic (derandomize, no example
database), bounded examples. The inputs they draw are in parser_inputs.py.
"""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings

from dlt_sources.common.quarantine import RowError, quarantine_row
from dlt_sources.crossfit import SET_COLUMNS
from dlt_sources.crossfit.csv_log import LogFormatError, csv_lines, to_csv
from dlt_sources.crossfit.rows import log_rows
from dlt_sources.strava.export import ExportFormatError as StravaFormatError
from dlt_sources.strava.export import read_activities_csv
from dlt_sources.strava.rows import ACTIVITY_COLUMNS
from dlt_sources.withings import MEASURE_COLUMNS
from dlt_sources.withings.export import ExportFormatError as WithingsFormatError
from dlt_sources.withings.export import read_weight_csv

NOW = datetime(2027, 1, 1, tzinfo=UTC)  # after every sample date
# Per property; the four test_parser_* modules take about 15 s of CPU on 2 cores. A deeper
# hunt: PARSER_PROPERTY_EXAMPLES=5000 pytest tests/sources/test_parser_*.py
EXAMPLES = int(os.environ.get("PARSER_PROPERTY_EXAMPLES", "200"))

PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FILE_PROPERTY = settings(
    PROPERTY,
    suppress_health_check=[*PROPERTY.suppress_health_check, HealthCheck.function_scoped_fixture],
)

# --- the storable-row contract -------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_BIGINT = 2**63 - 1


def assert_text(value: Any, where: str) -> None:
    assert isinstance(value, str), (where, value)
    assert "\x00" not in value and not _SURROGATE.search(value), (where, value)


def assert_value(value: Any, spec: dict[str, Any], where: str) -> None:
    if value is None:
        assert spec.get("nullable", True), f"{where}: null in a not-null column"
        return
    kind = spec["data_type"]
    if kind == "text":
        assert_text(value, where)
    elif kind == "bigint":
        assert isinstance(value, int) and not isinstance(value, bool), (where, value)
        assert -MAX_BIGINT - 1 <= value <= MAX_BIGINT, (where, value)
    elif kind == "double":
        assert isinstance(value, int | float) and not isinstance(value, bool), (where, value)
        assert math.isfinite(value), (where, value)  # nan/inf: dlt writes them as bare SQL
    elif kind == "timestamp":
        assert isinstance(value, datetime), (where, value)
        aware = value.tzinfo is not None
        assert aware == spec.get("timezone", True), (where, value)
    elif kind == "date":
        assert isinstance(value, date) and not isinstance(value, datetime), (where, value)
    else:  # pragma: no cover - a column type this harness does not know yet
        raise AssertionError(f"{where}: unknown column type {kind}")


def assert_row(row: dict[str, Any], columns: dict[str, dict[str, Any]], where: str) -> None:
    assert isinstance(row, dict), (where, row)
    for key, value in row.items():
        assert key in columns, f"{where}: {key!r} is not a declared column"
        assert_value(value, columns[key], f"{where}.{key}")
    for key, spec in columns.items():
        if not spec.get("nullable", True) and key not in ("source_file", "data_source"):
            assert row.get(key) is not None, f"{where}: {key} missing"
    if isinstance(row.get("timezone"), str):
        ZoneInfo(row["timezone"])  # dbt converts with it: must be a known zone


def assert_quarantinable(source: str, raw: Any, error: RowError, line: int | None) -> None:
    """The error goes to quarantine: its row is built and is storable text."""
    assert isinstance(error, RowError)
    item = quarantine_row(
        source, raw_record=raw, reason=str(error), athlete_id="a", source_file="f", source_line=line
    )
    for key in ("raw_record", "reason", "source_file", "record_hash"):
        assert_text(item.data[key], f"quarantine.{key}")


# --- the file-reader contract --------------------------------------------------------------
FORMAT_ERRORS: dict[str, type[ValueError]] = {
    "withings": WithingsFormatError,
    "strava": StravaFormatError,
    "crossfit": LogFormatError,
}


def parse_file(source: str, path: Path, timezone: str) -> list[tuple[int, Any, Any]]:
    if source == "withings":
        return list(read_weight_csv(path, athlete_id="a", timezone=timezone, now=NOW))
    if source == "strava":
        return list(read_activities_csv(path, athlete_id="a", timezone=timezone, now=NOW))
    return [(n, to_csv(c), r) for n, c, r in log_rows(csv_lines(path), athlete_id="a", now=NOW)]


ROW_COLUMNS = {
    "withings": MEASURE_COLUMNS,
    "strava": ACTIVITY_COLUMNS,
    "crossfit": SET_COLUMNS,
}


def check_file_contract(source: str, content: bytes, path: Path, timezone: str) -> None:
    path.write_bytes(content)
    try:
        results = parse_file(source, path, timezone)
    except FORMAT_ERRORS[source] as exc:
        message = str(exc)
        assert not isinstance(exc, RowError), message
        assert path.name in message or re.search(r"\bline \d+", message), message
        assert len(message) < 1_000, message
        return
    for line, raw, result in results:
        assert isinstance(line, int) and line >= 2, line  # line 1 is the header
        if isinstance(result, Exception):
            assert_quarantinable(source, raw, result, line)
            continue
        for row in result if isinstance(result, list) else [result]:
            assert_row(row, ROW_COLUMNS[source], f"{source} line {line}")


SOURCES = ["withings", "strava", "crossfit"]
