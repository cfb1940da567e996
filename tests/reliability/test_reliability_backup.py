"""`fitelt backup` / `fitelt restore`: a round trip restores every table (per-table checksums),
the row-level security policies and the archived files; backups rotate; a damaged backup is
refused before anything is touched; the daily backup job works.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg2
import pytest

from fitelt.admin.backup import SCHEMAS, list_backups
from fitelt.cli.main import main
from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse.athletes import ensure_athlete
from orchestration.jobs.backup import backup_job
from orchestration.resources.warehouse import WarehouseResource
from tests.conftest import SAMPLE_WEIGHT_CSV, query
from tests.reliability.helpers import load

SAMPLE_LOG = SAMPLE_WEIGHT_CSV.parent.parent / "crossfit" / "crossfit_log.csv"


def _execute(db, statement: str) -> None:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(statement)


def checksums(db) -> dict[str, tuple]:
    """(rows, md5 of all rows in order) of every table, and the RLS policies, by name."""
    facts: dict[str, tuple] = {}
    tables = query(
        db,
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema = any(%s) order by 1, 2",
        (list(SCHEMAS),),
    )
    for schema, table in tables:
        facts[f"{schema}.{table}"] = query(
            db,
            f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) "
            f'from "{schema}"."{table}" t',
        )[0]
    policies = query(
        db,
        "select c.relname, c.relrowsecurity, p.polname from pg_class c "
        "join pg_policy p on p.polrelid = c.oid order by 1, 3",
    )
    facts["policies"] = tuple(policies)
    return facts


def archive_files(settings: Settings) -> dict[str, str]:
    return {
        str(p.relative_to(settings.archive_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in settings.archive_dir.rglob("*")
        if p.is_file()
    }


@pytest.mark.slow
def test_backup_restore_round_trip_rotation_and_damage(
    fitelt_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir)
    ensure_athlete(fitelt_env, "demo", "Europe/Paris")
    inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    inbox.drop(SAMPLE_LOG, "demo")
    assert load("withings/measures", "crossfit/sets").success
    _execute(
        fitelt_env,
        "create table marts.daily as select athlete_id, measured_at::date as day, "
        "avg(value) as value from raw.withings_measures group by 1, 2; "
        "select access.protect_table('marts.daily')",
    )
    original, files = checksums(fitelt_env), archive_files(settings)
    assert original["raw.withings_measures"][0] > 1000 and len(files) == 2
    assert ("daily", True, "fitelt_athlete_own") in original["policies"]

    capsys.readouterr()  # dlt's progress lines
    assert main(["backup"]) == 0
    folder = Path(capsys.readouterr().out.strip().splitlines()[-1])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(p.name for p in folder.iterdir()) == [
        "archive.tar.gz",
        "manifest.json",
        "warehouse.dump",
    ]
    assert manifest["row_counts"]["raw.withings_measures"] == original["raw.withings_measures"][0]

    # Damage everything: rows, a mart, a new table, the archive.
    _execute(
        fitelt_env,
        "delete from raw.withings_measures where value > 50; drop table marts.daily; "
        "create table raw.junk (x int); update raw.athletes set timezone = 'UTC'",
    )
    next(settings.archive_dir.rglob("*.csv")).unlink()
    (settings.archive_dir / "stray.txt").write_text("not from the backup")
    assert checksums(fitelt_env) != original

    assert main(["restore", "--yes"]) == 0
    assert checksums(fitelt_env) == original  # every table, row for row, and the policies
    assert archive_files(settings) == files
    assert query(fitelt_env, "select to_regclass('raw.junk')") == [(None,)]
    reader = fitelt_env.as_user("fitness_reader", "x")
    assert query(reader, "select count(*) from marts.daily")[0][0] > 0  # grants restored

    # A damaged backup is refused before anything is touched.
    dump = folder / "warehouse.dump"
    blob = bytearray(dump.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    dump.write_bytes(bytes(blob))
    _execute(fitelt_env, "delete from raw.crossfit_sets where reps > 5")
    damaged = checksums(fitelt_env)
    assert main(["restore", folder.name, "--yes"]) == 1
    assert checksums(fitelt_env) == damaged

    # Rotation: only the newest FITELT_BACKUP_KEEP backups stay; the daily job makes one.
    monkeypatch.setenv("FITELT_BACKUP_KEEP", "2")
    assert backup_job.execute_in_process(resources={"warehouse": WarehouseResource()}).success
    assert main(["backup"]) == 0
    newest = Path(capsys.readouterr().out.strip().splitlines()[-1])
    kept = list_backups(settings)
    assert len(kept) == 2 and kept[-1] == newest and folder not in kept
