"""Builders for Oura API v2 documents (SleepModel, DailyReadinessModel) and a deterministic
series for the demo athlete: a night every day (Europe/Paris, woken on `day`), a nap every
seventh day, readiness every day."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def _local_iso(moment: datetime) -> str:
    return moment.astimezone(PARIS).isoformat(timespec="seconds")


def _samples(start: datetime, values: list[float | None]) -> dict[str, Any]:
    return {"interval": 300.0, "items": values, "timestamp": _local_iso(start)}


def make_oura_sleep(
    day: date,
    *,
    sleep_id: str | None = None,
    sleep_type: str = "long_sleep",
    bedtime_start: datetime | None = None,
    minutes_in_bed: int = 480,
    deep_s: int = 5_400,
    rem_s: int = 6_300,
    light_s: int = 14_400,
    awake_s: int | None = None,
    average_hrv: float | None = 52.0,
    lowest_heart_rate: float | None = 48.0,
    **extra: Any,
) -> dict[str, Any]:
    """One sleep period as `/v2/usercollection/sleep` lists it (samples and phases included)."""
    start = bedtime_start or datetime.combine(day, datetime.min.time(), PARIS) - timedelta(
        minutes=60
    )
    end = start + timedelta(minutes=minutes_in_bed)
    in_bed = minutes_in_bed * 60
    total = deep_s + rem_s + light_s
    awake = in_bed - total if awake_s is None else awake_s
    slots = max(1, in_bed // 300)
    document: dict[str, Any] = {
        "id": sleep_id or f"sleep-{day.isoformat()}-{sleep_type}",
        "average_breath": 14.5,
        "average_heart_rate": (lowest_heart_rate or 50.0) + 6.25,
        "average_hrv": average_hrv,
        "awake_time": awake,
        "bedtime_end": _local_iso(end),
        "bedtime_start": _local_iso(start),
        "day": day.isoformat(),
        "deep_sleep_duration": deep_s,
        "efficiency": round(100 * total / in_bed) if in_bed else None,
        "heart_rate": _samples(start, [lowest_heart_rate or 50.0] * slots),
        "hrv": _samples(start, [average_hrv] * slots),
        "latency": 600,
        "light_sleep_duration": light_s,
        "low_battery_alert": False,
        "lowest_heart_rate": lowest_heart_rate,
        "movement_30_sec": "1" * (in_bed // 30),
        "period": 0,
        "readiness": None,
        "readiness_score_delta": None,
        "rem_sleep_duration": rem_s,
        "restless_periods": 180,
        "sleep_algorithm_version": "v2",
        "sleep_phase_5_min": "2" * slots,
        "sleep_score_delta": None,
        "time_in_bed": in_bed,
        "total_sleep_duration": total,
        "type": sleep_type,
    }
    document.update(extra)
    return document


def make_oura_readiness(
    day: date,
    *,
    score: int | None = 78,
    temperature_deviation: float | None = -0.12,
    **extra: Any,
) -> dict[str, Any]:
    """One day as `/v2/usercollection/daily_readiness` lists it."""
    document: dict[str, Any] = {
        "id": f"readiness-{day.isoformat()}",
        "contributors": {
            "activity_balance": 82,
            "body_temperature": 98,
            "hrv_balance": 75,
            "previous_day_activity": 90,
            "previous_night": 70,
            "recovery_index": 88,
            "resting_heart_rate": 93,
            "sleep_balance": 80,
        },
        "day": day.isoformat(),
        "score": score,
        "temperature_deviation": temperature_deviation,
        "temperature_trend_deviation": 0.05,
        "timestamp": datetime.combine(day, datetime.min.time(), PARIS).isoformat(),
    }
    document.update(extra)
    return document


def demo_oura_documents(first_day: date, days: int, seed: int = 18) -> dict[str, list[dict]]:
    """`{"sleep": [...], "daily_readiness": [...]}` for `days` days from `first_day`."""
    rng = random.Random(seed)
    sleep, readiness = [], []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        deep = 3_600 + rng.randrange(0, 3_600, 300)
        rem = 4_800 + rng.randrange(0, 3_600, 300)
        light = 12_600 + rng.randrange(0, 3_600, 300)
        in_bed = (deep + rem + light) // 60 + 20 + rng.randrange(0, 40)
        start = datetime.combine(day, datetime.min.time(), PARIS) - timedelta(
            minutes=rng.randrange(30, 120)
        )
        sleep.append(
            make_oura_sleep(
                day, bedtime_start=start, minutes_in_bed=in_bed, deep_s=deep, rem_s=rem,
                light_s=light, average_hrv=float(40 + rng.randrange(0, 30)),
                lowest_heart_rate=float(44 + rng.randrange(0, 10)),
            )
        )  # fmt: skip
        if offset % 7 == 6:
            nap_start = datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=14)
            sleep.append(
                make_oura_sleep(
                    day, sleep_type="late_nap", bedtime_start=nap_start, minutes_in_bed=30,
                    deep_s=0, rem_s=0, light_s=1_200, average_hrv=None, lowest_heart_rate=58.0,
                )
            )  # fmt: skip
        readiness.append(
            make_oura_readiness(
                day,
                score=60 + rng.randrange(0, 35),
                temperature_deviation=round(rng.uniform(-0.6, 0.6), 2),
            )
        )
    return {"sleep": sleep, "daily_readiness": readiness}
