"""CrossFit log constants: the sheet's columns, units, bounds and the Sheets API endpoint."""

from __future__ import annotations

DEFAULT_API_BASE = "https://sheets.googleapis.com"
VALUES_PATH = "/v4/spreadsheets/{spreadsheet_id}/values/{range}"
DEFAULT_RANGE = "A:G"  # the first sheet, columns A to G (header in row 1)

# Header cells are matched after normalising (lowercase, non-alphanumerics → "_"), so "Date",
# " date " and "DATE" all work; the aliases cover names people actually type.
REQUIRED_COLUMNS = ("date", "exercise", "reps", "weight")
OPTIONAL_COLUMNS = ("sets", "unit", "notes")
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
}
# The CSV written by the sample generator (and the header row we suggest for the sheet).
CSV_HEADER = ["Date", "Exercise", "Sets", "Reps", "Weight", "Unit", "Notes"]

# Dates as people type them in a sheet; day-first slashes are ambiguous and not accepted.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d %b %Y", "%b %d, %Y", "%d %B %Y")

LB_TO_KG = 0.45359237
UNITS = {"": 1.0, "kg": 1.0, "kgs": 1.0, "lb": LB_TO_KG, "lbs": LB_TO_KG}  # "" = kg

MAX_REPS = 10_000
MAX_SETS = 100
MAX_WEIGHT_KG = 500.0

API_RETRIES = 4
BACKOFF_BASE_S = 1.0
MAX_RETRY_AFTER_S = 60.0
HTTP_TIMEOUT_S = (5.0, 30.0)
