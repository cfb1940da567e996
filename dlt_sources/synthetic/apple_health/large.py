"""A large export.xml for the benchmark: about `records` Record elements in the app's proportions.

Each type has records on a fixed grid of slots (every 5 minutes for heart rate, daily for body
mass, …) that ends at the export's date; a record's value depends only on (seed, type, slot).
`extra_days` moves the export date later and adds those days' records: the result holds the
smaller export's records exactly, plus the new ones, as a later export of the Health app does
(the whole history again, then the new days). Written by lxml's incremental writer, so memory
stays one chunk of values whatever the size.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from .xml_export import export_document

HK = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
SOURCES = ("Athlete’s Apple Watch", "Athlete’s iPhone")
TZ = timezone(timedelta(hours=1))
EPOCH = datetime(1990, 1, 1, tzinfo=TZ)  # no record before: a daily type has at most its days
EXPORTED = datetime(2026, 11, 1, 8, tzinfo=TZ)
CHUNK = 10_000
# (type, unit, share of the records, minutes between records, value mean, value sd)
TYPES = (
    (HK + "ActiveEnergyBurned", "kcal", 0.14, 10, 20.0, 8.0),  # not loaded: counted
    (HK + "BodyFatPercentage", "%", 0.005, 1440, 0.2, 0.01),
    (HK + "BodyMass", "kg", 0.005, 1440, 78.0, 1.5),
    (HK + "HeartRate", "count/min", 0.55, 5, 75.0, 12.0),
    (HK + "HeartRateVariabilitySDNN", "ms", 0.02, 240, 48.0, 10.0),
    (HK + "RestingHeartRate", "count/min", 0.01, 1440, 52.0, 3.0),
    (HK + "StepCount", "count", 0.22, 20, 300.0, 150.0),
    (SLEEP, None, 0.05, 30, 0.0, 1.0),
)
SLEEP_VALUES = tuple(
    "HKCategoryValueSleepAnalysis" + v for v in ("AsleepCore", "AsleepDeep", "AsleepREM", "Awake")
)


def write_large_export(path: Path, *, records: int, seed: int = 11, extra_days: int = 0) -> Path:
    """Write `path` (export.xml) with about `records` records (+ `extra_days` of new ones)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exported = EXPORTED + timedelta(days=extra_days)
    with path.open("wb") as handle, export_document(handle, exported=exported) as writer:
        for type_index, (hk_type, unit, share, minutes, mean, sd) in enumerate(TYPES):
            step = timedelta(minutes=minutes)
            last = (exported - EPOCH) // step  # the slot of the export's date
            count = int(records * share) + extra_days * 1440 // minutes
            first = max(0, last - count + 1)
            values = sources = None
            for slot in range(first, last + 1):
                if values is None or slot % CHUNK == 0:
                    rng = np.random.default_rng([seed, type_index, slot // CHUNK])
                    values = rng.normal(mean, sd, CHUNK)
                    sources = rng.integers(0, 2 if unit == "count" else 1, CHUNK)
                at = slot % CHUNK
                start = EPOCH + slot * step
                end = start + (step if hk_type == SLEEP else timedelta(minutes=1))
                if hk_type == SLEEP:
                    value = SLEEP_VALUES[slot % len(SLEEP_VALUES)]
                elif unit == "count":
                    value = str(max(0, int(values[at])))
                else:
                    value = f"{abs(values[at]):.4g}"
                writer.record(
                    hk_type, SOURCES[sources[at]], unit, value, start, end,
                    end + timedelta(minutes=10),
                )  # fmt: skip
    return path
