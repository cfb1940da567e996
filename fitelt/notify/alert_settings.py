"""Alert thresholds and the bike heart-rate limit formula, from the environment.

Read when a run starts; a value that is not a number (or not a known formula) is a one-line
ValueError naming the variable, before anything is evaluated or sent.

| variable | default | alert when |
|---|---|---|
| FITELT_ALERT_ACWR_MAX | 1.5 | the rolling ACWR of the athlete's latest day is above it |
| FITELT_ALERT_TSB_MIN | -30 | the TSB (form) of the latest day is below it |
| FITELT_ALERT_RAMP_MAX | 8 | the ramp rate (CTL change over 7 days) is above it |
| FITELT_ALERT_WEIGHIN_SILENT_DAYS | 7 | no weigh-in for that many days (athletes who weigh in) |
| FITELT_ALERT_STRAVA_SILENT_DAYS | 3 | no Strava sync for that many days (athletes on Strava) |
| FITELT_BIKES_HR_LIMIT_FORMULA | 220-age | `220-age` or `tanaka`: round(208 - 0.7 x age) |
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

HR_LIMIT_FORMULAS = ("220-age", "tanaka")
HR_LIMIT_VARIABLE = "FITELT_BIKES_HR_LIMIT_FORMULA"


def _number(name: str, default: float, *, minimum: float | None = None) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a number, got {text[:40]!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {value:g}")
    return value


@dataclass(frozen=True)
class AlertThresholds:
    acwr_max: float = 1.5
    tsb_min: float = -30.0
    ramp_max: float = 8.0
    weighin_silent_days: int = 7
    strava_silent_days: int = 3

    @classmethod
    def from_env(cls) -> AlertThresholds:
        return cls(
            acwr_max=_number("FITELT_ALERT_ACWR_MAX", cls.acwr_max, minimum=0),
            tsb_min=_number("FITELT_ALERT_TSB_MIN", cls.tsb_min),
            ramp_max=_number("FITELT_ALERT_RAMP_MAX", cls.ramp_max),
            weighin_silent_days=_days("FITELT_ALERT_WEIGHIN_SILENT_DAYS", cls.weighin_silent_days),
            strava_silent_days=_days("FITELT_ALERT_STRAVA_SILENT_DAYS", cls.strava_silent_days),
        )


def _days(name: str, default: int) -> int:
    value = _number(name, default, minimum=1)
    if value != int(value):
        raise ValueError(f"{name} must be a whole number of days, got {value:g}")
    return int(value)


def hr_limit_formula() -> str:
    """`220-age` (the default, as seed 003 asks) or `tanaka`; ValueError for anything else."""
    text = os.environ.get(HR_LIMIT_VARIABLE, "").strip().lower() or HR_LIMIT_FORMULAS[0]
    if text not in HR_LIMIT_FORMULAS:
        raise ValueError(
            f"{HR_LIMIT_VARIABLE} must be one of {', '.join(HR_LIMIT_FORMULAS)}, got {text[:40]!r}"
        )
    return text


def hr_limit_sql(age: str, formula: str | None = None) -> str:
    """The SQL expression of the limit for the age expression `age` (a constant, no input).

    Tanaka is rounded to the nearest bpm, halves up (PostgreSQL's round of a numeric): age 35
    gives 208 - 24.5 = 183.5, so 184.
    """
    formula = formula or hr_limit_formula()
    if formula == "tanaka":
        return f"round(208 - 0.7 * ({age}))::int"
    return f"(220 - ({age}))"


def hr_limit_label(formula: str | None = None) -> str:
    """How the limit is shown in messages: '220 - age' or 'Tanaka: 208 - 0.7 x age'."""
    return "Tanaka: 208 - 0.7 x age" if (formula or hr_limit_formula()) == "tanaka" else "220 - age"
