"""Strava constants: API endpoints, rate-limit policy, the bulk-export `activities.csv` layout."""

from __future__ import annotations

SOURCE = "strava"
DEFAULT_API_BASE = "https://www.strava.com"
ACTIVITIES_PATH = "/api/v3/athlete/activities"
TOKEN_PATH = "/oauth/token"
DEAUTHORIZE_PATH = "/oauth/deauthorize"
AUTHORIZE_URL = "https://www.strava.com/oauth/authorize"
SCOPES = "activity:read_all"

PER_PAGE = 200  # the API maximum
# Edits (name, type, trimmed distance) usually happen soon after an activity: every sync re-reads
# this much before the cursor so they update in place. Older edits need a re-import of the export.
EDIT_LOOKBACK_S = 14 * 86_400
ACCESS_TOKEN_LIFETIME_S = 21_600.0  # 6 h, when a token answer gives no expiry
API_RETRIES = 4  # attempts per request on short 429s (5xx and timeouts: common/oauth2.py)
MAX_RETRY_AFTER_S = 60.0  # a longer 429 wait ends the run cleanly instead
BUDGET_RESERVE = 0  # requests kept unused in each 15-minute window (raise to share the app)

# Strava's display sport names (export `Activity Type`) are its `sport_type` with spaces; the
# deprecated `type` differs for these sport types (developers.strava.com, SportType).
LEGACY_TYPE = {
    "TrailRun": "Run",
    "MountainBikeRide": "Ride",
    "GravelRide": "Ride",
    "EMountainBikeRide": "EBikeRide",
}

# The bulk export's `activities.csv` header (English, 99 columns in a 2025 export). Names repeat:
# `Elapsed Time`, `Distance`, `Max Heart Rate`, `Relative Effort` and `Commute` appear twice, the
# first copy in display units (Distance in km), the second in base units (Distance in metres).
# A dict by name would silently keep one of them, so rows are read BY POSITION (see COL_*).
EXPORT_HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute",
    "Activity Private Note", "Activity Gear", "Filename", "Athlete Weight", "Bike Weight",
    "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Average Speed", "Elevation Gain",
    "Elevation Loss", "Elevation Low", "Elevation High", "Max Grade", "Average Grade",
    "Average Positive Grade", "Average Negative Grade", "Max Cadence", "Average Cadence",
    "Max Heart Rate", "Average Heart Rate", "Max Watts", "Average Watts", "Calories",
    "Max Temperature", "Average Temperature", "Relative Effort", "Total Work", "Number of Runs",
    "Uphill Time", "Downhill Time", "Other Time", "Perceived Exertion", "Type", "Start Time",
    "Weighted Average Power", "Power Count", "Prefer Perceived Exertion",
    "Perceived Relative Effort", "Commute", "Total Weight Lifted", "From Upload",
    "Grade Adjusted Distance", "Weather Observation Time", "Weather Condition",
    "Weather Temperature", "Apparent Temperature", "Dewpoint", "Humidity", "Weather Pressure",
    "Wind Speed", "Wind Gust", "Wind Bearing", "Precipitation Intensity", "Sunrise Time",
    "Sunset Time", "Moon Phase", "Bike", "Gear", "Precipitation Probability",
    "Precipitation Type", "Cloud Cover", "Weather Visibility", "UV Index", "Weather Ozone",
    "Jump Count", "Total Grit", "Average Flow", "Flagged", "Average Elapsed Speed",
    "Dirt Distance", "Newly Explored Distance", "Newly Explored Dirt Distance", "Activity Count",
    "Total Steps", "Carbon Saved", "Pool Length", "Training Load", "Intensity",
    "Average Grade Adjusted Pace", "Timer Time", "Total Cycles", "Recovery", "With Pet",
    "Competition", "Long Run", "For a Cause", "Media",
]  # fmt: skip

# Positions of the columns we load (0-based). Strava appends new columns over the years, so an
# export is recognised by its stable prefix (every column up to the last one we read).
COL_ID = 0
COL_DATE = 1  # "Oct 7, 2020, 2:43:11 PM", UTC
COL_NAME = 2
COL_TYPE = 3  # display sport name, e.g. "Trail Run"
COL_ELAPSED_DISPLAY = 5  # first `Elapsed Time`: whole seconds, not loaded
COL_DISTANCE_KM = 6  # first `Distance`: display units (km), not loaded
COL_MAX_HEARTRATE_DISPLAY = 7  # first `Max Heart Rate`, not loaded
COL_COMMUTE_DISPLAY = 9  # first `Commute`: "true"/"false", not loaded
COL_FILENAME = 12
COL_ELAPSED_S = 15  # second `Elapsed Time`: seconds as a float
COL_MOVING_S = 16
COL_DISTANCE_M = 17  # second `Distance`: metres
COL_MAX_SPEED = 18  # m/s
COL_AVERAGE_SPEED = 19  # m/s
COL_ELEVATION_GAIN = 20  # m
COL_MAX_HEARTRATE = 30  # second `Max Heart Rate`
COL_AVERAGE_HEARTRATE = 31
COL_COMMUTE = 50  # second `Commute`: 0.0/1.0, not loaded
COL_FROM_UPLOAD = 52
EXPORT_PREFIX = EXPORT_HEADER[: COL_AVERAGE_HEARTRATE + 1]

# Plausible ranges; anything outside is quarantined rather than loaded.
MAX_DISTANCE_M = 1_000_000.0
MAX_DURATION_S = 30 * 86_400.0
MAX_SPEED_MPS = 150.0
MAX_ELEVATION_M = 50_000.0
HEARTRATE_RANGE = (20.0, 260.0)
