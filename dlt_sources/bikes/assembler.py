"""Turn the log into rows: riders, one summary per ride, one row per ride second, quarantine.

The stream interleaves bikes. Per bike, a `[SYSTEM]` line opens a ride; each `Ride` line waits
for the `Telemetry` line that follows it half a second later, and the two become one row per
second. Everything needed to continue mid-ride (the open rides, their running summaries and a
waiting `Ride` line) lives in a JSON-able `state` dict that the dlt resource keeps in its state,
so it is committed with the rows it produced.

Quarantined, with the reason: unparseable lines, lines of a bike whose ride started before
the stream was read (no `[SYSTEM]` line seen), a `Ride` line never followed by its `Telemetry`
line (or the reverse), and a second that does not move forward.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..common.quarantine import RowError
from .parser import RideEvent, SystemEvent, TelemetryEvent, parse_line
from .settings import STALE_RIDE_S

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rejected:
    offset: int
    line: str
    reason: str


def ride_id_for(bike: str, started_at: datetime, user_id: int) -> int:
    """A stable id below 2**53 (safe as a JSON number everywhere) for a bike's ride."""
    key = f"{bike}|{started_at.isoformat()}|{user_id}".encode()
    return int(hashlib.sha256(key).hexdigest()[:13], 16)


def _new_ride(event: SystemEvent) -> dict[str, Any]:
    user_id = event.rider["user_id"]
    return {
        "ride_id": ride_id_for(event.bike, event.at, user_id),
        "user_id": user_id,
        "started_at": event.at.isoformat(),
        "last_at": event.at.isoformat(),
        "last_duration": None,
        "seconds": 0,
        "hr_seconds": 0,
        "sum_hr": 0.0,
        "max_hr": None,
        "sum_power": 0.0,
        "max_power": None,
        "sum_rpm": 0.0,
        "sum_resistance": 0.0,
        "pending": None,
    }


@dataclass
class RideAssembler:
    """Feed lines in offset order; collect rows with `take_*` and `finish`."""

    state: dict[str, Any]
    seconds: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    riders: dict[int, dict[str, Any]] = field(default_factory=dict)
    touched: dict[str, dict[str, Any]] = field(default_factory=dict)
    newest: datetime | None = None

    @property
    def open_rides(self) -> dict[str, dict[str, Any]]:
        return self.state.setdefault("open", {})

    def feed(self, offset: int, line: str) -> None:
        try:
            event = parse_line(line)
        except RowError as exc:
            self.rejected.append(Rejected(offset, line, str(exc)))
            return
        self.newest = event.at if self.newest is None else max(self.newest, event.at)
        if isinstance(event, SystemEvent):
            self._start(event, offset, line)
            return
        ride = self.open_rides.get(event.bike)
        if ride is None:
            reason = (
                f"no [SYSTEM] line seen for {event.bike}: the ride started before the stream "
                "was read, rider unknown"
            )
            self.rejected.append(Rejected(offset, line, reason))
        elif isinstance(event, RideEvent):
            self._ride_line(ride, event, offset, line)
        else:
            self._telemetry_line(ride, event, offset, line)

    def _start(self, event: SystemEvent, offset: int, line: str) -> None:
        previous = self.open_rides.get(event.bike)
        if previous is not None:
            self._drop_pending(previous, "Ride line without its Telemetry line (next ride began)")
        rider = {**event.rider, "last_seen_at": event.at}
        self.riders[rider["user_id"]] = rider
        ride = _new_ride(event)
        self.open_rides[event.bike] = ride
        self.touched[event.bike + "|" + str(ride["ride_id"])] = self._snapshot(event.bike, ride)

    def _ride_line(self, ride: dict[str, Any], event: RideEvent, offset: int, line: str) -> None:
        self._drop_pending(ride, "Ride line without its Telemetry line")
        last = ride["last_duration"]
        if last is not None and event.duration <= last:
            reason = f"duration {event.duration:g} s does not follow {last:g} s of this ride"
            self.rejected.append(Rejected(offset, line, reason))
            return
        ride["pending"] = {
            "offset": offset,
            "line": line,
            "at": event.at.isoformat(),
            "duration": event.duration,
            "resistance": event.resistance,
        }

    def _telemetry_line(
        self, ride: dict[str, Any], event: TelemetryEvent, offset: int, line: str
    ) -> None:
        pending = ride["pending"]
        if pending is None:
            self.rejected.append(
                Rejected(offset, line, "Telemetry line without a Ride line before it")
            )
            return
        ride["pending"] = None
        heart_rate = event.hrt if event.hrt > 0 else None  # 0 = no heart-rate signal
        self.seconds.append(
            {
                "ride_id": ride["ride_id"],
                "duration_s": pending["duration"],
                "recorded_at": datetime.fromisoformat(pending["at"]),
                "bike_id": event.bike,
                "user_id": ride["user_id"],
                "resistance": pending["resistance"],
                "heart_rate": heart_rate,
                "rpm": event.rpm,
                "power": event.power,
                "log_offset": pending["offset"],
            }
        )
        ride["seconds"] += 1
        ride["last_at"] = pending["at"]
        ride["last_duration"] = pending["duration"]
        ride["sum_power"] += event.power
        ride["sum_rpm"] += event.rpm
        ride["sum_resistance"] += pending["resistance"]
        ride["max_power"] = max(ride["max_power"] or 0.0, event.power)
        if heart_rate is not None:
            ride["hr_seconds"] += 1
            ride["sum_hr"] += heart_rate
            ride["max_hr"] = max(ride["max_hr"] or 0.0, heart_rate)
        self.touched[event.bike + "|" + str(ride["ride_id"])] = self._snapshot(event.bike, ride)

    def _drop_pending(self, ride: dict[str, Any], reason: str) -> None:
        pending = ride.get("pending")
        if pending is not None:
            self.rejected.append(Rejected(pending["offset"], pending["line"], reason))
            ride["pending"] = None

    @staticmethod
    def _snapshot(bike: str, ride: dict[str, Any]) -> dict[str, Any]:
        seconds, hr_seconds = ride["seconds"], ride["hr_seconds"]
        return {
            "ride_id": ride["ride_id"],
            "bike_id": bike,
            "user_id": ride["user_id"],
            "started_at": datetime.fromisoformat(ride["started_at"]),
            "last_second_at": datetime.fromisoformat(ride["last_at"]) if seconds else None,
            "duration_s": ride["last_duration"] or 0.0,
            "seconds_recorded": seconds,
            "heart_rate_seconds": hr_seconds,
            "avg_heart_rate": ride["sum_hr"] / hr_seconds if hr_seconds else None,
            "max_heart_rate": ride["max_hr"],
            "avg_power": ride["sum_power"] / seconds if seconds else None,
            "max_power": ride["max_power"],
            "avg_rpm": ride["sum_rpm"] / seconds if seconds else None,
            "avg_resistance": ride["sum_resistance"] / seconds if seconds else None,
            "energy_kj": ride["sum_power"] / 1000.0,  # one power sample per second: J → kJ
        }

    def take_seconds(self) -> list[dict[str, Any]]:
        rows, self.seconds = self.seconds, []
        return rows

    def take_rejected(self) -> list[Rejected]:
        rows, self.rejected = self.rejected, []
        return rows

    def finish(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Riders and ride summaries touched by this run; forgets rides silent for too long."""
        if self.newest is not None:
            horizon = self.newest - timedelta(seconds=STALE_RIDE_S)
            for bike, ride in list(self.open_rides.items()):
                if datetime.fromisoformat(ride["last_at"]) < horizon:
                    self._drop_pending(ride, "Ride line without its Telemetry line (ride ended)")
                    del self.open_rides[bike]
                    log.info("%s: ride %s closed after silence", bike, ride["ride_id"])
        return list(self.riders.values()), list(self.touched.values())
