"""The in-memory model of one decoded activity file, shared by the FIT, TCX and GPX readers.

A reader fills a `DecodedActivity` (what the file says, as it says it); `summary.finish` turns
it into a `FinishedActivity` (samples ordered, elapsed/timer seconds, summary gaps filled from
the samples), which `arrow_tables` writes as the contract's rows. Times are float epoch seconds
(UTC); a missing sample value is None while reading and NaN once in arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

# Sample columns besides the time, in contract order.
SAMPLE_FIELDS = (
    "distance_m",
    "heart_rate",
    "speed_mps",
    "cadence",
    "power_w",
    "altitude_m",
    "lat",
    "lon",
    "temperature_c",
)


class NotAnActivity(Exception):
    """A valid file that holds no activity (a FIT settings, monitoring or course file).

    Skipped with a logged reason: loads nothing, is neither an error nor quarantined.
    """


class SampleBuffer:
    """Samples as a reader meets them: one list per column, None for a missing value."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.columns: dict[str, list[float | None]] = {name: [] for name in SAMPLE_FIELDS}

    def __len__(self) -> int:
        return len(self.times)

    def add(self, at: float, **values: float | None) -> None:
        """One sample at `at`; columns not named are missing."""
        self.times.append(at)
        for name, column in self.columns.items():
            column.append(values.get(name))

    def arrays(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Times and the columns as float64 arrays (NaN = missing)."""
        times = np.asarray(self.times, dtype=np.float64)
        return times, {
            name: np.asarray(column, dtype=np.float64) for name, column in self.columns.items()
        }


@dataclass
class Summary:
    """Totals of an activity or a lap; None where the file (or its samples) cannot say."""

    distance_m: float | None = None
    moving_time_s: float | None = None
    elapsed_time_s: float | None = None
    avg_heart_rate: float | None = None
    max_heart_rate: float | None = None
    avg_speed_mps: float | None = None
    elevation_gain_m: float | None = None
    avg_power_w: float | None = None
    calories: float | None = None

    def filled_from(self, other: Summary) -> Summary:
        """This summary with its missing values taken from `other`."""
        return Summary(
            **{
                f.name: getattr(self, f.name)
                if getattr(self, f.name) is not None
                else getattr(other, f.name)
                for f in fields(self)
            }
        )


@dataclass
class Lap:
    """One lap as the file states it (`summary.elevation_gain_m` is not part of a lap row)."""

    started_at: float
    summary: Summary = field(default_factory=Summary)
    lap_trigger: str | None = None


@dataclass
class Device:
    serial: int | None = None
    manufacturer: str | None = None
    product: str | None = None


@dataclass
class DecodedActivity:
    """What one activity file says.

    `running` are the spans (start, end) in which the timer ran, from the file's timer events
    (FIT) or its segments (a TCX Track / GPX trkseg each); None when the file says nothing
    about pauses (then timer seconds = elapsed seconds).
    """

    source_format: str
    sport: str
    sub_sport: str | None = None
    started_at: float | None = None
    samples: SampleBuffer = field(default_factory=SampleBuffer)
    laps: list[Lap] = field(default_factory=list)
    running: list[tuple[float, float]] | None = None
    summary: Summary = field(default_factory=Summary)
    utc_offset_s: int | None = None
    device: Device = field(default_factory=Device)


@dataclass
class FinishedActivity:
    """A decoded activity ready to become rows: samples ordered and unique in time."""

    source_format: str
    sport: str
    sub_sport: str | None
    started_at: float
    times: np.ndarray
    elapsed_s: np.ndarray
    timer_s: np.ndarray
    columns: dict[str, np.ndarray]
    laps: list[Lap]
    summary: Summary
    utc_offset_s: int | None
    device: Device

    @property
    def record_count(self) -> int:
        return int(self.times.size)

    @property
    def file_identity(self) -> str | None:
        """'fit:<device serial>:<start epoch s>' for a FIT file whose file_id has a serial."""
        if self.source_format != "fit" or self.device.serial is None:
            return None
        return f"fit:{self.device.serial}:{int(self.started_at)}"
