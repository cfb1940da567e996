"""Strava's per-application rate limits, read from response headers and kept across athletes.

Every API response carries `X-RateLimit-Limit`/`X-RateLimit-Usage` (all requests) and
`X-ReadRateLimit-Limit`/`X-ReadRateLimit-Usage` (reads), each "15-minute,daily". A request over
either budget is refused with 429 and still counts, so we stop before sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..common.errors import RateLimited

__all__ = ["RateBudget", "RateLimited"]

log = logging.getLogger(__name__)

WINDOWS = {"overall": "X-RateLimit", "read": "X-ReadRateLimit"}


def _pair(value: str | None) -> tuple[int, int] | None:
    try:
        short, daily = (int(part.strip()) for part in (value or "").split(","))
    except ValueError:
        return None
    return short, daily


@dataclass
class RateBudget:
    """Last usage Strava reported; shared by all clients of one app (the limits are per app)."""

    reserve: int = 0
    usage: dict[str, tuple[int, int]] = field(default_factory=dict)
    limits: dict[str, tuple[int, int]] = field(default_factory=dict)

    def update(self, headers: Mapping[str, str]) -> None:
        for name, prefix in WINDOWS.items():
            limit = _pair(headers.get(f"{prefix}-Limit"))
            used = _pair(headers.get(f"{prefix}-Usage"))
            if limit and used:
                self.limits[name], self.usage[name] = limit, used

    def check(self) -> None:
        """Raise RateLimited when the next request would go over a 15-minute or daily budget."""
        for name, (short_used, daily_used) in self.usage.items():
            short_limit, daily_limit = self.limits[name]
            if short_used >= short_limit - self.reserve:
                raise RateLimited(
                    f"Strava {name} 15-minute budget used ({short_used}/{short_limit}); "
                    "stopping until the next run"
                )
            if daily_used >= daily_limit - self.reserve:
                raise RateLimited(
                    f"Strava {name} daily budget used ({daily_used}/{daily_limit}); "
                    "stopping until the next run"
                )

    def describe(self) -> str:
        parts = [
            f"{name} {self.usage[name][0]}/{self.limits[name][0]} (15 min), "
            f"{self.usage[name][1]}/{self.limits[name][1]} (day)"
            for name in sorted(self.usage)
        ]
        return "; ".join(parts) or "no usage reported yet"
