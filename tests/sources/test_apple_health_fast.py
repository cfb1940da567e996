"""The fast Apple Health path: the line scanner against lxml, and the appended first import.

The scanner (dlt_sources/apple_health/scan.py) must give exactly what lxml's iterparse gives
(rows, quarantine reasons and lines, counts, rejections) for any export, at any block size;
whatever it cannot vouch for, it hands to lxml. A first import is appended by COPY (its own
duplicates cut first, a crashed attempt's rows deleted); later exports merge as before.
"""

from __future__ import annotations

import random
from pathlib import Path

import dlt
import psycopg2
import pytest

from dlt_sources.apple_health import APPLE_HEALTH_TABLE_HINTS, apple_health_source, scan
from dlt_sources.apple_health.export import ExportDone, ExportReader, Restart, Tables
from dlt_sources.common.files import SourceFile
from dlt_sources.common.tables import ensure_tables
from dlt_sources.synthetic.apple_health.xml_export import DOCTYPE
from tests.conftest import query

HK = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
WHEN = "2024-03-{day:02d} {hour:02d}:{minute:02d}:00 +0100"


def _record(rng: random.Random, indent: str = " ") -> list[str]:
    kind = rng.choice(["HeartRate", "StepCount", "BodyMass", "Sleep", "WalkingSpeed"])
    units = {"HeartRate": "count/min", "StepCount": "count", "WalkingSpeed": "km/hr",
             "BodyMass": rng.choice(["kg", "lb", "stone"])}  # fmt: skip
    day, hour = rng.randint(1, 28), rng.randint(0, 23)
    attributes = [("type", SLEEP if kind == "Sleep" else HK + kind),
                  ("sourceName", rng.choice(["Watch", "Tom &amp; Jerry", "Santé", "a\tb"])),
                  ("sourceVersion", "17.1")]  # fmt: skip
    if rng.random() < 0.3:
        attributes.append(("device", "&lt;&lt;HKDevice: 0x1&gt;, name:Watch&gt;"))
    if kind in units and rng.random() < 0.95:
        attributes.append(("unit", units[kind]))
    attributes += [
        ("creationDate", WHEN.format(day=day, hour=hour, minute=30)),
        ("startDate", WHEN.format(day=day, hour=hour, minute=rng.randint(0, 10))),
        ("endDate", WHEN.format(day=day, hour=hour, minute=rng.randint(0, 20))),
        ("value", rng.choice(["72", "81,5", "abc", "300", "HKCategoryValueSleepAnalysisAwake",
                              "HKCategoryValueSleepAnalysisAsleepCore", "Bogus"])),
    ]  # fmt: skip
    if rng.random() < 0.05:
        rng.shuffle(attributes)
    quote = "'" if rng.random() < 0.03 else '"'
    start = indent + "<Record " + " ".join(f"{k}={quote}{v}{quote}" for k, v in attributes)
    if rng.random() < 0.6:
        return [start + "/>"]
    lines = [start + ">"]
    lines += [indent + ' <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>'
              for _ in range(rng.randint(0, 2))]  # fmt: skip
    if rng.random() < 0.3:
        lines.append(indent + " <HeartRateVariabilityMetadataList>")
        lines += [indent + '  <InstantaneousBeatsPerMinute bpm="70" time="7:01:02,33 PM"/>'
                  for _ in range(rng.randint(0, 3))]  # fmt: skip
        lines.append(indent + " </HeartRateVariabilityMetadataList>")
    if rng.random() < 0.05:
        lines.append(indent + " <Unexpected/>")
    return [*lines, indent + "</Record>"]


def _workout(end: str) -> list[str]:
    span = f'startDate="2024-03-02 10:00:00 +0100" endDate="{end}"'
    return [f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" '
            f'durationUnit="min" sourceName="Watch" {span}>',
            f'  <WorkoutStatistics type="{HK}ActiveEnergyBurned" {span} sum="300" unit="kcal"/>',
            " </Workout>"]  # fmt: skip


def _document(rng: random.Random) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', DOCTYPE, '<HealthData locale="en_US">',
             ' <ExportDate value="2024-03-30 10:00:00 +0100"/>']  # fmt: skip
    for _ in range(rng.randint(0, 40)):
        draw = rng.random()
        if draw < 0.75:
            lines += _record(rng)
        elif draw < 0.82:  # its records repeat top-level ones: never read
            lines += [' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" '
                      'sourceName="x" startDate="2024-03-01 10:00:00 +0100" '
                      'endDate="2024-03-01 10:00:00 +0100">',
                      *_record(rng, "  "), *_record(rng, "  "), " </Correlation>"]  # fmt: skip
        elif draw < 0.88:
            lines += _workout(rng.choice(["2024-03-02 10:30:00 +0100", "2024-03-02 09:00:00"]))
        elif draw < 0.93:
            lines.append(' <ActivitySummary dateComponents="2024-03-01" activeEnergyBurned="4"/>')
        else:
            lines.append(rng.choice(["", " <!-- a comment -->"]))
    lines.append("</HealthData>")
    newline = "\r\n" if rng.random() < 0.1 else "\n"
    data = (newline.join(lines) + newline * (rng.random() < 0.8)).encode()
    return data[: rng.randint(0, len(data))] if rng.random() < 0.1 else data


def _read(path: Path, fast: bool) -> tuple:
    reader = ExportReader("sha", fast=fast, batch_rows=3 if fast else 50_000)
    tables: dict[str, list[str]] = {}
    quarantined = []
    try:
        for item in reader.read(SourceFile(path, "a", "UTC", name="x")):
            if isinstance(item, Restart):
                tables, quarantined = {}, []
            elif isinstance(item, Tables):
                rows = tables.setdefault(item.hints["table_name"], [])
                rows += map(repr, item.table.to_pylist())
            elif not isinstance(item, ExportDone):
                data = item.data
                quarantined.append((data["source_line"], data["reason"], data["raw_record"]))
    except Exception as exc:  # noqa: BLE001 - both readers must reject the same files
        return ("rejected", type(exc).__name__)
    return {k: sorted(v) for k, v in tables.items()}, sorted(quarantined), dict(reader.counts)


@pytest.mark.parametrize("seed", range(0, 400, 5))
def test_the_scanner_reads_exactly_what_lxml_reads(tmp_path, monkeypatch, seed) -> None:
    for case in range(seed, seed + 5):
        rng = random.Random(case)
        path = tmp_path / f"{case}.xml"
        path.write_bytes(_document(rng))
        monkeypatch.setattr(scan, "BLOCK_BYTES", rng.choice([64, 300, 4096, 8 << 20]))
        assert _read(path, fast=True) == _read(path, fast=False), case


def _load(db, tmp_path: Path, *paths: Path) -> None:
    files = [SourceFile(p, "demo", "UTC", name=p.name) for p in paths]
    pipeline = dlt.pipeline(pipeline_name="apple_health", pipelines_dir=str(tmp_path / "dlt"),
                            destination=dlt.destinations.postgres(credentials=db.url()),
                            dataset_name="raw")  # fmt: skip
    pipeline.run(apple_health_source(files=files))
    ensure_tables(pipeline, *APPLE_HEALTH_TABLE_HINTS)


def _export(path: Path, body: list[str]) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', DOCTYPE, '<HealthData locale="en_US">']
    path.write_text("\n".join([*lines, *body, "</HealthData>", ""]), encoding="utf-8")
    return path


def _line(kind: str, value: str, minute: int, source: str = "Watch") -> str:
    unit = "" if kind == SLEEP else ' unit="count"'
    at = WHEN.format(day=3, hour=7, minute=minute)
    return (f' <Record type="{kind}" sourceName="{source}"{unit} creationDate="{at}" '
            f'startDate="{at}" endDate="{WHEN.format(day=3, hour=7, minute=minute + 1)}" '
            f'value="{value}"/>')  # fmt: skip


def test_a_first_import_is_appended_once_without_its_own_duplicates(fresh_db, tmp_path):
    steps, asleep = HK + "StepCount", "HKCategoryValueSleepAnalysisAsleepCore"
    body = [_line(steps, str(m), m) for m in range(20)] + [_line(steps, "3", 3)] * 3
    body += [_line(SLEEP, asleep, 40)] * 2 + [_line(SLEEP, asleep, 41)]
    # Rows of an earlier attempt whose load never completed (killed after its COPY committed).
    _load(fresh_db, tmp_path, _export(tmp_path / "first.xml", body[:5]))
    query(fresh_db, "update raw.apple_health_records set _dlt_load_id = 'crashed'; "
                    "delete from raw._dlt_loads; delete from raw._dlt_pipeline_state; "
                    "select 1")  # fmt: skip
    _load(fresh_db, tmp_path, _export(tmp_path / "export.xml", body))
    assert query(fresh_db, "select count(*), count(distinct (start_at, value)) "
                           "from raw.apple_health_records") == [(20, 20)]  # fmt: skip
    assert query(fresh_db, "select count(*) from raw.apple_health_sleep") == [(2,)]
    constraints = query(
        fresh_db,
        "select conname from pg_constraint where conname similar "
        "to 'apple_health_(records|sleep|workouts)__dlt_id_key'",
    )
    assert constraints == []  # nothing refers to _dlt_id: no unique index to maintain
    indexes = {r[0] for r in query(fresh_db, "select indexname from pg_indexes "
                                             "where schemaname = 'raw'")}  # fmt: skip
    assert {"apple_health_records__natural_key", "apple_health_sleep__natural_key"} <= indexes
    ids = query(fresh_db, "select count(distinct _dlt_id), count(*) from raw.apple_health_records")
    assert ids[0][0] == ids[0][1]


def test_an_export_outside_the_app_layout_loads_the_same_rows(fresh_db, tmp_path):
    steps = HK + "StepCount"
    body = [_line(steps, str(m), m) for m in range(10)]
    _load(fresh_db, tmp_path, _export(tmp_path / "a.xml", [*body[:5], " <!-- x -->", *body[5:]]))
    rows = query(fresh_db, "select count(*), sum(value) from raw.apple_health_records")
    assert rows == [(10, sum(range(10)))]


def test_a_warehouse_failure_during_the_copy_fails_the_run_and_keeps_the_file(
    fresh_db, tmp_path, monkeypatch
):
    from dlt_sources.apple_health import copy

    def broken(table):
        raise psycopg2.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(copy, "binary_rows", broken)
    rejected: dict[str, str] = {}
    export = _export(tmp_path / "export.xml", [_line(HK + "StepCount", "5", 1)])
    source_file = SourceFile(
        export,
        "demo",
        "UTC",
        name=export.name,
        on_reject=lambda reason: rejected.setdefault("reason", reason),
    )
    pipeline = dlt.pipeline(pipeline_name="apple_health", pipelines_dir=str(tmp_path / "dlt"),
                            destination=dlt.destinations.postgres(credentials=fresh_db.url()),
                            dataset_name="raw")  # fmt: skip
    with pytest.raises(Exception, match="server closed the connection"):
        pipeline.run(apple_health_source(files=[source_file]))
    assert rejected == {}  # not the file's fault: it stays in the inbox for the retry
    tables = query(fresh_db, "select to_regclass('raw.apple_health_records'), "
                             "to_regclass('raw.apple_health_quarantine')")  # fmt: skip
    assert tables == [(None, None)]  # the COPY's transaction (and its new table) rolled back
