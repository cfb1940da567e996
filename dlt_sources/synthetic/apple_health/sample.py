"""The sample athlete's Apple Health export.zip: the last `days` days of its sample data.

Coherent with the other sample files: Withings' weigh-ins (sample_data/withings/weight.csv) are
mirrored into Apple Health by the Withings app (same instant give or take a sync lag of
seconds, the value sometimes as a float32's digits), a few weigh-ins only Apple Health holds
(typed in by hand, another scale in pounds), and the runs and rides of
sample_data/strava/activities.csv are Apple Watch workouts with their steps and heart rate.

The duplicate-source cases the wellness mart must count once: iPhone and Watch both count the
steps of the same walks; two sleep apps (the Watch's stages and AutoSleep's old-style
'Asleep') overlap on some nights; the Watch writes one segment twice on others; on the nights
the Watch charges, an iPhone app (Sleep Cycle) writes the only sleep. Some nights have no
InBed (the phone's sleep schedule was off). Types the warehouse does not load (active
energy, exercise time, blood pressure in a Correlation, activity rings) are there to be
counted. Everything is drawn from one seeded generator per day: same arguments, same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ...strava.export import parse_export_date
from ...strava.settings import COL_DATE, COL_DISTANCE_M, COL_ELAPSED_S, COL_TYPE
from .xml_export import export_document, health_time

SAMPLE_DATA = Path(__file__).resolve().parents[3] / "sample_data"
TIMEZONE = "Europe/Paris"
END_DAY = date(2026, 10, 31)
ZIP_DATE = (2026, 11, 1, 8, 0, 0)
PHONE, WATCH = "Demo’s iPhone", "Demo’s Apple Watch"  # the app's curly apostrophe
HK = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
STAGE = "HKCategoryValueSleepAnalysis"
Row = tuple[str, str, str | None, str, datetime, datetime, datetime | None]


def watch_worn(day: date) -> bool:
    """The Watch charges every 9th day (and night): only the iPhone counts steps then."""
    return day.toordinal() % 9 != 0


def write_sample_apple_health(out_dir: Path, *, days: int = 120, seed: int = 11) -> Path:
    """Write `export.zip` (apple_health_export/export.xml and export_cda.xml) into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "export.zip"
    buffer = io.BytesIO()
    tz = ZoneInfo(TIMEZONE)
    exported = datetime.combine(END_DAY + timedelta(days=1), time(8), tz)
    with export_document(buffer, exported=exported) as writer:
        rows, workouts = sample_rows(days=days, seed=seed)
        for row in sorted(rows, key=lambda r: (r[0], r[4], r[1])):
            writer.record(*row)
        _correlation(writer, datetime.combine(END_DAY - timedelta(days=2), time(9), tz))
        for workout in workouts:
            writer.element("Workout", *workout)
        for offset in range(days):
            day = END_DAY - timedelta(days=offset)
            writer.element("ActivitySummary", {"dateComponents": day.isoformat()})
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("apple_health_export/export.xml", buffer.getvalue()),
            ("apple_health_export/export_cda.xml", b'<?xml version="1.0"?>\n<ClinicalDocument/>\n'),
        ):
            archive.writestr(zipfile.ZipInfo(name, ZIP_DATE), data, zipfile.ZIP_DEFLATED)
    return target


def sample_rows(*, days: int, seed: int) -> tuple[list[Row], list[tuple[dict, list]]]:
    tz = ZoneInfo(TIMEZONE)
    first = END_DAY - timedelta(days=days - 1)
    runs = [run for run in strava_runs() if first <= run[0].astimezone(tz).date() <= END_DAY]
    rows: list[Row] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        rng = np.random.default_rng([seed, day.toordinal()])
        day_runs = [run for run in runs if run[0].astimezone(tz).date() == day]
        rows.extend(_steps(day, rng, tz, day_runs))
        rows.extend(_heart(day, rng, tz, day_runs))
        rows.extend(_night(day, rng, tz))
    rows.extend(_body(first, tz))
    pressure = datetime.combine(END_DAY - timedelta(days=2), time(9), tz)
    for kind, value in (("BloodPressureSystolic", "121"), ("BloodPressureDiastolic", "79")):
        rows.append((HK + kind, PHONE, "mmHg", value, pressure, pressure, None))
    workouts = [
        _workout(start, seconds, metres, sport, tz) for start, seconds, metres, sport in runs
    ]
    return rows, workouts


def _local(day: date, minutes: float, tz: ZoneInfo) -> datetime:
    """The instant `minutes` after local midnight of `day` (wall clock, DST-aware)."""
    naive = datetime.combine(day, time()) + timedelta(minutes=round(minutes))
    return naive.replace(tzinfo=tz)


def _steps(day: date, rng: np.random.Generator, tz: ZoneInfo, runs: list) -> Iterator[Row]:
    worn = watch_worn(day)
    for hour in range(7, 22):
        walked = int(rng.integers(0, 1400))
        start, end = _local(day, hour * 60 + 2, tz), _local(day, hour * 60 + 55, tz)
        carried = int(walked * rng.uniform(0.55, 0.95))  # the phone stays on the desk sometimes
        if carried:
            yield (HK + "StepCount", PHONE, "count", str(carried), start, end, None)
        if worn and walked:
            yield (HK + "StepCount", WATCH, "count", str(walked), start, end, None)
    for run_start, seconds, _, sport in runs:
        if worn and sport == "running":  # the phone is left at home on runs
            local = run_start.astimezone(tz)
            yield (HK + "StepCount", WATCH, "count", str(int(seconds / 60 * 165)), local,
                   local + timedelta(seconds=seconds), None)  # fmt: skip


def _heart(day: date, rng: np.random.Generator, tz: ZoneInfo, runs: list) -> Iterator[Row]:
    if not watch_worn(day):
        return
    resting = 50 + (day.toordinal() % 17) / 4 + rng.normal(0, 1.5)
    yield (HK + "RestingHeartRate", WATCH, "count/min", f"{resting:.0f}",
           _local(day, 6 * 60, tz), _local(day, 21 * 60, tz), None)  # fmt: skip
    for minute in range(7 * 60, 22 * 60, 30):
        moment = _local(day, minute, tz)
        value = resting + 22 + rng.normal(0, 8)
        yield (HK + "HeartRate", WATCH, "count/min", f"{value:.0f}", moment, moment, None)
    for run_start, seconds, _, _ in runs:
        local = run_start.astimezone(tz)
        for step in range(0, int(seconds), 300):
            moment = local + timedelta(seconds=step)
            value = 135 + 30 * step / seconds + rng.normal(0, 5)
            yield (HK + "HeartRate", WATCH, "count/min", f"{value:.0f}", moment, moment, None)
    for minute in (90, 210, 330, 14 * 60):  # SDNN over one minute, mostly at night
        end = _local(day, minute, tz)
        value = float(np.exp(rng.normal(np.log(48), 0.25)))
        yield (HK + "HeartRateVariabilitySDNN", WATCH, "ms", f"{value:.4f}",
               end - timedelta(seconds=60), end, None)  # fmt: skip
    for hour in range(7, 22):  # a type the warehouse does not load: counted only
        start = _local(day, hour * 60, tz)
        yield (HK + "ActiveEnergyBurned", WATCH, "kcal", f"{rng.uniform(5, 40):.3f}", start,
               start + timedelta(minutes=59), None)  # fmt: skip


def _night(day: date, rng: np.random.Generator, tz: ZoneInfo) -> Iterator[Row]:
    """The night that ends on the morning of `day` (it belongs to `day`)."""
    bed = _local(day - timedelta(days=1), 22 * 60 + 45 + rng.uniform(0, 80), tz)
    wake = _local(day, 6 * 60 + 20 + rng.uniform(0, 60), tz)
    onset = bed + timedelta(minutes=float(rng.uniform(5, 20)))
    ordinal = day.toordinal()
    if ordinal % 7 != 3:  # the iPhone's sleep schedule: in bed
        yield (SLEEP, PHONE, None, STAGE + "InBed", bed - timedelta(minutes=5),
               wake + timedelta(minutes=3), None)  # fmt: skip
    if not watch_worn(day - timedelta(days=1)):  # charging: only Sleep Cycle on the phone
        yield (SLEEP, "Sleep Cycle", None, STAGE + "AsleepUnspecified", onset, wake, None)
        return
    moment, cycle = onset, 0
    while moment < wake:
        plan = [("AsleepCore", rng.uniform(25, 45))]
        if cycle < 3:
            plan.append(("AsleepDeep", rng.uniform(12, 35) / (cycle + 1)))
        plan += [("AsleepCore", rng.uniform(8, 20)), ("AsleepREM", rng.uniform(10, 25 + 5 * cycle))]
        if rng.random() < 0.4:
            plan.append(("Awake", rng.uniform(1, 6)))
        for stage, minutes in plan:
            end = min(wake, moment + timedelta(minutes=float(minutes)))
            if end <= moment:
                break
            yield (SLEEP, WATCH, None, STAGE + stage, moment, end, None)
            if cycle == 0 and stage == "AsleepCore" and ordinal % 11 == 0:
                yield (SLEEP, WATCH, None, STAGE + stage, moment, end, None)  # written twice
            moment = end
        cycle += 1
    if ordinal % 3 == 0:  # AutoSleep on the same night: pre-iOS 16 'Asleep', overlapping
        start = onset + timedelta(minutes=float(rng.uniform(-15, 10)))
        end = wake + timedelta(minutes=float(rng.uniform(-10, 5)))
        yield (SLEEP, "AutoSleep", None, STAGE + "Asleep", start, end, None)


def _body(first: date, tz: ZoneInfo) -> Iterator[Row]:
    """Withings' weigh-ins mirrored by its app, and a few only Apple Health has."""
    weighed_days = set()
    for index, (moment, kg, fat_kg) in enumerate(withings_weigh_ins(tz)):
        if moment.date() < first:
            continue
        weighed_days.add(moment.date())
        synced = moment + timedelta(seconds=index % 3 * 7)  # a sync lag of seconds at times
        value = repr(float(np.float32(kg))) if index % 4 == 0 else f"{kg:.2f}"
        yield (HK + "BodyMass", "Withings", "kg", value, synced, synced, None)
        if fat_kg is not None:
            yield (HK + "BodyFatPercentage", "Withings", "%", f"{fat_kg / kg:.4f}", synced,
                   synced, None)  # fmt: skip
    manual = [d for d in (first + timedelta(days=k) for k in range(3, 200, 17))
              if d <= END_DAY and d not in weighed_days]  # fmt: skip
    for index, day in enumerate(manual[:6]):
        moment = _local(day, 8 * 60 + 10, tz)
        if index == 2:  # another scale's app, in pounds
            yield (
                HK + "BodyMass",
                "Renpho",
                "lb",
                f"{79.4 / 0.45359237:.1f}",
                moment,
                moment,
                None,
            )
        else:
            yield (
                HK + "BodyMass",
                "Health",
                "kg",
                f"{78.6 + index * 0.3:.1f}",
                moment,
                moment,
                None,
            )


def withings_weigh_ins(tz: ZoneInfo) -> list[tuple[datetime, float, float | None]]:
    """(instant, kg, fat mass kg) of sample_data/withings/weight.csv (local times)."""
    with (SAMPLE_DATA / "withings" / "weight.csv").open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        out = []
        for cells in reader:
            moment = datetime.strptime(cells[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
            fat = float(cells[2]) if cells[2] else None
            out.append((moment, float(cells[1]), fat))
    return sorted(out)


def strava_runs() -> list[tuple[datetime, float, float, str]]:
    """(UTC start, elapsed s, metres, sport) of sample_data/strava/activities.csv."""
    with (SAMPLE_DATA / "strava" / "activities.csv").open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        out = []
        for cells in reader:
            sport = "running" if "Run" in cells[COL_TYPE] else "cycling"
            start = parse_export_date(cells[COL_DATE]).astimezone(UTC)
            out.append((start, float(cells[COL_ELAPSED_S]), float(cells[COL_DISTANCE_M]), sport))
    return sorted(out)


def _workout(start: datetime, seconds: float, metres: float, sport: str, tz: ZoneInfo) -> tuple:
    local = start.astimezone(tz)
    end = local + timedelta(seconds=seconds)
    kcal = metres / 1000 * (70 if sport == "running" else 30)
    kind = "Running" if sport == "running" else "Cycling"
    distance = HK + ("DistanceWalkingRunning" if sport == "running" else "DistanceCycling")
    span = {"startDate": health_time(local), "endDate": health_time(end)}
    attributes = {
        "workoutActivityType": f"HKWorkoutActivityType{kind}",
        "duration": f"{seconds / 60:.4f}",
        "durationUnit": "min",
        "sourceName": WATCH,
        "sourceVersion": "10.1",
        "creationDate": health_time(end),
        **span,
    }
    children = [
        ("WorkoutStatistics", {"type": HK + "ActiveEnergyBurned", **span, "sum": f"{kcal:.3f}",
                               "unit": "kcal"}),
        ("WorkoutStatistics", {"type": distance, **span, "sum": f"{metres / 1000:.5f}",
                               "unit": "km"}),
    ]  # fmt: skip
    return attributes, children


def _correlation(writer, moment: datetime) -> None:
    """A blood-pressure Correlation (its records repeat top-level ones: not read twice)."""
    span = {"startDate": health_time(moment), "endDate": health_time(moment)}
    children = [
        ("Record", {"type": HK + "BloodPressureSystolic", "sourceName": PHONE, "unit": "mmHg",
                    **span, "value": "121"}),
        ("Record", {"type": HK + "BloodPressureDiastolic", "sourceName": PHONE, "unit": "mmHg",
                    **span, "value": "79"}),
    ]  # fmt: skip
    writer.element(
        "Correlation",
        {"type": "HKCorrelationTypeIdentifierBloodPressure", "sourceName": PHONE, **span},
        children,
    )
