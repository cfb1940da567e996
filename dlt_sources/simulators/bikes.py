"""Exercise bikes streaming log lines in the original system's style, served from an offset.

Every bike loops: a rider gets on (one `[SYSTEM] data = {…}` line with the rider's details),
then each second a `Ride` line (elapsed seconds, resistance) and, half a second later, a
`Telemetry` line (heart rate, cadence, power); after the ride a short pause. Lines of all bikes
go into one log, oldest first, addressed by a global offset:

* ``GET /logs?offset=N&limit=M`` → ``{"stream_id", "first_offset", "next_offset",
  "end_offset", "lines"}``; an offset older than the retained window starts at its beginning.
* ``GET /status`` → stream id, retained range and bikes currently ridden.

Timestamps are UTC without an offset, like the original logs. `speed` > 1 runs simulated time
faster than the wall clock (tests, demos). Riders, values and alerts-worthy rides are
deterministic for a seed; `append` lets a test feed exact lines.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from .http import JsonServer, int_param

MAX_PAGE = 5000
FIRST = ("Ada", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hugo", "Iris", "Jamal", "Kate")
LAST = ("Shaw", "Lawson", "Okafor", "Nguyen", "Patel", "Rossi", "Smith", "Wong", "Kowalski")


def log_time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def system_line(at: float, bike: str, rider: dict[str, Any]) -> str:
    return f"{log_time(at)} {bike}: [SYSTEM] data = {json.dumps(rider)}"


def ride_line(at: float, bike: str, duration: float, resistance: int) -> str:
    return (
        f"{log_time(at)} {bike}: [INFO]: Ride - duration = {duration:.1f}; "
        f"resistance = {resistance}"
    )


def telemetry_line(at: float, bike: str, hrt: int, rpm: int, power: float) -> str:
    return f"{log_time(at)} {bike}: [INFO]: Telemetry - hrt = {hrt}; rpm = {rpm}; power = {power}"


def make_riders(seed: int, count: int = 40) -> list[dict[str, Any]]:
    """The simulated customer base: the same user ids come back for several rides."""
    rng = random.Random(seed)
    riders = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        born = date(rng.randint(1944, 2011), rng.randint(1, 12), rng.randint(1, 28))
        riders.append(
            {
                "user_id": 1000 + n * 7 + rng.randint(0, 6),
                "name": f"{first} {last}",
                "gender": rng.choice(("female", "male")),
                "address": f"{rng.randint(1, 200)} High Street, London",
                "date_of_birth": born.isoformat(),
                "email": f"{first}.{last}{n}@example.com".lower(),
                "height_cm": rng.randint(150, 198),
                "weight_kg": rng.randint(45, 110),
                "account_create_date": date(2021, rng.randint(1, 12), 1).isoformat(),
                "bike_serial": f"SN{rng.randint(10**6, 10**7 - 1)}",
            }
        )
    return riders


def _age(born: str, at: float) -> int:
    birth = date.fromisoformat(born)
    today = datetime.fromtimestamp(at, UTC).date()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class _Bike:
    """One bike's endless sequence of (time, line) events."""

    def __init__(self, number: int, sim: BikeSimulator, start: float, mid_ride: bool) -> None:
        self.name = f"bike-{number:02d}"
        self.rng = random.Random(sim.seed * 31 + number)
        self.sim = sim
        self.riding = False
        self._events = self._rides(start + self.rng.uniform(0, 3), mid_ride)
        self.next = next(self._events)

    def _rides(self, at: float, mid_ride: bool) -> Iterator[tuple[float, str]]:
        skip = self.rng.randint(20, 60) if mid_ride else 0
        while True:
            rider = self.rng.choice(self.sim.riders)
            length = self.rng.randint(*self.sim.ride_seconds)
            self.riding = True
            yield from self._ride(at, rider, length, skip)
            self.riding = False
            at += length + self.rng.uniform(*self.sim.pause_seconds)
            skip = 0

    def _ride(
        self, t0: float, rider: dict[str, Any], length: int, skip: int
    ) -> Iterator[tuple[float, str]]:
        rng = self.rng
        max_hr = 220 - _age(rider["date_of_birth"], t0)
        hard = rng.random() < self.sim.hard_ride_rate
        intensity = rng.uniform(1.03, 1.08) if hard else rng.uniform(0.5, 0.85)
        rest = rng.uniform(60, 80)
        resistance = rng.randrange(20, 80, 5)
        if not skip:
            yield t0, system_line(t0, self.name, rider)
        for second in range(max(1, skip), length + 1):
            if rng.random() < 0.03:
                resistance = min(100, max(10, resistance + rng.choice((-10, -5, 5, 10))))
            at = t0 + second
            yield at, ride_line(at, self.name, float(second), resistance)
            warm = 1 - math.exp(-second / 45)
            hrt = int(rest + (max_hr - rest) * intensity * warm + rng.gauss(0, 2))
            hrt = 0 if rng.random() < 0.01 else hrt  # the chest strap drops out now and then
            rpm = max(0, int(rng.gauss(72 if not hard else 88, 6)))
            power = round(max(0.0, rpm * resistance * 0.035 + rng.gauss(0, 4)), 1)
            yield at + 0.5, telemetry_line(at + 0.5, self.name, hrt, rpm, power)


class BikeSimulator:
    """Several bikes writing one log; `serve()` exposes it over HTTP and starts the clock."""

    def __init__(
        self,
        *,
        bikes: int = 3,
        speed: float = 1.0,
        seed: int = 7,
        ride_seconds: tuple[int, int] = (300, 900),
        pause_seconds: tuple[float, float] = (5.0, 30.0),
        hard_ride_rate: float = 0.15,
        retain_lines: int = 200_000,
        mid_ride: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed
        self.speed = speed
        self.ride_seconds = ride_seconds
        self.pause_seconds = pause_seconds
        self.hard_ride_rate = hard_ride_rate
        self.retain_lines = retain_lines
        self.riders = make_riders(seed)
        self._clock = clock
        self._wall0 = clock()
        self.stream_id = f"s{seed}-{int(self._wall0 * 1000)}"
        self._lines: list[str] = []
        self._first_offset = 0
        self._lock = threading.Lock()
        self._bikes = [_Bike(n, self, self._wall0, mid_ride) for n in range(1, bikes + 1)]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sim_now(self) -> float:
        return self._wall0 + (self._clock() - self._wall0) * self.speed

    def append(self, lines: Iterable[str]) -> None:
        with self._lock:
            self._lines.extend(lines)
            self._trim()

    def tick(self) -> None:
        """Write every event due by the simulated clock, oldest first."""
        now = self.sim_now()
        due: list[tuple[float, str]] = []
        for bike in self._bikes:
            while bike.next[0] <= now:
                due.append(bike.next)
                bike.next = next(bike._events)
        if due:
            self.append(line for _, line in sorted(due, key=lambda event: event[0]))

    def _trim(self) -> None:
        extra = len(self._lines) - self.retain_lines
        if extra > 0:
            del self._lines[:extra]
            self._first_offset += extra

    def page(self, offset: int, limit: int) -> dict[str, Any]:
        with self._lock:
            end = self._first_offset + len(self._lines)
            start = max(offset, self._first_offset)
            lines = self._lines[start - self._first_offset : start - self._first_offset + limit]
            return {
                "stream_id": self.stream_id,
                "first_offset": self._first_offset,
                "next_offset": start + len(lines),
                "end_offset": end,
                "lines": lines,
            }

    def status(self) -> dict[str, Any]:
        with self._lock:
            end = self._first_offset + len(self._lines)
        return {
            "stream_id": self.stream_id,
            "first_offset": self._first_offset,
            "end_offset": end,
            "bikes": len(self._bikes),
            "riding": sorted(b.name for b in self._bikes if b.riding),
        }

    def route(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path.rstrip("/") == "/status":
            return 200, self.status()
        if path.rstrip("/") != "/logs":
            return 404, {"error": f"unknown path {path!r}; use /logs?offset=N or /status"}
        offset = int_param(query, "offset", 0)
        limit = int_param(query, "limit", 1000)
        if offset is None or limit is None:
            return 400, {"error": "offset and limit must be non-negative integers"}
        end = self.status()["end_offset"]
        if offset > end:
            return 416, {"error": f"offset {offset} is beyond the end of the stream ({end})"}
        return 200, self.page(offset, min(limit, MAX_PAGE))

    def start(self) -> None:
        if self._thread is None and self._bikes:
            self._thread = threading.Thread(target=self._run, name="bike-clock", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.tick()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> JsonServer:
        self.start()
        return JsonServer(self.route, host, port)
