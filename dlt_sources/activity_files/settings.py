"""Activity-file constants: sport names, plausible ranges, archive limits, batch sizes."""

from __future__ import annotations

SOURCE = "activity_files"

# --- content detection -------------------------------------------------------------------
HEAD_BYTES = 64 * 1024  # what the inbox hands `detect_activity_format`, and what we sniff
FIT_SIGNATURE = b".FIT"  # bytes 8..11 of a FIT header (header size 12 or 14 in byte 0)
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # a zip with no member at all (only the end record)
# A member without one of these endings whose content is not an activity file is another file
# of the export (a csv, a photo) and is skipped quietly; with one of them it is quarantined.
ACTIVITY_SUFFIXES = (".fit", ".tcx", ".gpx", ".fit.gz", ".tcx.gz", ".gpx.gz")

# --- archives (zip bombs, absurd members) --------------------------------------------------
# One activity file, decompressed. A 24-hour 1 Hz TCX is about 40 MiB; a FIT of it 3 MiB.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
# gpxpy holds the whole document (text and tree, ~10× the file) in memory while it parses.
MAX_GPX_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_DEPTH = 2  # the imported zip is level 1; a zip inside it (Garmin's parts) level 2
MAX_ARCHIVE_MEMBERS = 200_000
MAX_CSV_BYTES = 64 * 1024 * 1024  # a Strava export's activities.csv
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024  # a member above this is unpacked to a temporary file
COPY_CHUNK_BYTES = 1024 * 1024

# --- parallel decoding (pool.py, ahead.py) --------------------------------------------------
# Decoder processes per run: this many at most, never more than the CPUs the process may use.
DECODE_WORKERS = 4
WORKERS_VARIABLE = "FITELT_DECODE_WORKERS"  # overrides DECODE_WORKERS; 1 = decode in-process
WORKER_MARKER = "FITELT_DECODER_OF"  # in a decoder process's environment: the reader's pid
# A run decodes in-process until it met two activity files and this many bytes of them: one
# small file (or a few: ≈ 5 one-hour FIT files) pays no process start-up (≈ 1 s).
POOL_MIN_BYTES = 512 * 1024
# Files read ahead of the one being loaded, at most: this many per worker and these bytes (one
# bigger file still goes alone). Their results wait here too: memory is a few activities.
AHEAD_PER_WORKER = 2
AHEAD_MAX_BYTES = 64 * 1024 * 1024
CLOSE_WAIT_S = 5.0  # a decoder process that does not end this long after its input is killed

# --- loading -----------------------------------------------------------------------------
# Rows per arrow table handed to dlt: small tables of many files are concatenated up to this.
RECORD_BATCH_ROWS = 200_000
LAP_BATCH_ROWS = 20_000
FILE_BATCH_ROWS = 1_000

# --- sports --------------------------------------------------------------------------------
SPORTS = ("running", "cycling", "walking", "hiking", "swimming", "training", "other")
# Keys are lower-case with everything but letters and digits removed: FIT `sport` enums
# ("e_biking" → "ebiking"), TCX `Sport` attributes ("Biking"), GPX `<type>` texts ("running",
# Strava's "Run" or its numbers "1" = ride, "9" = run). Values: (sport, sub_sport or None).
SPORT_ALIASES: dict[str, tuple[str, str | None]] = {
    "running": ("running", None),
    "run": ("running", None),
    "9": ("running", None),
    "trailrun": ("running", "trail"),
    "trailrunning": ("running", "trail"),
    "treadmill": ("running", "treadmill"),
    "virtualrun": ("running", "virtual_activity"),
    "cycling": ("cycling", None),
    "biking": ("cycling", None),
    "ride": ("cycling", None),
    "1": ("cycling", None),
    "ebiking": ("cycling", "e_bike"),
    "ebikeride": ("cycling", "e_bike"),
    "mountainbikeride": ("cycling", "mountain"),
    "gravelride": ("cycling", "gravel_cycling"),
    "virtualride": ("cycling", "virtual_activity"),
    "walking": ("walking", None),
    "walk": ("walking", None),
    "hiking": ("hiking", None),
    "hike": ("hiking", None),
    "swimming": ("swimming", None),
    "swim": ("swimming", None),
    "training": ("training", None),
    "fitnessequipment": ("training", None),
    "workout": ("training", None),
    "weighttraining": ("training", "strength_training"),
    "crossfit": ("training", None),
}
# FIT sub_sport values that say nothing (kept as NULL).
GENERIC_SUB_SPORTS = frozenset({"generic", "all"})

# --- plausible values (outside: the sample is kept, the value becomes NULL) ---------------
HEART_RATE_RANGE = (1, 254)  # 0 = no strap contact on many devices; 255 = FIT invalid
CADENCE_RANGE = (0, 254)
POWER_RANGE = (0, 4_000)  # W; fits smallint
TEMPERATURE_RANGE = (-60, 70)  # °C
MAX_SPEED_MPS = 150.0
UTC_OFFSET_LIMIT_S = 14 * 3600
FIT_EPOCH_S = 631_065_600  # 1989-12-31T00:00:00Z, FIT's time zero
FIT_DATETIME_MIN = 0x10000000  # smaller FIT timestamps are device-relative, not absolute
SEMICIRCLES_TO_DEGREES = 180.0 / 2**31

# Elevation gain from records: the sum of climbs between local turning points of the altitude
# once it moved more than this (hysteresis), so barometer/GPS noise of ±1 m adds nothing and a
# real climb counts whole. Files with a session summary use its total_ascent instead.
ELEVATION_HYSTERESIS_M = 2.0
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), for haversine distances
