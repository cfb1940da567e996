"""CrossFit log constants: the sheet's columns, units, bounds and the Sheets API endpoint."""

from __future__ import annotations

DEFAULT_API_BASE = "https://sheets.googleapis.com"
VALUES_PATH = "/v4/spreadsheets/{spreadsheet_id}/values/{range}"
DEFAULT_RANGE = "A:I"  # the first sheet, columns A to I (header in row 1)

# Header cells are matched after normalising (lowercase, non-alphanumerics → "_"), so "Date",
# " date " and "DATE" all work; the aliases cover names people actually type.
REQUIRED_COLUMNS = ("date", "exercise", "reps", "weight")
# rpe and duration_min are per line, optional: a session's RPE and length (session-RPE load).
OPTIONAL_COLUMNS = ("sets", "unit", "notes", "rpe", "duration_min")
COLUMN_ALIASES = {
    "day": "date",
    "session_date": "date",
    "movement": "exercise",
    "lift": "exercise",
    "repetitions": "reps",
    "load": "weight",
    "weight_kg": "weight",
    "units": "unit",
    "note": "notes",
    "comment": "notes",
    "comments": "notes",
    # Not bare "duration" or "minutes": a log may already use those for other things (a time
    # cap, "12:00"), and a column this source did not read before must not quarantine rows.
    "session_rpe": "rpe",
    "srpe": "rpe",
    "duration_mins": "duration_min",
    "duration_minutes": "duration_min",
}
# The CSV written by the sample generator (and the header row we suggest for the sheet).
CSV_HEADER = [
    "Date", "Exercise", "Sets", "Reps", "Weight", "Unit", "Notes", "RPE", "Duration (min)",
]  # fmt: skip

# Dates as people type them in a sheet; day-first slashes are ambiguous and not accepted.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d %b %Y", "%b %d, %Y", "%d %B %Y")

LB_TO_KG = 0.45359237
UNITS = {"": 1.0, "kg": 1.0, "kgs": 1.0, "lb": LB_TO_KG, "lbs": LB_TO_KG}  # "" = kg

MAX_REPS = 10_000
MAX_SETS = 100
MAX_WEIGHT_KG = 500.0
# Borg CR-10 as used by Foster's session-RPE: 1 (very easy) to 10 (maximal), halves allowed.
MIN_RPE, MAX_RPE = 1.0, 10.0
MAX_DURATION_MIN = 24 * 60.0  # minutes; a longer "session" is a typo

API_RETRIES = 4
BACKOFF_BASE_S = 1.0
MAX_RETRY_AFTER_S = 60.0
HTTP_TIMEOUT_S = (5.0, 30.0)
