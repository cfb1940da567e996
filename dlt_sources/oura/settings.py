"""Oura API v2 constants: endpoints, OAuth, the incremental window, rate-limit policy.

Shapes and rules from cloud.ouraring.com/v2/docs: collections answer
`{"data": [...], "next_token": str | null}` and take `start_date`/`end_date` (YYYY-MM-DD) and
`next_token`; errors are RFC 7807 bodies (`{"status", "title", "detail"}`); OAuth2 token
errors are RFC 6749 bodies (`{"error": "invalid_grant", ...}`); a refresh token can be used
once (each refresh returns a new one); 5000 requests per 5 minutes, then 429.
"""

from __future__ import annotations

from datetime import date

SOURCE = "oura"
DEFAULT_API_BASE = "https://api.ouraring.com"
AUTHORIZE_URL = "https://cloud.ouraring.com/oauth/authorize"
TOKEN_PATH = "/oauth/token"
SCOPES = "daily"  # sleep periods and daily readiness are both in the `daily` scope

# Resource name (= asset key and dbt source table) -> collection path.
SLEEP_PATH = "/v2/usercollection/sleep"
DAILY_READINESS_PATH = "/v2/usercollection/daily_readiness"

# A first sync reads from here (the Oura ring shipped in 2015; Oura needs an explicit start,
# without one it answers only the day before end_date).
HISTORY_START = date(2015, 1, 1)
# Oura revises its last days (a late ring sync, a nap merged into the night, readiness
# recomputed): every sync re-reads this many days before the newest day it already has.
OVERLAP_DAYS = 3
# Oura's date filters are exclusive at one end, which end depending on the collection (sleep
# periods by `day` with the start excluded, daily documents by a timestamp with the end
# excluded). Every request is widened by this much on both sides; the merge absorbs the extra.
DATE_PADDING_DAYS = 1

ACCESS_TOKEN_LIFETIME_S = 86_400.0  # 1 day, when a token answer omits `expires_in`
API_RETRIES = 4  # attempts per request on short 429s (5xx and timeouts: common/oauth2.py)
MAX_RETRY_AFTER_S = 60.0  # a longer (or absent) 429 wait ends the sync cleanly instead

# Plausible ranges; a document outside them is quarantined rather than loaded.
DURATION_RANGE_S = (0.0, 2 * 86_400.0)
PERCENT_RANGE = (0.0, 100.0)
HEART_RATE_RANGE = (20.0, 250.0)
HRV_RANGE_MS = (0.0, 500.0)
BREATH_RANGE = (0.0, 80.0)
TEMPERATURE_DEVIATION_RANGE_C = (-10.0, 10.0)
