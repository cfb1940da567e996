"""Embedded simulators for `fitelt serve`: started for each live API that is not configured."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from dlt_sources.simulators.bikes import BikeSimulator
from dlt_sources.simulators.foot_sensors import FootSensorSimulator

log = logging.getLogger("fitelt")


def start_embedded_simulators() -> list[Callable[[], None]]:
    """Start simulators for unset FITELT_SENSORS_API / FITELT_BIKES_API on free loopback
    ports, and export their URLs so the Dagster processes started next poll them.

    Returns the functions that stop them.
    """
    stops: list[Callable[[], None]] = []
    if not os.environ.get("FITELT_SENSORS_API"):
        server = FootSensorSimulator().serve()
        os.environ["FITELT_SENSORS_API"] = server.url
        stops.append(server.close)
        log.info("foot-sensor simulator: %s (set FITELT_SENSORS_API for a real one)", server.url)
    if not os.environ.get("FITELT_BIKES_API"):
        bikes = BikeSimulator()
        server = bikes.serve()
        os.environ["FITELT_BIKES_API"] = server.url
        stops.extend([server.close, bikes.stop])
        log.info("bike log simulator: %s (set FITELT_BIKES_API for a real one)", server.url)
    return stops
