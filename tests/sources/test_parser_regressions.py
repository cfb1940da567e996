"""Regression tests: the bugs the parser property harness found, one plain test each.

Export readers (an unclosed quote past the csv field limit, a file that is one huge line, dates
of year 1 near UTC, ids beyond bigint), Withings groups and Strava activities from the APIs,
Strava time zone labels, Sheets date serials, ranges and rows, the CrossFit header, bike log
lines, the quarantine's text, and foot-sensor payloads.
"""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dlt_sources.bikes.parser import parse_line
from dlt_sources.common.quarantine import RowError, quarantine_row
from dlt_sources.common.textfile import MAX_FIELD_CHARS, MAX_RECORD_CHARS
from dlt_sources.crossfit.csv_log import LogFormatError, csv_lines, to_csv
from dlt_sources.crossfit.helpers import first_row, sheet_rows
from dlt_sources.crossfit.rows import log_rows, parse_date
from dlt_sources.foot_sensors.rows import parse_poll
from dlt_sources.foot_sensors.settings import SENSOR_COUNT
from dlt_sources.strava.export import read_activities_csv
from dlt_sources.strava.rows import api_row, iana_timezone
from dlt_sources.strava.settings import EXPORT_HEADER
from dlt_sources.withings.export import ExportFormatError as WithingsFormatError
from dlt_sources.withings.export import read_weight_csv
from dlt_sources.withings.rows import group_rows
from tests.sources.parser_contract import FORMAT_ERRORS, NOW, assert_quarantinable, parse_file
from tests.sources.parser_inputs import HEADERS, W_HEADER, _csv_line


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
