"""Apple Health export constants: the types loaded, their units and plausible ranges."""

from __future__ import annotations

from datetime import timedelta

SOURCE = "apple_health"

# --- content detection -------------------------------------------------------------------
ROOT_TAG = "HealthData"
EXPORT_MEMBER = "export.xml"  # apple_health_export/export.xml inside export.zip
EXPORT_FOLDER = "apple_health_export/"
MAX_EXPORT_BYTES = 64 * 1024**3  # a decompressed export.xml above this is refused (zip bomb)

# --- timestamps: "2024-03-05 07:12:44 +0100" (every date of the export) ------------------------
TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"
OFFSET_AT = 20  # the "+HHMM" starts after "YYYY-MM-DD HH:MM:SS "

# --- quantity records: HealthKit identifier -> (record_type, {unit: factor to the stored unit})
# body_fat_pct: Apple writes the fraction (0.185) with unit "%": stored as percent (18.5).
QUANTITY_TYPES: dict[str, tuple[str, dict[str, float]]] = {
    "HKQuantityTypeIdentifierStepCount": ("step_count", {"count": 1.0}),
    "HKQuantityTypeIdentifierHeartRate": ("heart_rate", {"count/min": 1.0}),
    "HKQuantityTypeIdentifierRestingHeartRate": ("resting_heart_rate", {"count/min": 1.0}),
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": ("hrv_sdnn", {"ms": 1.0}),
    "HKQuantityTypeIdentifierBodyMass": ("body_mass", {"kg": 1.0, "lb": 0.45359237, "g": 0.001}),
    "HKQuantityTypeIdentifierBodyFatPercentage": ("body_fat_pct", {"%": 100.0}),
}
# Plausible stored values per record_type (outside: the row is quarantined with the reason).
RANGES: dict[str, tuple[float, float]] = {
    "step_count": (0, 100_000),
    "heart_rate": (20, 260),
    "resting_heart_rate": (20, 200),
    "hrv_sdnn": (1, 500),
    "body_mass": (20, 400),
    "body_fat_pct": (1, 75),
}
STORED_UNITS = {
    "step_count": "count",
    "heart_rate": "bpm",
    "resting_heart_rate": "bpm",
    "hrv_sdnn": "ms",
    "body_mass": "kg",
    "body_fat_pct": "%",
}

# --- sleep analysis: category values -> stage ---------------------------------------------------
SLEEP_TYPE = "HKCategoryTypeIdentifierSleepAnalysis"
SLEEP_PREFIX = "HKCategoryValueSleepAnalysis"
SLEEP_STAGES = {
    "InBed": "in_bed",
    "Awake": "awake",
    "AsleepCore": "asleep_core",
    "AsleepDeep": "asleep_deep",
    "AsleepREM": "asleep_rem",
    "AsleepUnspecified": "asleep_unspecified",
    "Asleep": "asleep_unspecified",  # before iOS 16: one "asleep" value, no stages
}
MAX_SLEEP_SEGMENT = timedelta(hours=24)

# --- workouts -----------------------------------------------------------------------------
WORKOUT_PREFIX = "HKWorkoutActivityType"
DURATION_UNITS = {"min": 60.0, "s": 1.0, "sec": 1.0, "hr": 3600.0, "h": 3600.0}
ENERGY_UNITS = {"kcal": 1.0, "Cal": 1.0, "kJ": 1 / 4.184, "cal": 0.001}
DISTANCE_UNITS = {"km": 1000.0, "m": 1.0, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048}
ENERGY_STATISTIC = "HKQuantityTypeIdentifierActiveEnergyBurned"
DISTANCE_STATISTICS = (
    "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "HKQuantityTypeIdentifierDistanceCycling",
    "HKQuantityTypeIdentifierDistanceSwimming",
    "HKQuantityTypeIdentifierDistanceDownhillSnowSports",
    "HKQuantityTypeIdentifierDistanceWheelchair",
)

# --- incremental loading -------------------------------------------------------------------
# A later export holds the whole history again. Records created (creationDate, else endDate)
# before the athlete's high-water mark minus this margin were in an export already loaded and
# are skipped before any row is built; those in the margin are sent again and merged on their
# natural key (a Watch can sync a record into the phone's store a while after it was made).
RESCAN_MARGIN = timedelta(days=2)
KNOWN_EXPORTS_KEPT = 100  # checksums of loaded exports remembered per athlete (dlt state)

# --- loading ------------------------------------------------------------------------------
BATCH_ROWS = 50_000  # rows per arrow table handed to dlt (and per load file)
HEAD_BYTES = 64 * 1024
