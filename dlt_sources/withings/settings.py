"""Withings constants: measure types, export headers, API endpoints and statuses."""

from __future__ import annotations

SOURCE = "withings"
DEFAULT_API_BASE = "https://wbsapi.withings.net"
MEASURE_PATH = "/measure"
TOKEN_PATH = "/v2/oauth2"
AUTHORIZE_URL = "https://account.withings.com/oauth2_user/authorize2"
SCOPES = "user.metrics"

# Withings `meastype` → the name our tables use. Values are in kg except the ratio in percent.
MEASURE_TYPES: dict[int, str] = {
    1: "weight_kg",
    6: "fat_ratio_pct",
    8: "fat_mass_kg",
    76: "muscle_mass_kg",
    77: "hydration_kg",
    88: "bone_mass_kg",
}
MEASURE_TYPES_BY_NAME = {name: mtype for mtype, name in MEASURE_TYPES.items()}
REAL_MEASURE_CATEGORY = 1  # 2 would be a user objective (goal), never a measurement
MAX_UNIT_EXPONENT = 30  # real units are -3..0: value * 10^unit

# Plausible ranges; anything outside is quarantined rather than loaded.
BOUNDS: dict[str, tuple[float, float]] = {
    "weight_kg": (20.0, 400.0),
    "fat_ratio_pct": (1.0, 75.0),
    "fat_mass_kg": (0.5, 250.0),
    "muscle_mass_kg": (5.0, 200.0),
    "hydration_kg": (5.0, 250.0),
    "bone_mass_kg": (0.5, 10.0),
}

LB_TO_KG = 0.45359237

# The account export `weight.csv` (newest first, local time "YYYY-MM-DD HH:MM:SS").
EXPORT_COLUMNS_KG = [
    "Date",
    "Weight (kg)",
    "Fat mass (kg)",
    "Bone mass (kg)",
    "Muscle mass (kg)",
    "Hydration (kg)",
    "Comments",
]
EXPORT_COLUMNS_LB = [c.replace("(kg)", "(lb)") for c in EXPORT_COLUMNS_KG]
EXPORT_MEASURES = ["weight_kg", "fat_mass_kg", "bone_mass_kg", "muscle_mass_kg", "hydration_kg"]
EXPORT_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

API_PAGE_RETRIES = 4
MAX_RETRY_AFTER_S = 60.0
HTTP_TIMEOUT_S = (5.0, 30.0)
ACCESS_TOKEN_LIFETIME_S = 10800.0  # 3 h, when a token answer omits `expires_in`

# The `status` in every JSON body (HTTP is 200 either way); 0 is success.
INVALID_TOKEN_STATUSES = {100, 101, 102, 200, 401}  # access token invalid or expired
# A refresh refused with one of these means the grant is gone (503 = "invalid refresh_token").
INVALID_GRANT_STATUSES = {100, 101, 102, 200, 401, 503}
RATE_LIMIT_STATUS = 601
