"""A large export.xml for the benchmark: `records` Record elements in the app's proportions.

Each type's i-th record depends only on (seed, type, i): an export of more records holds a
smaller one's records exactly (a later export repeats the whole history, then adds the new
days), which is what the re-import benchmark needs. Written by lxml's incremental writer, so
memory stays one chunk of values whatever the size.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from .xml_export import export_document

HK = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
SOURCES = ("Athlete’s Apple Watch", "Athlete’s iPhone")
START = datetime(2012, 1, 1, tzinfo=timezone(timedelta(hours=1)))
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


def write_large_export(path: Path, *, records: int, seed: int = 11) -> Path:
    """Write `path` (export.xml) with about `records` records; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exported = START + timedelta(days=6000)
    with path.open("wb") as handle, export_document(handle, exported=exported) as writer:
        for type_index, (hk_type, unit, share, minutes, mean, sd) in enumerate(TYPES):
            count = int(records * share)
            step = timedelta(minutes=minutes)
            for first in range(0, count, CHUNK):
                rng = np.random.default_rng([seed, type_index, first // CHUNK])
                values = rng.normal(mean, sd, CHUNK)
                sources = rng.integers(0, 2 if hk_type.endswith("StepCount") else 1, CHUNK)
                for offset in range(min(CHUNK, count - first)):
                    index = first + offset
                    start = START + index * step
                    end = start + (step if hk_type == SLEEP else timedelta(minutes=1))
                    if hk_type == SLEEP:
                        value = SLEEP_VALUES[index % len(SLEEP_VALUES)]
                    elif unit == "count":
                        value = str(max(0, int(values[offset])))
                    else:
                        value = f"{abs(values[offset]):.4g}"
                    writer.record(
                        hk_type, SOURCES[sources[offset]], unit, value, start, end,
                        end + timedelta(minutes=10),
                    )  # fmt: skip
    return path
