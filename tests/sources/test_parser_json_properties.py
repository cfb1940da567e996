"""Parser properties of the JSON row functions: Withings `group_rows`, Strava `api_row`, Sheets
rows through `log_rows`, bike log lines and the ride assembler, foot-sensor `parse_poll`. Fed any
JSON-like value (mostly plausible shapes, sometimes anything), each gives a storable row or a
RowError that quarantines into storable text (parser_contract.py); `printable` and `check_text`
accept any text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dlt_sources.bikes import RIDE_COLUMNS, RIDER_COLUMNS, SECOND_COLUMNS
from dlt_sources.bikes.assembler import RideAssembler
from dlt_sources.bikes.parser import parse_line
from dlt_sources.common.quarantine import RowError
from dlt_sources.common.textfile import check_text, printable
from dlt_sources.crossfit import SET_COLUMNS
from dlt_sources.crossfit.csv_log import LogFormatError, to_csv
from dlt_sources.crossfit.helpers import sheet_rows
from dlt_sources.crossfit.rows import log_rows
from dlt_sources.foot_sensors.rows import parse_poll
from dlt_sources.foot_sensors.settings import SENSOR_COUNT
from dlt_sources.strava.rows import ACTIVITY_COLUMNS, api_row
from dlt_sources.withings import MEASURE_COLUMNS
from dlt_sources.withings.rows import group_rows
from tests.sources.parser_contract import (
    MAX_BIGINT,
    NOW,
    PROPERTY,
    assert_quarantinable,
    assert_row,
    assert_text,
)
from tests.sources.parser_inputs import ZONES, either, texts

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
