"""Poll every person concurrently for one window, writing micro-batches as it goes.

One thread per person asks the API every `delay_s` (the delay counts from the start of the
previous request, so a slow answer does not add to it); the calling thread drains what they
fetched every `batch_s` and writes it with `FootSensorStore.write`. A failing request is
counted and retried at the next tick; a malformed answer is quarantined.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from ..common.quarantine import RowError
from .helpers import FootSensorClient
from .rows import Poll, parse_poll
from .store import BatchCounts, FootSensorStore, Quarantined

log = logging.getLogger(__name__)


@dataclass
class PollStats:
    requests: int = 0
    errors: int = 0
    batches: int = 0
    stored: BatchCounts = field(default_factory=BatchCounts)
    max_flush_s: float = 0.0


@dataclass
class WindowPoller:
    """Settings of one polling window; `run(store)` blocks for `window_s`."""

    base_url: str
    person_ids: Sequence[int]
    delay_s: float
    window_s: float
    batch_s: float
    client_factory: Callable[[str], FootSensorClient] = FootSensorClient
    _queue: queue.Queue[Poll | Quarantined] = field(default_factory=queue.Queue, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _stats: PollStats = field(default_factory=PollStats, init=False)
    # Set when the window ends early (the run is interrupted): the threads stop at once.
    _stop: threading.Event = field(default_factory=threading.Event, init=False)

    def run(self, store: FootSensorStore) -> PollStats:
        deadline = time.monotonic() + self.window_s
        threads = [
            threading.Thread(
                target=self._poll_person, args=(person_id, deadline), name=f"poll-{person_id}"
            )
            for person_id in self.person_ids
        ]
        for thread in threads:
            thread.start()
        try:
            next_flush = time.monotonic() + self.batch_s
            while any(thread.is_alive() for thread in threads):
                time.sleep(max(0.0, min(next_flush, deadline) - time.monotonic()))
                if time.monotonic() >= next_flush:
                    self._flush(store)
                    next_flush += self.batch_s
        finally:
            self._stop.set()  # normally they are done; on an interruption, stop them now
            for thread in threads:
                thread.join()
            self._flush(store)
        log.info(
            "foot sensors: %d requests, %d failed, %d readings (%d anomalies) in %d batches, "
            "%d quarantined",
            self._stats.requests, self._stats.errors, self._stats.stored.readings,
            self._stats.stored.anomalies, self._stats.batches, self._stats.stored.quarantined,
        )  # fmt: skip
        return self._stats

    def _poll_person(self, person_id: int, deadline: float) -> None:
        client = self.client_factory(self.base_url)
        errors_in_row = 0
        try:
            while (started := time.monotonic()) < deadline and not self._stop.is_set():
                polled_at = datetime.now(UTC)
                try:
                    payload = client.fetch(person_id)
                    self._queue.put(parse_poll(person_id, payload, polled_at))
                    errors_in_row = 0
                except RowError as exc:
                    raw = payload if isinstance(payload, dict | list | str) else repr(payload)
                    self._queue.put(Quarantined(f"person/{person_id}", raw, str(exc), polled_at))
                except (requests.RequestException, ValueError) as exc:
                    errors_in_row += 1
                    with self._lock:
                        self._stats.errors += 1
                    if errors_in_row in (1, 10, 100):  # say it, but do not flood the log
                        log.warning("person %d: %s (%d in a row)", person_id, exc, errors_in_row)
                with self._lock:
                    self._stats.requests += 1
                pause = self.delay_s - (time.monotonic() - started)
                if pause > 0:
                    self._stop.wait(min(pause, max(0.0, deadline - time.monotonic())))
        finally:
            client.close()

    def _flush(self, store: FootSensorStore) -> None:
        polls: list[Poll] = []
        bad: list[Quarantined] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            (bad if isinstance(item, Quarantined) else polls).append(item)
        if not polls and not bad:
            return
        started = time.monotonic()
        counts = store.write(polls, bad)
        elapsed = time.monotonic() - started
        self._stats.batches += 1
        self._stats.stored.add(counts)
        self._stats.max_flush_s = max(self._stats.max_flush_s, elapsed)
        log.debug("batch: %d readings in %.3f s", counts.readings, elapsed)
