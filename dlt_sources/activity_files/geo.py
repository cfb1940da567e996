"""Distances along a track (haversine on the mean Earth sphere) and elevation gain."""

from __future__ import annotations

import numpy as np

from .settings import EARTH_RADIUS_M, ELEVATION_HYSTERESIS_M


def haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distances in metres between points given in degrees (element-wise)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlambda = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def cumulative_distance_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distance travelled up to each sample: haversine between consecutive positioned samples.

    A sample without a position keeps the distance reached so far; samples before the first
    position are NaN (nothing travelled is known yet).
    """
    out = np.full(lat.shape, np.nan)
    known = ~(np.isnan(lat) | np.isnan(lon))
    index = np.flatnonzero(known)
    if index.size == 0:
        return out
    steps = haversine_m(lat[index[:-1]], lon[index[:-1]], lat[index[1:]], lon[index[1:]])
    out[index] = np.concatenate([[0.0], np.cumsum(steps)])
    # Carry the last known distance forward over samples without a position.
    filled = np.where(known, np.arange(lat.size), -1)
    np.maximum.accumulate(filled, out=filled)
    reached = filled >= 0
    out[reached] = out[filled[reached]]
    return out


def elevation_gain_m(
    altitude: np.ndarray, hysteresis_m: float = ELEVATION_HYSTERESIS_M
) -> float | None:
    """Sum of the climbs between turning points of the altitude that differ by ≥ hysteresis.

    A climb counts whole (valley to peak) once the altitude has risen `hysteresis_m` above the
    valley and later fallen `hysteresis_m` below the peak (or the track ends); wiggles smaller
    than that are noise and add nothing. None without two altitudes.
    """
    values = altitude[~np.isnan(altitude)]
    if values.size < 2:
        return None
    gain = 0.0
    low = high = float(values[0])
    climbing: bool | None = None  # unknown until the first swing of hysteresis_m
    for value in values[1:].tolist():
        if climbing is None:
            low, high = min(low, value), max(high, value)
            if value - low >= hysteresis_m:
                climbing, high = True, value
            elif high - value >= hysteresis_m:
                climbing, low = False, value
        elif climbing:
            if value > high:
                high = value
            elif high - value >= hysteresis_m:
                gain += high - low
                climbing, low = False, value
        elif value < low:
            low = value
        elif value - low >= hysteresis_m:
            climbing, high = True, value
    if climbing:
        gain += high - low
    return gain
