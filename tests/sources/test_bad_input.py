"""Bad input, table-driven: every case is a clear whole-file error or quarantined records with
a reason naming the column, and the good records of the same file still parse.

Parser level (no database): each case writes bytes to a file and runs the source's reader.
`test_bad_input_load.py` sends a selection through the real dlt load into PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dlt_sources.common.quarantine import RowError
from dlt_sources.crossfit.csv_log import csv_lines
from dlt_sources.crossfit.rows import log_rows
from dlt_sources.strava.export import read_activities_csv
from dlt_sources.strava.settings import EXPORT_HEADER
from dlt_sources.withings.export import read_weight_csv

NOW = datetime(2025, 6, 1, tzinfo=UTC)
W_HEAD = (
    'Date,"Weight (kg)","Fat mass (kg)","Bone mass (kg)","Muscle mass (kg)","Hydration (kg)",'
    "Comments"
)
W_OK = "2025-05-01 07:10:00,80.10,16.00,3.10,60.00,44.00,"
W_OK2 = "2025-05-02 07:10:00,80.00,16.00,3.10,60.00,44.00,fine"
C_HEAD = "Date,Exercise,Sets,Reps,Weight,Unit,Notes"
C_OK = "2025-05-01,Deadlift,3,5,140,kg,"


def strava_line(activity_id: int = 101, **cells: str) -> str:
    """One activities.csv record; cells by position name, e.g. c1='Oct 7, 2020, 2:43:11 PM'."""
    row = [""] * len(EXPORT_HEADER)
    row[0], row[1], row[2], row[3] = str(activity_id), "May 1, 2025, 6:00:00 AM", "Run", "Run"
    row[15], row[16], row[17] = "3000.0", "2900.0", "10000.0"
    for key, value in cells.items():
        row[int(key[1:])] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="", quoting=csv.QUOTE_ALL).writerow(row)
    return buffer.getvalue()


S_HEAD = ",".join(f'"{h}"' if " " in h else h for h in EXPORT_HEADER)
S_OK = strava_line(100)


@dataclass(frozen=True)
class Case:
    id: str
    source: str  # withings | strava | crossfit
    content: bytes
    rejected: str | None = None  # regex of the whole-file error
    good: int = 0  # records that parse
    bad: dict[int, str] = field(default_factory=dict)  # line → regex of the reason


def text(*lines: str, end: str = "\n") -> bytes:
    return (end.join(lines) + end).encode()


# fmt: off
CASES = [
    # --- Withings weight.csv -----------------------------------------------------------------
    Case("w-empty-file", "withings", b"", rejected="empty file"),
    Case("w-header-only", "withings", text(W_HEAD)),
    Case("w-bom", "withings", b"\xef\xbb\xbf" + text(W_HEAD, W_OK), good=1),
    Case("w-crlf", "withings", text(W_HEAD, W_OK, W_OK2, end="\r\n"), good=2),
    Case("w-latin1-comment", "withings", text(W_HEAD, W_OK + "trXs", W_OK2).replace(b"X", b"\xe8"),
         good=1, bad={2: r"Comments: not UTF-8 text \(byte 0xe8\)"}),
    Case("w-nul-byte", "withings", text(W_HEAD, W_OK[:-1] + ",a\x00b", W_OK2), good=1,
         bad={2: "Comments: contains a NUL byte"}),
    Case("w-semicolon-delimiter", "withings",
         text(W_HEAD.replace(",", ";"), W_OK.replace(",", ";")), rejected="';'-separated"),
    Case("w-utf16", "withings", text(W_HEAD, W_OK).decode().encode("utf-16"), rejected="UTF-16"),
    Case("w-html-page", "withings", text("<!DOCTYPE html>", "<html><body>Sign in</body></html>"),
         rejected="HTML"),
    Case("w-duplicate-header-line", "withings", text(W_HEAD, W_OK, W_HEAD, W_OK2), good=2,
         bad={3: "repeated header line"}),
    Case("w-duplicate-column", "withings", text(W_HEAD + ',"Weight (kg)"', W_OK + ",80"),
         rejected="'Weight \\(kg\\)' appears twice"),
    Case("w-other-date-format", "withings", text(W_HEAD, "01/05/2025 07:10,80,,,,,", W_OK2),
         good=1, bad={2: "Date: '01/05/2025 07:10' is not YYYY-MM-DD HH:MM:SS"}),
    Case("w-units-mixed", "withings", text(W_HEAD.replace('"Fat mass (kg)"', '"Fat mass (lb)"'),
         W_OK), rejected="units mixed"),
    Case("w-negative-weight", "withings", text(W_HEAD, "2025-05-03 07:10:00,-80,,,,,", W_OK),
         good=1, bad={2: r"weight_kg: -80 outside \[20, 400\]"}),
    Case("w-absurd-weight", "withings", text(W_HEAD, "2025-05-03 07:10:00,4000,,,,,", W_OK),
         good=1, bad={2: r"weight_kg: 4000 outside"}),
    Case("w-future-date", "withings", text(W_HEAD, "2031-01-01 07:10:00,80,,,,,", W_OK),
         good=1, bad={2: "in the future"}),
    Case("w-truncated-last-line", "withings", text(W_HEAD, W_OK) + b"2025-05-02 07:10:00,80.",
         good=1, bad={3: "expected 7 fields, found 2"}),
    Case("w-type-change-text-in-number", "withings", text(W_HEAD, W_OK.replace("80.10", "80 kg")
         , W_OK2), good=1, bad={2: "weight_kg: not a number: '80 kg'"}),
    Case("w-new-column-kept-loading", "withings", text(W_HEAD + ",Visceral fat", W_OK + ",7"),
         good=1),
    Case("w-optional-column-gone", "withings", text(W_HEAD.replace(',"Bone mass (kg)"', ""),
         "2025-05-01 07:10:00,80.10,16.00,60.00,44.00,"), good=1),
    Case("w-required-column-gone", "withings", text("Date,Comments", "2025-05-01 07:10:00,x"),
         rejected="required column 'Weight \\(kg\\)' is missing"),
    Case("w-decimal-comma", "withings", text(W_HEAD, '2025-05-01 07:10:00,"80,10",,,,,'), good=1),
    # --- Strava activities.csv ---------------------------------------------------------------
    Case("s-empty-file", "strava", b"", rejected="column 1 'Activity ID' is missing"),
    Case("s-semicolon-delimiter", "strava", text(S_HEAD.replace(",", ";"), S_OK),
         rejected="';'-separated"),
    Case("s-column-gone", "strava", text(",".join(EXPORT_HEADER[:17] + EXPORT_HEADER[18:]), S_OK),
         rejected="column 18 is 'Max Speed', expected 'Distance'"),
    Case("s-new-column-kept-loading", "strava", text(S_HEAD + ",Brand New", S_OK + ",x"), good=1),
    Case("s-iso-date", "strava", text(S_HEAD, strava_line(c1="2025-05-01T06:00:00Z"), S_OK),
         good=1, bad={2: "Activity Date: '2025-05-01T06:00:00Z' is not like"}),
    Case("s-absurd-heart-rate", "strava", text(S_HEAD, strava_line(c31="400"), S_OK), good=1,
         bad={2: r"Average Heart Rate \(column 32\): 400 outside \[20, 260\]"}),
    Case("s-negative-distance", "strava", text(S_HEAD, strava_line(c17="-5"), S_OK), good=1,
         bad={2: r"Distance \(column 18\): -5 outside"}),
    Case("s-future-date", "strava", text(S_HEAD, strava_line(c1="Jan 1, 2031, 6:00:00 AM"), S_OK),
         good=1, bad={2: "in the future"}),
    Case("s-nul-in-name", "strava", text(S_HEAD, strava_line(c2="Run\x00x"), S_OK), good=1,
         bad={2: r"Activity Name \(column 3\): contains a NUL byte"}),
    Case("s-latin1-name", "strava",
         text(S_HEAD, strava_line(c2="CafX"), S_OK).replace(b"X", b"\xe9"), good=1,
         bad={2: r"Activity Name \(column 3\): not UTF-8 text \(byte 0xe9\)"}),
    Case("s-truncated-record", "strava", text(S_HEAD, S_OK, "102,May 1, 2025"), good=1,
         bad={3: "expected 99 fields, found 3"}),
    Case("s-type-change", "strava", text(S_HEAD, strava_line(c17="10 km"), S_OK), good=1,
         bad={2: r"Distance \(column 18\): not a number: '10 km'"}),
    Case("s-multiline-description-crlf", "strava", text(S_HEAD, strava_line(c4="two\r\nlines"),
         S_OK, end="\r\n"), good=2),
    # --- CrossFit log CSV --------------------------------------------------------------------
    Case("c-empty-file", "crossfit", b"", rejected="empty file"),
    Case("c-semicolon-delimiter", "crossfit", text(C_HEAD.replace(",", ";"), C_OK.replace(",", ";"))
         , rejected="';'-separated"),
    Case("c-html-page", "crossfit", text("<html><body>404</body></html>"), rejected="HTML"),
    Case("c-duplicate-column", "crossfit", text(C_HEAD + ",Load", C_OK + ",150"),
         rejected="'weight' appears twice"),
    Case("c-required-column-gone", "crossfit", text("Date,Exercise,Weight", "2025-05-01,Row,0"),
         rejected=r"lacks column\(s\) \['reps'\]"),
    Case("c-date-formats", "crossfit",
         text(C_HEAD, "01.05.2025,Row,1,5,,,", "05/01/2025,Row,1,5,,,", C_OK), good=2,
         bad={3: "date: '05/01/2025' is not a date"}),
    Case("c-units-mixed-per-row", "crossfit", text(C_HEAD, C_OK, "2025-05-01,Row,1,5,100,lb,",
         "2025-05-01,Row,1,5,10,stone,"), good=2, bad={4: "unit: 'stone' is not kg or lb"}),
    Case("c-absurd-and-negative", "crossfit", text(C_HEAD, "2025-05-01,Row,1,100000,,,",
         "2025-05-01,Row,1,5,-20,kg,", C_OK), good=1,
         bad={2: r"reps: 100000 outside", 3: r"weight: -20 outside"}),
    Case("c-future-date", "crossfit", text(C_HEAD, "2031-01-01,Row,1,5,,,", C_OK), good=1,
         bad={2: "date: 2031-01-01 is in the future"}),
    Case("c-latin1-notes", "crossfit", text(C_HEAD, C_OK + "trXs", C_OK).replace(b"X", b"\xe8"),
         good=1, bad={2: r"notes: not UTF-8 text"}),
    Case("c-nul-byte", "crossfit", text(C_HEAD, "2025-05-01,Dead\x00lift,3,5,140,kg,", C_OK),
         good=1, bad={2: "exercise: contains a NUL byte"}),
    Case("c-bom-crlf", "crossfit", b"\xef\xbb\xbf" + text(C_HEAD, C_OK, end="\r\n"), good=1),
]
# fmt: on


def parse(case: Case, path: Path) -> list[tuple[int, object]]:
    if case.source == "withings":
        parsed = read_weight_csv(path, athlete_id="a", timezone="UTC", now=NOW)
        return [(n, r) for n, _, r in parsed]
    if case.source == "strava":
        parsed = read_activities_csv(path, athlete_id="a", timezone="UTC", now=NOW)
        return [(n, r) for n, _, r in parsed]
    return [(n, r) for n, _, r in log_rows(csv_lines(path), athlete_id="a", now=NOW)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_rejected_clearly_or_quarantined_and_good_rows_parse(
    case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(case.content)
    if case.rejected:
        with pytest.raises(ValueError, match=case.rejected) as error:
            parse(case, path)
        assert not isinstance(error.value, RowError), "a whole-file problem, not a row's"
        return
    results = parse(case, path)
    good = [r for _, r in results if not isinstance(r, RowError)]
    bad = {n: str(r) for n, r in results if isinstance(r, RowError)}
    assert len(good) == case.good, bad
    assert set(bad) == set(case.bad), bad
    for line, pattern in case.bad.items():
        assert re.search(pattern, bad[line]), (line, bad[line])


def test_at_least_thirty_cases_across_three_sources() -> None:
    assert len(CASES) >= 30
    assert {c.source for c in CASES} == {"withings", "strava", "crossfit"}


def test_crlf_and_bom_leave_no_carriage_return_or_bom_in_values(tmp_path: Path) -> None:
    path = tmp_path / "weight.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text(W_HEAD, W_OK2, end="\r\n"))
    [(_, raw, rows)] = list(read_weight_csv(path, athlete_id="a", timezone="UTC", now=NOW))
    assert "\r" not in raw and isinstance(rows, list)
    assert {r["measure_name"] for r in rows} >= {"weight_kg", "fat_ratio_pct"}
