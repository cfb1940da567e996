"""Builders for Withings measure groups (``measuregrps`` items of Measure - Getmeas)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Default decimal exponent per meastype (value * 10**unit = SI value).
DEFAULT_UNITS: dict[int, int] = {1: -3, 4: -2, 5: -3, 6: -3, 8: -3, 11: 0, 76: -2, 77: -2, 88: -2}


def encode_measure(value: float, unit: int) -> int:
    return round(value * 10 ** (-unit))


def decode_measure(value: int, unit: int) -> float:
    return float(value * 10**unit) if unit >= 0 else value / 10 ** (-unit)


def make_withings_groups(
    rows: Iterable[tuple[int, Mapping[int, float]]],
    *,
    first_grpid: int = 5_000_000_000,
    category: int = 1,
    units: Mapping[int, int] | None = None,
    created_lag: int = 60,
    deviceid: str = "c405eb8e0e053f6601e151c7e43c04e29aad6956",
    timezone: str = "Europe/Paris",
) -> list[dict[str, Any]]:
    """Build measure groups from ``(epoch, {meastype: SI value})`` rows.

    Values are stored as Withings does: an int ``value`` plus decimal exponent ``unit``
    (72.345 kg of type 1 -> ``{"value": 72345, "unit": -3}``). ``created`` and ``modified`` are
    ``epoch + created_lag``.
    """
    unit_map = {**DEFAULT_UNITS, **(units or {})}
    groups: list[dict[str, Any]] = []
    for offset, (epoch, measures) in enumerate(rows):
        stamp = int(epoch) + created_lag
        groups.append(
            {
                "grpid": first_grpid + offset,
                "attrib": 0,
                "date": int(epoch),
                "created": stamp,
                "modified": stamp,
                "category": category,
                "deviceid": deviceid,
                "hash_deviceid": deviceid,
                "measures": [
                    {
                        "value": encode_measure(value, unit_map.get(mtype, -3)),
                        "type": mtype,
                        "unit": unit_map.get(mtype, -3),
                        "algo": 0,
                        "fm": 3,
                    }
                    for mtype, value in measures.items()
                ],
                "modelid": 13,
                "model": "Body+",
                "comment": None,
                "timezone": timezone,
            }
        )
    return groups
