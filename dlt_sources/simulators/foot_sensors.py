"""Foot-pressure insoles of six people walking: `GET /{person_id}` like the original API.

Each person walks a gait cycle of their own (cadence, pressure, phase): a stance phase rolls the
load from the heel sensors (0, 1) over the midfoot (2, 3) to the forefoot (4, 5), then the foot
swings with almost no pressure. Values are 10-bit ADC readings (0–1023, saturating at 1023).
With probability `anomaly_rate` a request gets one sensor replaced by an implausible reading
flagged `"anomaly": true`. Values and anomalies are deterministic for a seed and a clock.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .http import JsonServer

SENSORS = 6
MAX_VALUE = 1023
TRACE_SECONDS = 300  # a walk ("trace") is recorded for 5 minutes, then a new one starts
STANCE = 0.62  # share of the gait cycle the foot is on the ground
# Centre of each sensor's load within the stance phase: heel, heel, mid, mid, fore, toes.
SENSOR_CENTRES = (0.12, 0.18, 0.38, 0.45, 0.66, 0.78)
TRACE_NAMES = ("bach", "chopin", "mozart", "vivaldi", "haydn", "liszt")


@dataclass(frozen=True)
class Person:
    person_id: int
    firstname: str
    lastname: str
    birthdate: str  # the API sends the year only, as a string
    disabled: bool


PEOPLE = (
    Person(1, "Janek", "Grzegorczyk", "1982", False),
    Person(2, "Elżbieta", "Kochalska", "1946", True),
    Person(3, "Albert", "Lisowski", "1975", False),
    Person(4, "Ewelina", "Nosowska", "1990", False),
    Person(5, "Piotr", "Fokalski", "1961", True),
    Person(6, "Bartosz", "Moskalski", "2001", False),
)


class _Walker:
    """One person's gait; `sample` is called under the simulator's lock."""

    def __init__(self, person: Person, seed: int) -> None:
        self.person = person
        self.rng = random.Random(seed * 1009 + person.person_id)
        self.cycle_s = self.rng.uniform(1.0, 1.3) * (1.25 if person.disabled else 1.0)
        self.phase0 = self.rng.random()
        self.gain = [self.rng.uniform(0.8, 1.4) for _ in range(SENSORS)]
        if person.disabled:  # a shuffling gait: little push-off from the forefoot
            self.gain[4] *= 0.45
            self.gain[5] *= 0.35

    def sample(self, now: float, anomaly_rate: float) -> dict[str, Any]:
        phase = (now / self.cycle_s + self.phase0) % 1.0
        sensors = []
        for sensor_id, centre in enumerate(SENSOR_CENTRES):
            load = 0.0
            if phase < STANCE:
                x = (phase / STANCE - centre) / 0.16
                load = math.exp(-x * x) * self.gain[sensor_id]
            noise = self.rng.gauss(0, 12)
            value = int(round(min(MAX_VALUE, max(0.0, load * MAX_VALUE + 8 + noise))))
            sensors.append({"anomaly": False, "id": sensor_id, "value": value})
        if self.rng.random() < anomaly_rate:
            broken = sensors[self.rng.randrange(SENSORS)]
            broken["anomaly"] = True
            broken["value"] = MAX_VALUE - broken["value"]  # an inverted, implausible reading
        trace_no = int(now // TRACE_SECONDS)
        return {
            "birthdate": self.person.birthdate,
            "disabled": self.person.disabled,
            "firstname": self.person.firstname,
            "id": self.person.person_id,
            "lastname": self.person.lastname,
            "trace": {
                "id": 2350401000000 + trace_no % 1_000_000 * 10 + self.person.person_id,
                "name": TRACE_NAMES[(trace_no + self.person.person_id) % len(TRACE_NAMES)],
                "sensors": sensors,
            },
        }


class FootSensorSimulator:
    """The sensors API for persons 1–6; `serve()` binds it to an HTTP port."""

    def __init__(
        self,
        *,
        anomaly_rate: float = 0.02,
        seed: int = 7,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0.0 <= anomaly_rate <= 1.0:
            raise ValueError(f"anomaly rate must be within [0, 1], got {anomaly_rate}")
        self.anomaly_rate = anomaly_rate
        self._clock = clock
        self._walkers = {p.person_id: _Walker(p, seed) for p in PEOPLE}
        self._lock = threading.Lock()
        self.requests = 0

    def reading(self, person_id: int) -> dict[str, Any] | None:
        walker = self._walkers.get(person_id)
        if walker is None:
            return None
        with self._lock:
            self.requests += 1
            return walker.sample(self._clock(), self.anomaly_rate)

    def route(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        segment = path.rstrip("/").rsplit("/", 1)[-1]
        if not segment.isdigit():
            return 400, {"error": f"person id must be an integer, got {segment!r}"}
        payload = self.reading(int(segment))
        if payload is None:
            return 404, {"error": f"no person {segment}; known ids are 1-{len(PEOPLE)}"}
        return 200, payload

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> JsonServer:
        return JsonServer(self.route, host, port)
