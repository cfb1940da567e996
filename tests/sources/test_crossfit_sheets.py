"""The CrossFit log from Google Sheets (a local fake of API v4) through dlt, dbt and Dagster."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import dagster as dg
import pytest

from dlt_sources.crossfit.helpers import SheetsApiError, SheetsClient, first_row
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.vendor_apis import SheetsApiResource
from tests.conftest import query
from tests.fakes import FakeSheets, google_fault

API_KEY = "sheets-api-key-AIzaSyNotARealKey123"
SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SERIAL_2025_03_06 = (date(2025, 3, 6) - date(1899, 12, 30)).days

HEADER = ["Date", "Exercise", "Sets", "Reps", "Weight", "Unit", "Notes"]
LOG = [
    HEADER,
    ["2025-03-03", "Back squat", 5, 5, 100, "kg"],  # ragged: no notes cell
    ["2025-03-03", "back-squat", 1, 3, 110, "kg", "PR!"],
    ["2025-03-03", "Pull-ups", 3, 10],  # bodyweight: the row ends after reps
    [],
    ["2025-03-05", "BACK SQUAT", 3, 5, 225, "lb"],
    ["2025-03-05", "KB swing", 3, 20, 24],  # no unit: kg
    ["2025-03-05", "Mystery WOD!", 1, 1],  # no alias: falls back to the normalised key
    [SERIAL_2025_03_06, "Snatch", 5, 2, 60, "kg"],  # a real date cell: serial number
    ["", "Deadlift", 3, 5, 140, "kg"],  # row 10: no date
    ["2025-03-07", "Deadlift", 3, -5, 140, "kg"],  # row 11: negative reps
    ["2025-03-07", "Clean & Jerk", 3, 2, "heavy", "kg"],  # row 12: text in weight
]


def _resource(fake: FakeSheets) -> SheetsApiResource:
    return SheetsApiResource(
        api_key=API_KEY, spreadsheet_id=SHEET_ID, range="Log!A:G", base_url=fake.url
    )


@pytest.mark.slow
def test_sheet_loads_ragged_rows_normalises_names_and_quarantines_bad_lines(
    fitelt_env, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs request lines, query string included
    with FakeSheets({SHEET_ID: {"Log": LOG}}, api_key=API_KEY) as fake:
        resources = {"sheets_api": _resource(fake)}
        instance = dg.DagsterInstance.ephemeral()
        # The source, the alias seed and the staging model (dbt build) in one run.
        selection = "group:crossfit+ and not key:report_site and not key:knn_forecast_models"
        assert succeeded(materialize(selection, instance=instance, resources=resources))
        calls = fake.requests_to("/v4/spreadsheets/")

    assert calls[0].query["key"] == API_KEY and calls[0].path.endswith("/values/Log!A:G")
    staged = query(
        fitelt_env,
        "select row_number, session_date, exercise_as_typed, exercise, is_known_exercise, "
        "sets, reps, weight_kg, unit, notes from staging.stg_crossfit__sets order by row_number",
    )
    by_row = {r[0]: r[1:] for r in staged}
    assert sorted(by_row) == [2, 3, 4, 6, 7, 8, 9]  # sheet row numbers; row 5 was blank
    assert {by_row[n][2] for n in (2, 3, 6)} == {"back_squat"}  # three spellings, one exercise
    assert by_row[2][8] is None and by_row[3][8] == "PR!"  # ragged row: absent notes → null
    assert by_row[4][2:] == ("pull_up", True, 3, 10, None, "kg", None)
    assert by_row[6][6:8] == (102.058, "lb")  # 225 lb stored in kg
    assert by_row[7][2] == "kettlebell_swing" and by_row[7][6] == 24.0
    assert by_row[8][2:4] == ("mystery_wod", False)
    assert by_row[9][0] == date(2025, 3, 6)
    reasons = dict(query(fitelt_env, "select source_line, reason from raw.crossfit_quarantine"))
    assert reasons == {
        10: "date: missing",
        11: "reps: -5 outside [1, 10000]",
        12: "weight: not a number: 'heavy'",
    }
    # Everything our side logged (the fake server's own request log is Google's side).
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("tests.fakes")]
    logged = "\n".join(ours) + "".join(capfd.readouterr())
    assert "/v4/spreadsheets/" in logged  # the request line was logged...
    assert API_KEY not in logged  # ...with the key redacted


def test_reloading_the_sheet_is_idempotent_and_edits_leave_nothing_stale(fitelt_env) -> None:
    with FakeSheets({SHEET_ID: {"Log": LOG}}, api_key=API_KEY) as fake:
        resources = {"sheets_api": _resource(fake)}
        instance = dg.DagsterInstance.ephemeral()
        for _ in range(2):
            assert succeeded(materialize("crossfit/sets", instance=instance, resources=resources))
            assert query(fitelt_env, "select count(*) from raw.crossfit_sets")[0][0] == 7
        # The athlete inserts a line at the top, corrects a weight and deletes two lines.
        corrected = ["2025-03-03", "Back squat", 5, 5, 105, "kg"]
        edited = [HEADER, ["2025-03-02", "Row", 1, 500], corrected, *LOG[5:]]
        fake.set_sheet(SHEET_ID, "Log", edited)
        assert succeeded(materialize("crossfit/sets", instance=instance, resources=resources))
    rows = query(
        fitelt_env,
        "select session_date, exercise, weight_kg from raw.crossfit_sets "
        "where session_date <= '2025-03-03' order by row_number",
    )
    assert rows == [
        (date(2025, 3, 2), "Row", None),
        (date(2025, 3, 3), "Back squat", 105.0),  # 100 → 105, and the deleted lines are gone
    ]
    assert query(fitelt_env, "select count(*) from raw.crossfit_sets")[0][0] == 6


def test_quota_errors_are_retried_and_bad_keys_fail_without_echoing_the_key() -> None:
    sleeps: list[float] = []
    with FakeSheets({SHEET_ID: {"Log": LOG}}, api_key=API_KEY) as fake:
        fake.inject("/v4/", google_fault(429, "RESOURCE_EXHAUSTED", "Quota exceeded"), times=2)
        client = SheetsClient(fake.url, API_KEY, SHEET_ID, "Log!A3:G", "demo", sleep=sleeps.append)
        rows = client.rows()
        wrong = SheetsClient(fake.url, "not-the-key", SHEET_ID, "Log", "demo", sleep=sleeps.append)
        with pytest.raises(SheetsApiError, match="API key not valid") as error:
            wrong.rows()
    assert sleeps == [1.0, 2.0]
    assert rows[0] == (3, LOG[2])  # row numbers follow the range's first row
    assert "not-the-key" not in str(error.value)


def test_first_row_of_echoed_ranges() -> None:
    assert first_row("'Crossfit log'!A1:G1000") == 1
    assert first_row("Log!B7:G") == 7
    assert first_row("Sheet1!$A$12:$G$20") == 12
    assert first_row("") == 1
    assert date(1899, 12, 30) + timedelta(days=SERIAL_2025_03_06) == date(2025, 3, 6)
