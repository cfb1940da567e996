"""The Apple Health source through a real dlt pipeline into a real PostgreSQL.

Exports are written by lxml's serializer (dlt_sources/synthetic/apple_health) and zipped by
zipfile; nothing is mocked.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dlt
import pytest

from dlt_sources.apple_health import APPLE_HEALTH_TABLE_HINTS, apple_health_source
from dlt_sources.common.files import SourceFile, file_sha256
from dlt_sources.common.tables import ensure_tables
from dlt_sources.synthetic.apple_health import write_sample_apple_health
from dlt_sources.synthetic.apple_health.xml_export import export_document
from tests.conftest import query

HK = "HKQuantityTypeIdentifier"
TZ = timezone(timedelta(hours=2))


def _pipeline(db, tmp_path: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="apple_health",
        pipelines_dir=str(tmp_path / "dlt"),
        destination=dlt.destinations.postgres(credentials=db.url()),
        dataset_name="raw",
    )


def _load(db, tmp_path: Path, *paths: Path, rejected: dict | None = None,
          checksum: str | None = None) -> dlt.Pipeline:  # fmt: skip
    sink = rejected if rejected is not None else {}
    files = [
        SourceFile(
            path, "demo", "Europe/Paris", name=path.name,
            on_reject=lambda reason, p=path: sink.__setitem__(p.name, reason), checksum=checksum,
        )
        for path in paths
    ]  # fmt: skip
    pipeline = _pipeline(db, tmp_path)
    pipeline.run(apple_health_source(files=files))
    ensure_tables(pipeline, *APPLE_HEALTH_TABLE_HINTS)
    return pipeline


def _count(db, table: str, where: str = "true") -> int:
    return query(db, f"select count(*) from raw.{table} where {where}")[0][0]


def write_export(path: Path, records: list[tuple], workouts: list[tuple] = ()) -> Path:
    """An export.xml of the given (type, source, unit, value, start, end) records."""
    with path.open("wb") as handle, export_document(handle, exported=datetime.now(TZ)) as w:
        for hk_type, source, unit, value, start, end in records:
            w.record(hk_type, source, unit, value, start, end)
        for attributes, children in workouts:
            w.element("Workout", attributes, children)
    return path


def test_sample_export_loads_every_table_and_counts_unknown_types(fresh_db, tmp_path):
    export = write_sample_apple_health(tmp_path / "in")
    _load(fresh_db, tmp_path, export)
    by_type = dict(query(fresh_db, "select record_type, count(*) from raw.apple_health_records "
                                   "group by 1"))  # fmt: skip
    assert set(by_type) == {
        "step_count", "heart_rate", "resting_heart_rate", "hrv_sdnn", "body_mass", "body_fat_pct",
    }  # fmt: skip
    # The Watch writes one sleep segment twice on some nights: one row per natural key.
    sleep_rows = _count(fresh_db, "apple_health_sleep")
    with zipfile.ZipFile(export) as archive:
        xml = archive.read("apple_health_export/export.xml").decode()
    assert 0 < sleep_rows < xml.count("HKCategoryTypeIdentifierSleepAnalysis")
    assert _count(fresh_db, "apple_health_workouts", "distance_m > 0 and energy_kcal > 0") > 0
    counts = dict(query(fresh_db, "select hk_type, record_count from raw.apple_health_type_counts "
                                  "where not loaded"))  # fmt: skip
    assert counts[HK + "ActiveEnergyBurned"] > 0
    # The Correlation's nested copies are not read: one each, the top-level records.
    assert counts[HK + "BloodPressureSystolic"] == 1
    assert query(fresh_db, "select to_regclass('raw.apple_health_quarantine')") == [(None,)]
    # Offsets kept: the sample spans the end of summer time (+0200 → +0100).
    offsets = {r[0] for r in query(fresh_db, "select distinct start_offset_s from "
                                             "raw.apple_health_records")}  # fmt: skip
    assert offsets == {3600, 7200}
    assert (
        _count(fresh_db, "apple_health_records", "record_type = 'body_mass' and unit <> 'kg'") == 0
    )


def test_reimporting_the_same_export_writes_no_row(fresh_db, tmp_path):
    export = write_sample_apple_health(tmp_path / "in")
    _load(fresh_db, tmp_path, export)
    before = query(fresh_db, "select count(*), max(_dlt_load_id) from raw.apple_health_records")
    _load(fresh_db, tmp_path, export)
    copy = tmp_path / "again" / "export.zip"
    copy.parent.mkdir()
    shutil.copy(export, copy)
    _load(fresh_db, tmp_path, copy)  # another name, same bytes
    assert (
        query(fresh_db, "select count(*), max(_dlt_load_id) from raw.apple_health_records")
        == before
    )


def test_a_checksum_the_inbox_gives_is_used_without_reading_the_file(fresh_db, tmp_path):
    export = write_sample_apple_health(tmp_path / "in")
    _load(fresh_db, tmp_path, export)
    before = query(fresh_db, "select count(*), max(_dlt_load_id) from raw.apple_health_records")
    broken = tmp_path / "broken" / "export.zip"  # were it read, it would be rejected
    broken.parent.mkdir()
    broken.write_bytes(export.read_bytes()[:5000])
    rejected: dict = {}
    _load(fresh_db, tmp_path, broken, rejected=rejected, checksum=file_sha256(export))
    assert rejected == {}, "known as loaded by its checksum: skipped, never opened"
    assert (
        query(fresh_db, "select count(*), max(_dlt_load_id) from raw.apple_health_records")
        == before
    )


def test_a_later_export_adds_only_new_and_backfilled_records(fresh_db, tmp_path):
    day = datetime(2026, 5, 1, 8, tzinfo=TZ)
    old = [(HK + "StepCount", "iPhone", "count", str(100 + i), day + timedelta(hours=i),
            day + timedelta(hours=i, minutes=30)) for i in range(0, 24 * 20, 3)]  # fmt: skip
    first = write_export(tmp_path / "first.xml", old)
    _load(fresh_db, tmp_path, first)
    loaded = _count(fresh_db, "apple_health_records")
    assert loaded == len(old)
    first_load = query(fresh_db, "select max(_dlt_load_id) from raw.apple_health_records")[0][0]

    later_day = day + timedelta(days=40)
    new = [
        (HK + "StepCount", "iPhone", "count", "999", later_day, later_day + timedelta(minutes=5))
    ]
    # An app syncs old data later: an old start, a new creationDate (what the export writes).
    backfill_at = day - timedelta(days=300)
    path = tmp_path / "later.xml"
    with path.open("wb") as handle, export_document(handle, exported=later_day) as w:
        for record in [*old, *new]:
            w.record(*record)
        w.record(HK + "StepCount", "Pedometer++", "count", "4321", backfill_at,
                 backfill_at + timedelta(hours=1), later_day)  # fmt: skip
    _load(fresh_db, tmp_path, path)
    assert _count(fresh_db, "apple_health_records") == loaded + 2
    # The old records created before the margin were not sent again: their rows are untouched.
    assert _count(fresh_db, "apple_health_records", f"_dlt_load_id = '{first_load}'") >= loaded - 20
    assert _count(fresh_db, "apple_health_records", "source_name = 'Pedometer++'") == 1


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_files_are_rejected_whole(fresh_db, tmp_path, cut):
    export = write_sample_apple_health(tmp_path / "in")
    data = export.read_bytes()
    truncated_zip = tmp_path / "truncated.zip"
    truncated_zip.write_bytes(data[: int(len(data) * cut)])
    with zipfile.ZipFile(export) as archive:
        xml = archive.read("apple_health_export/export.xml")
    truncated_xml = tmp_path / "truncated.xml"
    truncated_xml.write_bytes(xml[: int(len(xml) * cut)])
    good = write_export(tmp_path / "good.xml", [(HK + "BodyMass", "Health", "kg", "80", *[
        datetime(2026, 1, 5, 8, tzinfo=TZ)] * 2)])  # fmt: skip
    rejected: dict[str, str] = {}
    _load(fresh_db, tmp_path, truncated_zip, truncated_xml, good, rejected=rejected)
    assert set(rejected) == {"truncated.zip", "truncated.xml"}
    assert "zip" in rejected["truncated.zip"]
    reasons = dict(query(fresh_db, "select source_file, reason from raw.apple_health_quarantine "
                                   "where source_line = 0"))  # fmt: skip
    assert set(reasons) == {"truncated.zip", "truncated.xml"}
    assert _count(fresh_db, "apple_health_records") == 1  # the good file loads, nothing else
    assert _count(fresh_db, "apple_health_sleep") == 0


def test_bad_rows_are_quarantined_and_the_rest_loads(fresh_db, tmp_path):
    at = datetime(2026, 3, 2, 7, 30, tzinfo=TZ)
    records = [
        (HK + "BodyMass", "Withings", "kg", "81,35", at, at),  # a French phone: decimal comma
        (HK + "HeartRateVariabilitySDNN", "Watch", "ms", "45,5", at, at + timedelta(minutes=1)),
        (HK + "StepCount", "Watch", "count", "120", at, at - timedelta(minutes=5)),  # end < start
        (HK + "HeartRate", "Watch", "count/min", "beaucoup", at, at),
        (HK + "HeartRate", "Watch", "count/min", "900", at, at),  # out of range
        (HK + "BodyMass", "Renpho", "stone", "12", at, at),  # a unit we do not know
        (HK + "WalkingSpeed", "iPhone", "km/hr", "4,2", at, at),  # unknown type: counted
        (
            "HKCategoryTypeIdentifierSleepAnalysis",
            "Watch",
            None,
            "HKCategoryValueSleepAnalysisAsleepCore",
            at,
            at - timedelta(minutes=1),
        ),  # fmt: skip
    ]
    _load(fresh_db, tmp_path, write_export(tmp_path / "fr.xml", records))
    values = dict(query(fresh_db, "select record_type, value from raw.apple_health_records"))
    assert values == {"body_mass": 81.35, "hrv_sdnn": 45.5}
    reasons = [r[0] for r in query(fresh_db, "select reason from raw.apple_health_quarantine "
                                             "order by source_line")]  # fmt: skip
    assert len(reasons) == 5
    assert sum("before startDate" in r for r in reasons) == 2
    assert any("not a number" in r for r in reasons)
    assert any("outside" in r for r in reasons)
    assert any("'stone'" in r for r in reasons)
    assert query(fresh_db, "select record_count, loaded from raw.apple_health_type_counts "
                           f"where hk_type = '{HK}WalkingSpeed'") == [(1, False)]  # fmt: skip


def test_the_inbox_recognises_exports_by_content(tmp_path):
    from fitelt.inbox.kinds import detect_kind_of_head

    export = write_sample_apple_health(tmp_path / "in")
    with zipfile.ZipFile(export) as archive:
        xml = archive.read("apple_health_export/export.xml")
    assert detect_kind_of_head(export.read_bytes()[:65536], "renamed.bin") == "apple_health"
    assert detect_kind_of_head(xml[:65536], "export.txt") == "apple_health"
    other = tmp_path / "strava.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("activities.csv", "Activity ID,Activity Date\n")
    assert detect_kind_of_head(other.read_bytes()[:65536], "strava.zip") == "activity_files"


def test_a_later_large_export_writes_only_its_new_days(fresh_db, tmp_path):
    from dlt_sources.synthetic.apple_health import write_large_export

    first = write_large_export(tmp_path / "a" / "export.xml", records=20_000)
    later = write_large_export(tmp_path / "b" / "export.xml", records=20_000, extra_days=3)
    _load(fresh_db, tmp_path, first)
    tables = ("apple_health_records", "apple_health_sleep")
    before = {t: _count(fresh_db, t) for t in tables}
    first_load = query(fresh_db, "select max(_dlt_load_id) from raw.apple_health_records")[0][0]
    _load(fresh_db, tmp_path, later)
    after = {t: _count(fresh_db, t) for t in tables}
    # Three days: heart rate every 5 min, steps every 20, HRV every 4 h, sleep every 30, two
    # daily body measures and resting HR.
    assert after["apple_health_records"] - before["apple_health_records"] == 3 * (
        288 + 72 + 6 + 1 + 1 + 1
    )
    assert after["apple_health_sleep"] - before["apple_health_sleep"] == 3 * 48
    # Only the rescan margin (2 days before the newest creation) was sent again.
    resent = _count(fresh_db, "apple_health_records", f"_dlt_load_id > '{first_load}'")
    assert resent < after["apple_health_records"] - before["apple_health_records"] + 2 * 400
