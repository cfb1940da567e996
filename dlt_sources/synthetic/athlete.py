"""A synthetic athlete: training plan, runs, CrossFit sets and weigh-ins over a span of days.

Weight responds to training volume (more running and CrossFit → weight and fat ratio fall) with
day-to-day noise, so the forecast has a real relation to learn. Everything is drawn from one
seeded generator: the same arguments always give the same athlete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

CROSSFIT_EXERCISES = {
    # canonical name: (spellings users type, base working weight in kg or None for bodyweight)
    "back_squat": (["Back squat", "back-squat", "BACK SQUAT"], 80.0),
    "deadlift": (["Deadlift", "dead lift"], 100.0),
    "clean_and_jerk": (["Clean & Jerk", "clean and jerk"], 55.0),
    "snatch": (["Snatch"], 40.0),
    "front_squat": (["Front Squat", "front squat"], 65.0),
    "strict_press": (["Strict press", "Shoulder press"], 40.0),
    "kettlebell_swing": (["KB swing", "Kettlebell swing"], 24.0),
    "pull_up": (["Pull-ups", "pull up"], None),
    "burpee": (["Burpees"], None),
}


@dataclass
class SyntheticAthlete:
    """All raw events of one synthetic athlete, in local time."""

    athlete_id: str
    timezone: str
    weigh_ins: list[dict] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    crossfit_sets: list[dict] = field(default_factory=list)


def simulate_athlete(
    athlete_id: str = "demo",
    *,
    end: date = date(2026, 10, 31),
    years: float = 3.0,
    seed: int = 7,
    timezone: str = "Europe/Paris",
    start_weight: float = 82.0,
    start_fat_pct: float = 22.0,
) -> SyntheticAthlete:
    """Simulate `years` of training and weigh-ins ending on `end` (inclusive)."""
    rng = np.random.default_rng(seed)
    n_days = int(round(365.25 * years))
    start = end - timedelta(days=n_days - 1)
    athlete = SyntheticAthlete(athlete_id=athlete_id, timezone=timezone)

    weight, fat_pct = start_weight, start_fat_pct
    week_km_target, week_cf_target = 15.0, 2.0
    vacation_left = 0
    strength = 1.0
    for offset in range(n_days):
        day = start + timedelta(days=offset)
        if day.weekday() == 0:  # a new week: the plan drifts in blocks
            if rng.random() < 0.2:
                week_km_target = float(rng.choice([0.0, 8.0, 15.0, 25.0, 35.0, 45.0]))
                week_cf_target = float(rng.choice([0.0, 1.0, 2.0, 3.0, 4.0]))
            if vacation_left == 0 and rng.random() < 0.04:
                vacation_left = int(rng.integers(4, 12))
        on_vacation = vacation_left > 0
        vacation_left = max(0, vacation_left - 1)

        run_km = 0.0
        if not on_vacation and rng.random() < week_km_target / 7 / 8:
            run_km = _add_run(athlete, rng, day, weight)
        did_crossfit = (not on_vacation) and rng.random() < week_cf_target / 7
        tonnage = _add_crossfit(athlete, rng, day, strength) if did_crossfit else 0.0
        strength *= 1.0006 if did_crossfit else 0.9999

        # Energy balance: a slow drift up, pulled down by running distance and lifting volume.
        weight += 0.02 * (start_weight - weight) + 0.011 - 0.0065 * run_km - 0.00004 * tonnage
        weight += rng.normal(0, 0.03)
        fat_pct += 0.02 * (start_fat_pct - fat_pct) + 0.005 - 0.0030 * run_km
        fat_pct += -0.00002 * tonnage + rng.normal(0, 0.02)
        weight = float(np.clip(weight, 60, 110))
        fat_pct = float(np.clip(fat_pct, 8, 35))
        if not on_vacation:
            _add_weigh_ins(athlete, rng, day, weight, fat_pct)
    # A generator of its own: the draws above (and so every other sample file) stay as they were.
    _add_session_rpe(athlete, np.random.default_rng([seed, 17]))
    return athlete


def _add_run(
    athlete: SyntheticAthlete, rng: np.random.Generator, day: date, weight: float
) -> float:
    km = float(np.clip(rng.normal(8.0, 3.0), 2.0, 25.0))
    pace_s_per_km = float(np.clip(rng.normal(330 + (weight - 75) * 2, 25), 240, 480))
    moving = int(km * pace_s_per_km)
    start = datetime.combine(day, time(int(rng.choice([7, 12, 18, 19])), int(rng.integers(0, 60))))
    sport = "Run" if rng.random() < 0.85 else str(rng.choice(["TrailRun", "Ride", "Walk"]))
    athlete.runs.append(
        {
            "start_local": start,
            "name": f"{'Morning' if start.hour < 11 else 'Evening'} {sport}",
            "sport_type": sport,
            "distance_m": round(km * 1000, 1),
            "moving_time_s": moving,
            "elapsed_time_s": moving + int(rng.integers(0, 600)),
            "elevation_gain_m": round(float(rng.gamma(2.0, 25.0)), 1),
            "average_heartrate": round(float(rng.normal(150, 8)), 1),
            "max_heartrate": round(float(rng.normal(178, 6)), 1),
        }
    )
    return km if sport in ("Run", "TrailRun") else 0.0


def _add_crossfit(
    athlete: SyntheticAthlete, rng: np.random.Generator, day: date, strength: float
) -> float:
    names = list(CROSSFIT_EXERCISES)
    chosen = rng.choice(len(names), size=int(rng.integers(2, 5)), replace=False)
    tonnage = 0.0
    for index in chosen:
        canonical = names[int(index)]
        spellings, base = CROSSFIT_EXERCISES[canonical]
        reps = int(rng.choice([1, 3, 5, 8, 10, 12, 15, 20]))
        sets = int(rng.integers(1, 6))
        weight = None
        if base is not None:
            weight = (
                round(base * strength * (1.15 - reps / 40) * rng.uniform(0.9, 1.05) / 2.5) * 2.5
            )
            tonnage += weight * reps * sets
        athlete.crossfit_sets.append(
            {
                "date": day,
                "exercise": str(rng.choice(spellings)),
                "sets": sets,
                "reps": reps,
                "weight": weight,
                "unit": "kg",
                "notes": "",
            }
        )
    return tonnage


def _add_session_rpe(athlete: SyntheticAthlete, rng: np.random.Generator) -> None:
    """The most recent 60 % of CrossFit sessions log an RPE and a duration on their first line
    (one in five also on the last line, half a point harder): the older 40 % have neither, so
    the sample has both the session-RPE load and its tonnage fallback."""
    lines = athlete.crossfit_sets
    days = sorted({line["date"] for line in lines})
    logged = set(days[int(len(days) * 0.4) :])
    first: dict[date, int] = {}
    last: dict[date, int] = {}
    for index, line in enumerate(lines):
        first.setdefault(line["date"], index)
        last[line["date"]] = index
    for day in sorted(logged):
        line = lines[first[day]]
        line["rpe"] = float(rng.choice([5.0, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0]))
        line["duration_min"] = float(rng.integers(30, 76))
        if last[day] != first[day] and rng.random() < 0.2:
            lines[last[day]]["rpe"] = min(line["rpe"] + 0.5, 10.0)


def _add_weigh_ins(
    athlete: SyntheticAthlete, rng: np.random.Generator, day: date, weight: float, fat_pct: float
) -> None:
    if rng.random() < 0.2:  # skipped day
        return
    count = 1 if rng.random() < 0.85 else int(rng.integers(2, 4))
    minutes = sorted(
        int(m) for m in rng.choice(np.arange(6 * 60, 23 * 60), size=count, replace=False)
    )
    for minute in minutes:
        w = weight + (minute - 7 * 60) / 60 * 0.05 + rng.normal(0, 0.25)
        f = fat_pct + rng.normal(0, 0.4)
        measured = datetime.combine(day, time()) + timedelta(
            minutes=minute, seconds=int(rng.integers(60))
        )
        athlete.weigh_ins.append(
            {
                "measured_local": measured,
                "weight_kg": round(w, 2),
                "fat_mass_kg": round(w * f / 100, 2),
                "bone_mass_kg": round(3.1 + rng.normal(0, 0.03), 2),
                "muscle_mass_kg": round(w * (1 - f / 100) * 0.94, 2),
                "hydration_kg": round(w * 0.55 + rng.normal(0, 0.3), 2),
            }
        )
