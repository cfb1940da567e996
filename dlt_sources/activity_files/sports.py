"""A file's sport name (FIT enum, TCX attribute, GPX type) as one of the contract's sports."""

from __future__ import annotations

import re

from .settings import GENERIC_SUB_SPORTS, SPORT_ALIASES, SPORTS


def normalise_sport(name: object, sub_sport: object = None) -> tuple[str, str | None]:
    """(sport, sub_sport): one of `SPORTS` ('other' when unknown) and a lower-case sub-sport.

    An explicit `sub_sport` (FIT) wins over one implied by the name ("TrailRun" → trail).
    """
    key = re.sub(r"[^a-z0-9]", "", str(name).lower()) if name is not None else ""
    sport, implied = SPORT_ALIASES.get(key, ("other", None))
    if key in SPORTS:
        sport = key
    return sport, _sub_sport(sub_sport) or implied


def _sub_sport(value: object) -> str | None:
    if value is None or isinstance(value, int):  # an enum value the profile does not name
        return None
    text = str(value).strip().lower()
    return None if not text or text in GENERIC_SUB_SPORTS else text
