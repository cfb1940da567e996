"""Property-based harness for every parser: any input gives rows, RowErrors or the format error.

The contract (RELIABILITY.md, "Parser properties"):

* export readers (Withings `weight.csv`, Strava `activities.csv`, the CrossFit CSV), fed any
  bytes — arbitrary ones, or the sample exports truncated and mutated (bytes flipped, inserted,
  deleted; lines duplicated, swapped; quotes unbalanced; BOM, NUL, latin-1, CRLF, a field over
  Python's 128 KiB csv default) — yield rows or per-record RowErrors, or raise the source's
  file-level format error naming the file or the line. Never another exception;
* JSON row functions (Withings `group_rows`, Strava `api_row`, Sheets rows through `log_rows`,
  bike log lines and the ride assembler, foot-sensor `parse_poll`), fed any JSON-like value,
  give a row or a RowError;
* every row they give is storable as typed: each key a declared column, text without NUL or
  lone surrogates, bigints in 64 bits, finite doubles, aware timestamps, known time zones; every
  RowError routes through `quarantine_row` into storable text.

Deterministic (derandomize, no example database), bounded examples. The regression tests at the
end are the bugs this harness found, one plain test each.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlt_sources.bikes import RIDE_COLUMNS, RIDER_COLUMNS, SECOND_COLUMNS
from dlt_sources.bikes.assembler import RideAssembler
from dlt_sources.bikes.parser import parse_line
from dlt_sources.common.quarantine import RowError, quarantine_row
from dlt_sources.common.textfile import MAX_FIELD_CHARS, MAX_RECORD_CHARS, check_text, printable
from dlt_sources.crossfit import SET_COLUMNS
from dlt_sources.crossfit.csv_log import LogFormatError, csv_lines, is_crossfit_log, to_csv
from dlt_sources.crossfit.helpers import first_row, sheet_rows
from dlt_sources.crossfit.rows import log_rows, parse_date
from dlt_sources.foot_sensors.rows import parse_poll
from dlt_sources.foot_sensors.settings import SENSOR_COUNT
from dlt_sources.strava.export import ExportFormatError as StravaFormatError
from dlt_sources.strava.export import is_activities_export, read_activities_csv
from dlt_sources.strava.rows import ACTIVITY_COLUMNS, api_row, iana_timezone
from dlt_sources.strava.settings import EXPORT_HEADER
from dlt_sources.withings import MEASURE_COLUMNS
from dlt_sources.withings.export import ExportFormatError as WithingsFormatError
from dlt_sources.withings.export import is_weight_export, read_weight_csv
from dlt_sources.withings.rows import group_rows

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2027, 1, 1, tzinfo=UTC)  # after every sample date
# Per property; the whole file takes about 15 s of CPU on 2 cores. A deeper hunt:
# PARSER_PROPERTY_EXAMPLES=5000 pytest tests/sources/test_parser_properties.py
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


# --- input strategies ----------------------------------------------------------------------
NASTY = [
    "\x00", "\ud83d", "\udce8", "\ufeff", "²", "١٢", "\u202f", "\r\n", "\r", '"', ",", ";",
    " ", "9" * 30, "1e400", "nan", "inf", "-0", "0", "-1", "1_000", "\n",
]  # fmt: skip
texts = st.one_of(
    st.text(max_size=20),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=4), st.sampled_from(NASTY),
              st.text(max_size=4)),
)  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), texts,
    st.sampled_from([2**63, -(2**63) - 1, 10**30, 10**400, float("nan"), float("inf")]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def either(*specific: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly a plausible value (to get past the first check), sometimes any JSON."""
    return st.one_of(*specific, json_values)


ZONES = st.sampled_from(
    ["UTC", "Europe/Paris", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
)


def _sample(name: str, lines: int = 14) -> bytes:
    return b"".join((ROOT / "sample_data" / name).read_bytes().splitlines(True)[:lines])


SAMPLES = {
    "withings": _sample("withings/weight.csv"),
    "strava": _sample("strava/activities.csv"),
    "crossfit": _sample("crossfit/crossfit_log.csv"),
}
INSERTS = [
    b'"', b",", b"\r", b"\n", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xe8", b"\xff\xfe", b"\xc3",
    b'""', b'"\n', b";", b"\t", "\u202f".encode(),
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    """A real export cut short, then damaged by a few random edits."""
    lines = sample.splitlines(True)
    data = bytearray(b"".join(lines[: draw(st.integers(0, len(lines)))]))
    for _ in range(draw(st.integers(0, 5))):
        op = draw(st.sampled_from(
            ["flip", "insert", "delete", "dup", "swap", "truncate", "bom", "crlf", "latin1",
             "quote", "huge"]
        ))  # fmt: skip
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS) | st.binary(min_size=1, max_size=6))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op in ("dup", "swap"):
            rows = bytes(data).splitlines(True)
            if len(rows) >= 2:
                i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(rows) - 1))
                if op == "dup":
                    rows.insert(j, rows[i])
                else:
                    rows[i], rows[j] = rows[j], rows[i]
                data = bytearray(b"".join(rows))
        elif op == "truncate":
            del data[at:]
        elif op == "bom":
            data[0:0] = b"\xef\xbb\xbf"
        elif op == "crlf":
            data = bytearray(bytes(data).replace(b"\n", b"\r\n"))
        elif op == "latin1":
            data = bytearray(bytes(data).decode("utf-8", "replace").encode("latin-1", "replace"))
        elif op == "quote":
            data[at:at] = b'"'
        elif op == "huge":  # over Python's default csv field limit (128 KiB)
            data[at:at] = b'"' + b"x" * 140_000 if draw(st.booleans()) else b"y" * 140_000
    return bytes(data)


def _csv_line(cells: list[str], end: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerow(cells)
    return buffer.getvalue()


W_HEADER = (
    'Date,"Weight (kg)","Fat mass (kg)","Bone mass (kg)","Muscle mass (kg)","Hydration (kg)",'
    "Comments"
)
W_CELLS = st.one_of(
    st.sampled_from(["2025-05-01 07:10:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59",
                     "2025-02-29 07:10:00", "80.10", "80,10", "16", "", "4000", "1e400", "nan"]),
    texts,
)  # fmt: skip
S_CELLS = st.one_of(
    st.sampled_from(["9000000001", "9" * 25, "0", "-5", "Jan 1, 0001, 12:00:00 AM",
                     "Dec 31, 9999, 11:59:59 PM", "Feb 30, 2020, 1:00:00 AM",
                     "May 1, 2025, 6:00:00\u202fAM", "Run", "Trail Run", "3000.0", "1e400", ""]),
    texts,
)  # fmt: skip
C_CELLS = st.one_of(
    st.sampled_from(["2025-05-01", "0001-01-01", "31.12.9999", "01 Jan 0001", "Deadlift", "5",
                     "140", "95,5", "lb", "kg", "stone", "1e400", "0", "", "7.5", "10.5"]),
    texts,
)  # fmt: skip
HEADERS = {
    "withings": W_HEADER,
    "strava": _csv_line(EXPORT_HEADER, ""),
    "crossfit": "Date,Exercise,Sets,Reps,Weight,Unit,Notes,RPE,Duration (min)",
}
WIDTHS = {"withings": 7, "strava": len(EXPORT_HEADER), "crossfit": 9}
CELLS = {"withings": W_CELLS, "strava": S_CELLS, "crossfit": C_CELLS}


@st.composite
def structured(draw: st.DrawFn, source: str) -> bytes:
    """The real header, then records of plausible and nasty cells (the right width, mostly)."""
    end = draw(st.sampled_from(["\n", "\r\n"]))
    width = WIDTHS[source]
    out = [HEADERS[source] + end]
    for _ in range(draw(st.integers(0, 6))):
        n = draw(st.sampled_from([width, width, width, width - 1, width + 1]))
        # Strava rows: the first cells matter (id, date, name, type), the rest mostly empty.
        cells = [draw(CELLS[source]) if i < 8 or source != "strava" else "" for i in range(n)]
        if source == "strava" and n > 20 and draw(st.booleans()):
            cells[15:22] = [draw(CELLS[source]) for _ in range(7)]
        out.append(_csv_line(cells, end))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
    return "".join(out).encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace")


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


# --- file properties -----------------------------------------------------------------------
@pytest.mark.parametrize("source", SOURCES)
@FILE_PROPERTY
@given(content=st.binary(max_size=600), timezone=ZONES)
def test_any_bytes_give_rows_row_errors_or_the_format_error(
    source: str, content: bytes, timezone: str, tmp_path: Path
) -> None:
    check_file_contract(source, content, tmp_path / "export.csv", timezone)


@pytest.mark.parametrize("source", SOURCES)
@FILE_PROPERTY
@given(data=st.data(), timezone=ZONES)
def test_mutated_real_exports_give_rows_row_errors_or_the_format_error(
    source: str, data: st.DataObject, timezone: str, tmp_path: Path
) -> None:
    content = data.draw(mutated(SAMPLES[source]))
    check_file_contract(source, content, tmp_path / "export.csv", timezone)


@pytest.mark.parametrize("source", SOURCES)
@FILE_PROPERTY
@given(data=st.data(), timezone=ZONES)
def test_records_of_nasty_cells_give_rows_or_row_errors(
    source: str, data: st.DataObject, timezone: str, tmp_path: Path
) -> None:
    content = data.draw(structured(source))
    check_file_contract(source, content, tmp_path / "export.csv", timezone)


@PROPERTY
@given(header=st.lists(texts, max_size=12))
def test_header_detectors_answer_true_or_false_for_any_header(header: list[str]) -> None:
    for detect in (is_weight_export, is_activities_export, is_crossfit_log):
        assert detect(header) in (True, False)


# --- JSON properties -----------------------------------------------------------------------
MEASURE = st.fixed_dictionaries(
    {
        "type": either(st.sampled_from([1, 5, 6, 8, 76, 77, 88, 9])),
        "value": either(st.integers(-(10**6), 10**6)),
        "unit": either(st.integers(-6, 3)),
    }
)
GROUP = st.fixed_dictionaries(
    {
        "date": either(st.integers(-(10**12), 2 * 10**9)),
        "measures": either(st.lists(either(MEASURE), max_size=4)),
    },
    optional={
        "category": either(st.just(1), st.just(2)),
        "modified": either(st.integers(0, 2 * 10**9)),
        "grpid": either(st.integers(0, 10**10)),
    },
)


@PROPERTY
@given(group=either(GROUP), timezone=either(ZONES, texts))
def test_withings_group_rows_give_rows_or_a_row_error(group: Any, timezone: Any) -> None:
    try:
        rows = group_rows(group, "a", timezone, now=NOW.timestamp())
    except RowError as error:
        assert_quarantinable("withings", group, error, None)
        return
    for row in rows:
        assert_row(row, MEASURE_COLUMNS, "withings group")


API_DATE = st.sampled_from(
    ["2025-05-01T06:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2025-02-30T00:00:00Z"]
)
ACTIVITY = st.fixed_dictionaries(
    {"id": either(st.integers(1, 10**12)), "start_date": either(API_DATE)},
    optional={
        "start_date_local": either(API_DATE),
        "sport_type": either(st.sampled_from(["Run", "TrailRun", ""])),
        "type": either(st.sampled_from(["Run", "Ride"])),
        "name": either(texts),
        "timezone": either(st.sampled_from(["(GMT+01:00) Europe/Paris", "America", "Not/AZone"])),
        "distance": either(st.floats(), st.sampled_from(["NaN", "12.5", "far"])),
        "moving_time": either(st.integers(0, 10**5), st.floats()),
        "elapsed_time": either(st.integers(0, 10**5)),
        "average_heartrate": either(st.floats(0, 300)),
    },
)


@PROPERTY
@given(activity=either(ACTIVITY))
def test_strava_api_row_gives_a_row_or_a_row_error(activity: Any) -> None:
    try:
        row = api_row(activity, "a")
    except RowError as error:
        assert_quarantinable("strava", activity, error, None)
        return
    assert_row(row, ACTIVITY_COLUMNS, "strava activity")


SHEET_CELL = either(st.sampled_from(["2025-05-01", "Deadlift", "5", "kg", ""]), st.floats(),
                    st.integers(-(10**7), 10**7))  # fmt: skip
SHEET_HEADER = st.sampled_from(
    [
        ["Date", "Exercise", "Sets", "Reps", "Weight", "Unit", "Notes"],
        ["Date", "Exercise", "Sets", "Reps", "Weight", "Unit", "Notes", "RPE", "Duration (min)"],
        ["day", "Lift", "reps", "load"],
    ]
)


@PROPERTY
@given(
    range_=either(st.sampled_from(["'Log'!A1:G1000", "Log!B7:G", "A" + "9" * 30])),
    header=either(SHEET_HEADER),
    values=either(st.lists(either(st.lists(SHEET_CELL, max_size=10)), max_size=6)),
)
def test_sheet_rows_give_rows_row_errors_or_the_format_error(
    range_: Any, header: Any, values: Any
) -> None:
    body = {"range": range_, "values": [header, *values] if isinstance(values, list) else values}
    try:
        results = list(log_rows(sheet_rows(body), athlete_id="a", now=NOW))
    except LogFormatError as exc:
        assert re.search(r"\bline \d+", str(exc)), exc
        return
    for number, cells, result in results:
        if isinstance(result, Exception):
            assert_quarantinable("crossfit", to_csv(cells), result, number)
        else:
            assert_row(result, SET_COLUMNS, f"sheet row {number}")


NUMBER_TEXT = st.one_of(
    st.sampled_from(["1.0", "40", "0", "-1", "1e400", "nan", "inf", "", "x", "9" * 30]),
    st.floats().map(str),
)
TIMESTAMP = st.one_of(
    st.sampled_from(
        ["2025-03-01 16:18:13.213", "2025-03-01T16:18:14Z", "2025-03-01 16:18:15+01:00",
         "0001-01-01 00:00:00+01:00", "9999-12-31 23:59:59-01:00", "2025-02-30 00:00:00"]
    ),
    st.datetimes().map(str),
)  # fmt: skip
RIDER = st.fixed_dictionaries(
    {"user_id": either(st.integers(1, 5), st.sampled_from(["7", "²", "9" * 30]))},
    optional={
        "name": either(texts),
        "gender": either(st.sampled_from(["f", "male", "none"])),
        "date_of_birth": either(st.sampled_from(["1990-01-01", "1850-01-01"]),
                                st.integers(-(10**20), 10**20)),
        "email": either(texts),
        "height_cm": either(st.floats(), NUMBER_TEXT),
        "weight_kg": either(st.floats(0, 400)),
    },
)  # fmt: skip
BODY = st.one_of(
    st.builds(lambda d: "[SYSTEM] data = " + json.dumps(d), RIDER),
    st.builds("[SYSTEM] data = {}".format, texts),
    st.builds("[INFO]: Ride - duration = {}; resistance = {}".format, NUMBER_TEXT, NUMBER_TEXT),
    st.builds("[INFO]: Telemetry - hrt = {}; rpm = {}; power = {}".format, NUMBER_TEXT,
              NUMBER_TEXT, NUMBER_TEXT),
    texts,
)  # fmt: skip
BIKE = st.one_of(st.sampled_from(["bike-01", "bike-02", "mendoza v9"]), texts)
LOG_LINE = st.one_of(
    st.builds("{} {}: {}".format, TIMESTAMP, BIKE, BODY),
    texts,
)


@PROPERTY
@given(lines=st.lists(LOG_LINE, max_size=25))
def test_bike_lines_give_events_or_row_errors_and_the_assembler_storable_rows(
    lines: list[str],
) -> None:
    for line in lines:
        try:
            parse_line(line)
        except RowError as error:
            assert_quarantinable("bikes", line, error, 0)
    assembler = RideAssembler({})
    for offset, line in enumerate(lines):
        assembler.feed(offset, line)
    seconds = assembler.take_seconds()
    riders, rides = assembler.finish()
    for bad in assembler.take_rejected():
        assert_quarantinable("bikes", bad.line, RowError(bad.reason), bad.offset)
    for row in seconds:
        assert_row(row, SECOND_COLUMNS, "bike second")
    for row in rides:
        assert_row(row, RIDE_COLUMNS, "bike ride")
    for row in riders:
        assert_row(row, RIDER_COLUMNS, "bike rider")
    json.dumps(assembler.state)  # the state is kept in dlt's JSON state


SENSOR = st.fixed_dictionaries(
    {"id": either(st.integers(0, SENSOR_COUNT)), "value": either(st.integers(-5, 1100))},
    optional={"anomaly": either(st.booleans())},
)
PAYLOAD = st.fixed_dictionaries(
    {
        "id": either(st.just(1)),
        "trace": either(
            st.fixed_dictionaries(
                {
                    "sensors": either(
                        st.lists(SENSOR, min_size=SENSOR_COUNT, max_size=SENSOR_COUNT)
                    )
                },  # fmt: skip
                optional={"id": either(st.integers(0, 10**6)), "name": either(texts)},
            )
        ),
    },
    optional={
        "firstname": either(texts),
        "lastname": either(texts),
        "birthdate": either(st.sampled_from(["1990-05-01", "²²²²-01-01", "١٩٩٠-01-01"])),
        "disabled": either(st.booleans()),
    },
)
PERSON_COLUMNS = {
    "person_id": {"data_type": "bigint", "nullable": False},
    "firstname": {"data_type": "text", "nullable": False},
    "lastname": {"data_type": "text", "nullable": False},
    "birth_year": {"data_type": "bigint"},
    "disabled": {"data_type": "bool", "nullable": False},
    "trace_id": {"data_type": "bigint"},
    "trace_name": {"data_type": "text"},
    "seen_at": {"data_type": "timestamp", "nullable": False},
}


@PROPERTY
@given(payload=either(PAYLOAD))
def test_foot_sensor_payloads_give_a_poll_or_a_row_error(payload: Any) -> None:
    try:
        poll = parse_poll(1, payload, NOW)
    except RowError as error:
        assert_quarantinable("foot_sensor", payload, error, None)
        return
    person = dict(poll.person)
    assert isinstance(person.pop("disabled"), bool)
    assert_row(person, {k: v for k, v in PERSON_COLUMNS.items() if k != "disabled"}, "person")
    assert person["birth_year"] is None or 0 <= person["birth_year"] < 2**31  # an integer column
    for reading in poll.readings:
        _, trace_id, sensor_id, value, anomaly, _ = reading
        assert trace_id is None or -MAX_BIGINT - 1 <= trace_id <= MAX_BIGINT
        assert 0 <= sensor_id < SENSOR_COUNT and 0 <= value <= 1023 and anomaly in (True, False)


@PROPERTY
@given(text=texts)
def test_printable_and_check_text_accept_any_text(text: str) -> None:
    assert_text(printable(text), "printable")
    try:
        check_text([text], lambda _: "cell")
    except RowError:
        return
    assert_text(text, "checked text")  # what check_text lets through PostgreSQL can store


# --- regression tests: the bugs the harness found ------------------------------------------
def _weight_csv(tmp_path: Path, *records: str, end: str = "\n") -> Path:
    path = tmp_path / "weight.csv"
    path.write_text(end.join([W_HEADER, *records]) + end, encoding="utf-8")
    return path


def test_withings_unclosed_quote_past_pythons_128_kib_default_loads_the_other_lines(
    tmp_path: Path,
) -> None:
    """Was `_csv.Error: field larger than field limit (131072)`: the whole load failed."""
    path = _weight_csv(
        tmp_path,
        "2025-05-01 07:10:00,80.10,,,,,fine",
        '2025-05-02 07:10:00,"80,,,,,' + "x" * 200_000,
        "2025-05-03 07:10:00,80.30,,,,,swallowed by the open quote",
    )
    results = list(read_weight_csv(path, athlete_id="a", timezone="UTC", now=NOW))
    assert [(n, type(r)) for n, _, r in results] == [(2, list), (3, RowError)]
    assert str(results[1][2]) == "expected 7 fields, found 2"


def test_withings_unclosed_quote_over_the_16_mib_limit_is_the_format_error_naming_the_line(
    tmp_path: Path,
) -> None:
    """An unclosed quote swallowing more than the limit: a file-level error, not `csv.Error`."""
    path = tmp_path / "weight.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(W_HEADER + "\n2025-05-01 07:10:00,80.10,,,,,fine\n")
        handle.write('2025-05-02 07:10:00,80,,,,,"unclosed\n')
        line = "more text swallowed by the open quote\n"
        handle.write(line * (MAX_FIELD_CHARS // len(line) + 10))
    with pytest.raises(WithingsFormatError) as error:
        list(read_weight_csv(path, athlete_id="a", timezone="UTC", now=NOW))
    assert str(error.value) == (
        "weight.csv: field longer than 16 MiB at line 3: an unclosed quote?"
    )


def test_a_file_that_is_one_huge_line_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """No newline in 40 MiB: it was read whole and split into 20 M fields (over 200 MB)."""
    path = tmp_path / "weight.csv"
    path.write_bytes(b"1," * (20 * 1024 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(WithingsFormatError, match=r"record longer than 32 MiB at line 1"):
            list(read_weight_csv(path, athlete_id="a", timezone="UTC", now=NOW))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_RECORD_CHARS * 3, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("source", ["strava", "crossfit"])
def test_the_field_limit_is_the_format_error_in_every_reader(source: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HEADERS[source] + '\n"' + "x" * (MAX_FIELD_CHARS + 1) + "\n", "utf-8")
    with pytest.raises(
        FORMAT_ERRORS[source], match=r"export\.csv: field longer than 16 MiB at line 2"
    ):
        parse_file(source, path, "UTC")


def test_withings_date_of_year_one_east_of_utc_is_a_row_error(tmp_path: Path) -> None:
    """Was OverflowError: 0001-01-01 00:00 in Paris is before year 1 in UTC."""
    path = _weight_csv(tmp_path, "0001-01-01 00:00:00,80,,,,,", "2025-05-01 07:10:00,80,,,,,")
    results = list(read_weight_csv(path, athlete_id="a", timezone="Europe/Paris", now=NOW))
    assert "out of range" in str(results[0][2]) and isinstance(results[1][2], list)


def test_strava_date_of_year_one_west_of_utc_is_a_row_error(tmp_path: Path) -> None:
    """Was OverflowError converting the start to the athlete's zone."""
    cells = ["101", "Jan 1, 0001, 12:00:00 AM", "Run", "Run"] + [""] * (len(EXPORT_HEADER) - 4)
    path = tmp_path / "activities.csv"
    path.write_text(HEADERS["strava"] + "\n" + _csv_line(cells, "\n"), encoding="utf-8")
    [(_, _, error)] = read_activities_csv(
        path, athlete_id="a", timezone="America/New_York", now=NOW
    )
    assert isinstance(error, RowError) and "out of range" in str(error)


def test_strava_activity_id_beyond_bigint_is_a_row_error(tmp_path: Path) -> None:
    """Was a row whose activity_id PostgreSQL's bigint refuses: the whole load failed."""
    cells = ["9" * 25, "May 1, 2025, 6:00:00 AM", "Run", "Run"] + [""] * (len(EXPORT_HEADER) - 4)
    path = tmp_path / "activities.csv"
    path.write_text(HEADERS["strava"] + "\n" + _csv_line(cells, "\n"), encoding="utf-8")
    [(_, _, error)] = read_activities_csv(path, athlete_id="a", timezone="UTC", now=NOW)
    assert isinstance(error, RowError) and "too large" in str(error)


GOOD_GROUP = {"date": 1_746_000_000, "category": 1, "measures": [{"type": 1, "value": 80_000,
                                                                   "unit": -3}]}  # fmt: skip


@pytest.mark.parametrize(
    ("group", "timezone", "reason"),
    [
        ([GOOD_GROUP], "UTC", "group: expected an object, got list"),  # was AttributeError
        ({**GOOD_GROUP, "date": -(10**14)}, "UTC", "date: -100000000000000 is out of range"),
        ({**GOOD_GROUP, "date": 2**64}, "UTC", "date: outside the 64-bit"),  # was OverflowError
        ({**GOOD_GROUP, "modified": 10**20}, "UTC", "modified: outside the 64-bit"),
        ({**GOOD_GROUP, "measures": [{"type": 1, "value": 1, "unit": 10**4}]}, "UTC",
         r"measures\[0\]\.unit: 10000 outside"),  # was OverflowError (10**huge: a hang)
        ({**GOOD_GROUP, "measures": [{"type": 1, "value": 10**400, "unit": -3}]}, "UTC",
         r"measures\[0\]\.value: outside the 64-bit"),
        ({**GOOD_GROUP, "grpid": "abc"}, "UTC", "grpid: not an integer"),  # was a text bigint
        (GOOD_GROUP, {"tz": 1}, "timezone: not text"),  # was a dict in a text column
        (GOOD_GROUP, "Mars/Olympus", "timezone: 'Mars/Olympus' is not a known time zone"),
    ],
    ids=["not-a-dict", "date-before-year-1", "date-past-bigint", "modified-huge", "unit-huge",
         "value-huge", "grpid-text", "timezone-object", "timezone-unknown"],
)  # fmt: skip
def test_withings_group_regressions_are_row_errors(group: Any, timezone: Any, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        group_rows(group, "a", timezone, now=NOW.timestamp())
    assert group_rows(GOOD_GROUP, "a", "Europe/Paris", now=NOW.timestamp())


GOOD_ACTIVITY = {"id": 7, "start_date": "2025-05-01T06:00:00Z", "sport_type": "Run"}


@pytest.mark.parametrize(
    ("activity", "reason"),
    [
        ([GOOD_ACTIVITY], "activity: expected an object"),  # was AttributeError
        ({**GOOD_ACTIVITY, "moving_time": float("inf")}, "moving_time: not a number"),
        ({**GOOD_ACTIVITY, "moving_time": 1e300}, "moving_time: .* is out of range"),
        ({**GOOD_ACTIVITY, "distance": 10**400}, "distance: not a number"),  # OverflowError
        ({**GOOD_ACTIVITY, "distance": "NaN"}, "distance: not a finite number"),  # bare SQL nan
        ({**GOOD_ACTIVITY, "id": 2**63}, "id: .* is out of range"),  # bigint overflow
        ({**GOOD_ACTIVITY, "id": True}, "id: missing or not a positive integer"),
        ({**GOOD_ACTIVITY, "name": 12}, "name: not text"),
        ({**GOOD_ACTIVITY, "sport_type": {"x": 1}}, "sport_type: not text"),
        ({**GOOD_ACTIVITY, "name": "Run \ud83d"}, r"name: a lone surrogate \(\\ud83d\)"),
    ],
    ids=["not-a-dict", "moving-inf", "moving-huge", "distance-huge", "distance-nan", "id-huge",
         "id-bool", "name-number", "sport-type-object", "name-lone-surrogate"],
)  # fmt: skip
def test_strava_activity_regressions_are_row_errors(activity: Any, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        api_row(activity, "a")
    assert api_row(GOOD_ACTIVITY, "a")["activity_id"] == 7


@pytest.mark.parametrize("label", [5, "America", "a" * 300, "Europe/Paris\x00", ["UTC"]])
def test_strava_timezone_labels_that_are_no_zone_give_none(label: Any) -> None:
    """Was AttributeError (5), IsADirectoryError ("America"), OSError (a 300-char name)."""
    assert iana_timezone(label) is None
    assert iana_timezone("(GMT+01:00) Europe/Paris") == "Europe/Paris"


@pytest.mark.parametrize("serial", [float("nan"), float("inf"), 1e10, -1e6])
def test_sheet_date_serials_out_of_range_are_row_errors(serial: float) -> None:
    """Was ValueError / OverflowError out of `timedelta`."""
    with pytest.raises(RowError, match="date: serial number"):
        parse_date(serial, NOW.date())
    assert parse_date(45_000, NOW.date()) == date(2023, 3, 15)


def test_sheet_rows_that_are_not_lists_are_quarantined_or_reject_the_sheet() -> None:
    """Was TypeError (`list(5)`, `any(… for c in 5)`) failing the whole CrossFit load."""
    header = ["Date", "Exercise", "Reps", "Weight"]
    body = {"range": "Log!A1:D", "values": [header, 5, ["2025-05-01", "Row", 5, {"kg": 1}]]}
    results = list(log_rows(sheet_rows(body), athlete_id="a", now=NOW))
    assert [(n, str(r)) for n, _, r in results] == [
        (2, "expected a row of cells, got int"),
        (3, "column 4: expected a single value, got dict"),
    ]
    assert to_csv(5) == "5"
    with pytest.raises(LogFormatError, match=r"header \(line 1\): expected a row of cells"):
        list(log_rows(sheet_rows({"values": {"not": "a list"}}), athlete_id="a", now=NOW))


def test_sheet_range_with_an_absurd_row_number_starts_at_row_one() -> None:
    """Was ValueError: int() of a 5000-digit string is over Python's digit limit."""
    assert first_row("Log!A" + "9" * 5000) == 1
    assert first_row("Log!B7:G") == 7


def test_crossfit_header_errors_are_the_format_error_and_stay_short(tmp_path: Path) -> None:
    """A header missing a column quoted the whole header (16 MiB) in a plain ValueError."""
    path = tmp_path / "log.csv"
    path.write_text("Date,Exercise,Weight," + "x" * 100_000 + "\n2025-05-01,Row,0,\n", "utf-8")
    with pytest.raises(LogFormatError, match=r"\(line 1\) lacks column\(s\) \['reps'\]") as error:
        list(log_rows(csv_lines(path), athlete_id="a", now=NOW))
    assert len(str(error.value)) < 400


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('2025-03-01 16:18:13 bike-01: [SYSTEM] data = {"a":' + "[" * 5000 + "]" * 5000 + "}",
         r"not valid JSON \(RecursionError\)"),
        ('2025-03-01 16:18:13 bike-01: [SYSTEM] data = {"user_id": ' + "9" * 5000 + "}",
         r"not valid JSON \(ValueError\)"),  # was AttributeError: no .msg
        ('2025-03-01 16:18:13 bike-01: [SYSTEM] data = {"user_id": "²"}',
         "user_id: expected a positive integer"),  # was ValueError from int("²")
        ('2025-03-01 16:18:13 bike-01: [SYSTEM] data = {"user_id": ' + "9" * 30 + "}",
         "user_id: outside the 64-bit"),
        ("9999-12-31 23:59:59-01:00 bike-01: [INFO]: Ride - duration = 1.0; resistance = 40",
         "timestamp: invalid"),  # was OverflowError
        ('2025-03-01 16:18:13 bike-01: [SYSTEM] data = {"user_id": 1, "name": "a\\u0000b", '
         '"date_of_birth": "1990-01-01"}', "name: contains a NUL byte"),
        ("2025-03-01 16:18:13 bike-\ud83d: [INFO]: Ride - duration = 1.0; resistance = 40",
         "line: a lone surrogate"),
    ],
    ids=["deep-json", "huge-int", "superscript-digit", "user-id-huge", "timestamp-overflow",
         "nul-in-name", "lone-surrogate"],
)  # fmt: skip
def test_bike_line_regressions_are_row_errors(line: str, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        parse_line(line)
    assert_quarantinable("bikes", line, RowError(reason), 0)


def test_quarantine_spells_a_lone_surrogate_instead_of_failing() -> None:
    """Was UnicodeEncodeError in `printable`: a bike line with "\\ud83d" failed the load."""
    item = quarantine_row("bikes", raw_record="x\ud83dy\udce8\x00", reason="r", athlete_id=None)
    assert item.data["raw_record"] == "x\\ud83dy\\xe8\\x00"


def _payload(**changes: Any) -> dict[str, Any]:
    sensors = [{"id": i, "value": 10} for i in range(SENSOR_COUNT)]
    return {"id": 1, "trace": {"id": 3, "name": "t", "sensors": sensors}, **changes}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (_payload(trace={**_payload()["trace"], "name": {"x": 1}}), "trace.name: expected text"),
        (_payload(trace={**_payload()["trace"], "id": 2**70}), "trace.id: outside the 64-bit"),
        (_payload(firstname="a\x00"), "firstname: contains a NUL byte"),
    ],
    ids=["trace-name-object", "trace-id-huge", "nul-in-firstname"],
)
def test_foot_sensor_payload_regressions_are_row_errors(payload: Any, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        parse_poll(1, payload, NOW)


def test_foot_sensor_birthdate_of_non_ascii_digits_is_no_year() -> None:
    """Was ValueError from int("²²²²"): "²".isdigit() is True."""
    assert parse_poll(1, _payload(birthdate="²²²²-01-01"), NOW).person["birth_year"] is None
    assert parse_poll(1, _payload(birthdate="1990-05-01"), NOW).person["birth_year"] == 1990
