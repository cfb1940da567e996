"""Bike telemetry constants: bounds of plausible values, paging, table names."""

from __future__ import annotations

SOURCE = "bikes"  # tables raw.bikes_*; asset keys bikes/<table>

PAGE_LINES = 2000  # lines asked for per request
MAX_LINES_PER_RUN = 200_000  # a run that far behind stops there; the next one continues
HTTP_TIMEOUT_S = (2.0, 10.0)
PROBE_TIMEOUT_S = 1.0
STALE_RIDE_S = 3600  # an open ride silent for this long is forgotten by the loader's state

# Plausible ranges; a value outside sends its line to quarantine.
BOUNDS: dict[str, tuple[float, float]] = {
    "duration": (0.0, 86_400.0),
    "resistance": (0.0, 100.0),
    "hrt": (0.0, 250.0),
    "rpm": (0.0, 300.0),
    "power": (0.0, 3000.0),
    "height_cm": (50.0, 250.0),
    "weight_kg": (20.0, 300.0),
}
