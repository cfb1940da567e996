"""The activity-file source through a real dlt pipeline into a real PostgreSQL."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import dlt
import psycopg2
import pytest

from dlt_sources.activity_files import ACTIVITY_FILE_TABLE_HINTS, activity_files_source
from dlt_sources.common.tables import ensure_tables
from dlt_sources.synthetic.activity_files import (
    fit_bytes,
    non_activity_fit_bytes,
    write_fit,
    write_gpx,
    write_sample_activity_files,
    write_tcx,
)
from tests.sources.activity_fixtures import ReadResult, read_files, short_run, source_file, track_of

# The contract's PostgreSQL types (notes/activity_contract.md), NOT NULL columns marked "!".
CONTRACT = {
    "activity_files": {
        "content_sha256": "text!", "athlete_id": "text!", "source_format": "text!",
        "source_file": "text!", "file_identity": "text", "device_serial": "bigint",
        "device_manufacturer": "text", "device_product": "text", "sport": "text!",
        "sub_sport": "text", "started_at": "timestamp with time zone!", "utc_offset_s": "integer",
        "distance_m": "double precision", "moving_time_s": "double precision",
        "elapsed_time_s": "double precision", "avg_heart_rate": "double precision",
        "max_heart_rate": "double precision", "avg_speed_mps": "double precision",
        "elevation_gain_m": "double precision", "avg_power_w": "double precision",
        "calories": "double precision", "record_count": "integer!", "lap_count": "integer!",
        "strava_activity_id": "bigint", "activity_name": "text",
    },
    "activity_file_records": {
        "content_sha256": "text!", "athlete_id": "text!",
        "recorded_at": "timestamp with time zone!", "elapsed_s": "double precision!",
        "timer_s": "double precision!", "distance_m": "double precision",
        "heart_rate": "smallint", "speed_mps": "double precision", "cadence": "smallint",
        "power_w": "smallint", "altitude_m": "double precision", "lat": "double precision",
        "lon": "double precision", "temperature_c": "smallint",
    },
    "activity_file_laps": {
        "content_sha256": "text!", "athlete_id": "text!", "lap_index": "integer!",
        "started_at": "timestamp with time zone!", "elapsed_time_s": "double precision",
        "moving_time_s": "double precision", "distance_m": "double precision",
        "avg_heart_rate": "double precision", "max_heart_rate": "double precision",
        "avg_speed_mps": "double precision", "avg_power_w": "double precision",
        "calories": "double precision", "lap_trigger": "text",
    },
}  # fmt: skip


def _query(db, sql: str) -> list[tuple]:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def _pipeline(db, tmp_path: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="activity_files",
        pipelines_dir=str(tmp_path / "dlt"),
        destination=dlt.destinations.postgres(credentials=db.url()),
        dataset_name="raw",
    )


def _columns(db, table: str) -> dict[str, str]:
    rows = _query(
        db,
        "select column_name, data_type, is_nullable from information_schema.columns "
        f"where table_schema = 'raw' and table_name = '{table}' and column_name not like '_dlt%'",
    )
    return {name: kind.replace("character varying", "text") + ("!" if null == "NO" else "")
            for name, kind, null in rows}  # fmt: skip


@pytest.fixture
def import_folder(tmp_path: Path) -> Path:
    """A mixed import: the sample (4 runs + export zip), a TCX, a GPX ride, bad files."""
    folder = tmp_path / "import"
    write_sample_activity_files(folder, count=4)
    write_tcx(folder / "track.tcx", track_of(short_run(6, paused_s=60), hr_gap=True))
    write_gpx(folder / "ride.gpx", track_of(short_run(5, sport="Ride"), laps=False))
    newest = sorted(folder.glob("*.fit"))[-1]
    shutil.copy(newest, folder / "copy_of_newest.fit.gz.txt")  # same content, another name
    data = fit_bytes(track_of(short_run(4), seed=21))
    (folder / "truncated.fit").write_bytes(data[: len(data) // 2])
    (folder / "settings.fit").write_bytes(non_activity_fit_bytes())
    with zipfile.ZipFile(folder / "mixed.zip", "w") as archive:
        archive.writestr("ok.fit.gz", gzip.compress(fit_bytes(track_of(short_run(3), seed=22))))
        archive.writestr("broken.fit", data[:500])
    return folder


def test_load_into_postgres_with_types_counts_quarantine_and_skips(
    fresh_db, tmp_path: Path, import_folder: Path
) -> None:
    expected = read_files(*sorted(import_folder.iterdir()))  # the reader alone, for counts
    pipeline = _pipeline(fresh_db, tmp_path)
    # As the orchestration does: a first run without files, then the empty tables.
    pipeline.run(activity_files_source([]))
    ensure_tables(pipeline, *ACTIVITY_FILE_TABLE_HINTS)
    assert _query(fresh_db, "select count(*) from raw.activity_file_records") == [(0,)]
    result = ReadResult()
    files = [source_file(path, result) for path in sorted(import_folder.iterdir())]

    info = pipeline.run(activity_files_source(files))
    assert not info.has_failed_jobs
    assert result.rejected == [("truncated.fit", result.rejected[0][1])]
    versions = _query(fresh_db, "select count(*), sum(record_count), sum(lap_count) "
                                "from raw.activity_files")[0]  # fmt: skip
    assert versions[0] == len(expected.versions) == 4 + 3 + 2 + 1  # sample, tcx+gpx, zip member
    assert versions[1] == sum(v.records.num_rows for v in expected.versions)
    assert versions[2] == sum(v.laps.num_rows for v in expected.versions)
    records = _query(fresh_db, "select count(*), count(distinct (content_sha256, recorded_at)) "
                               "from raw.activity_file_records")[0]  # fmt: skip
    assert records == (versions[1], versions[1])  # unique per version and time
    assert _query(fresh_db, "select count(*) from raw.activity_file_laps")[0][0] == versions[2]
    for table, columns in CONTRACT.items():
        assert _columns(fresh_db, table) == columns, table

    quarantined = _query(fresh_db, "select source_file, source_line, reason "
                                   "from raw.activity_files_quarantine order by 1")  # fmt: skip
    assert [row[:2] for row in quarantined] == [("mixed.zip!broken.fit", 0), ("truncated.fit", 0)]
    assert quarantined[1][2].startswith("file rejected: FIT file is corrupt or truncated")
    nothing_of_it = _query(
        fresh_db, "select count(*) from raw.activity_files where source_file like 'truncated%'"
    )
    assert nothing_of_it == [(0,)]
    # The newest run came as a plain file, a renamed copy and a zip member: one version, and
    # the kept one is the zip's, which knows its Strava activity.
    linked = _query(
        fresh_db,
        "select source_file, strava_activity_id, activity_name from raw.activity_files "
        "where strava_activity_id = 9000000579",
    )
    assert linked == [("strava_export.zip!activities/9000000579.fit.gz", 9000000579, "Morning Run")]
    gap = _query(fresh_db, "select count(*) filter (where heart_rate is null), count(*) from "
                           "raw.activity_file_records r join raw.activity_files f using "
                           "(content_sha256) where f.source_file = 'track.tcx'")[0]  # fmt: skip
    assert 0 < gap[0] < gap[1]

    # The next import of the same files: every version is known, nothing is written.
    known = set(_query(fresh_db, "select athlete_id, content_sha256 from raw.activity_files"))
    again = ReadResult()
    retry = [source_file(path, again) for path in sorted(import_folder.iterdir())]
    pipeline.run(activity_files_source(retry, skip_versions=known))
    assert _query(fresh_db, "select count(*) from raw.activity_file_records")[0][0] == versions[1]
    assert _query(fresh_db, "select count(*) from raw.activity_files")[0][0] == versions[0]


def test_a_version_sent_again_replaces_its_row_and_its_records(fresh_db, tmp_path: Path) -> None:
    """Without `skip_versions` (a retry after a run killed mid-load), nothing doubles."""
    path = write_fit(tmp_path / "a.fit", track_of(short_run(3), seed=31))
    pipeline = _pipeline(fresh_db, tmp_path)
    result = ReadResult()
    pipeline.run(activity_files_source([source_file(path, result)]))
    pipeline.run(activity_files_source([source_file(path, result)]))
    [(versions, records)] = _query(
        fresh_db, "select count(*), sum(record_count) from raw.activity_files"
    )
    assert versions == 1  # merge on (athlete_id, content_sha256)
    assert _query(fresh_db, "select count(*) from raw.activity_file_records") == [(records,)]


def test_the_same_bytes_for_two_athletes_are_two_versions(fresh_db, tmp_path: Path) -> None:
    """A coach importing one file for two athletes: each owns a copy; neither is skipped."""
    path = write_fit(tmp_path / "shared.fit", track_of(short_run(3), seed=32))
    pipeline = _pipeline(fresh_db, tmp_path)
    result = ReadResult()
    files = [source_file(path, result, athlete) for athlete in ("ann", "bob")]
    pipeline.run(activity_files_source(files))
    known = set(_query(fresh_db, "select athlete_id, content_sha256 from raw.activity_files"))
    assert {athlete for athlete, _ in known} == {"ann", "bob"}
    counts = _query(
        fresh_db,
        "select athlete_id, count(*) from raw.activity_file_records group by 1 order by 1",
    )
    [(records,)] = _query(fresh_db, "select max(record_count) from raw.activity_files")
    assert counts == [("ann", records), ("bob", records)]
    # Ann's version known, Bob's not: only Bob's is decoded again (and replaces itself).
    pipeline.run(activity_files_source(files, skip_versions={k for k in known if k[0] == "ann"}))
    assert _query(fresh_db, "select count(*) from raw.activity_file_records") == [(2 * records,)]
