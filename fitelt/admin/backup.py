"""Backups of the warehouse and the archived raw files, rotated; an atomic restore.

A backup is a folder `<data_dir>/backups/fitelt-<UTC time>/` holding `warehouse.dump`
(`pg_dump -Fc` of the schemas raw, staging, marts and access), `archive.tar.gz` (the archived
export files, the raw input of every file load) and `manifest.json` (sizes, SHA-256, row
counts). It is written under a hidden `.partial` name and renamed when complete, so a crash
never leaves a backup that looks whole. The newest FITELT_BACKUP_KEEP (default 7) are kept.

Not included: stored OAuth grants (`secrets/`, reconnect after a restore on a new machine),
the inbox (files not loaded yet) and Dagster's run history.

`restore` checks the manifest's checksums, converts the dump to SQL and replays it with psql
in ONE transaction that first drops the four schemas: it lands whole or not at all.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from psycopg2 import sql

from dlt_sources.common.files import file_sha256
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.warehouse.embedded import pg_bin

log = logging.getLogger(__name__)

SCHEMAS = ("raw", "staging", "marts", "access")
SCRATCH_SCHEMAS = ("raw_staging",)  # dlt's merge staging: rebuilt by the next load
DUMP, ARCHIVE, MANIFEST = "warehouse.dump", "archive.tar.gz", "manifest.json"
PREFIX = "fitelt-"


class BackupError(RuntimeError):
    """A backup or restore step failed; the message says which (never a password)."""


def backups_dir(settings: Settings) -> Path:
    return settings.data_dir / "backups"


def default_keep() -> int:
    return max(1, int(os.environ.get("FITELT_BACKUP_KEEP", "7")))


def list_backups(settings: Settings) -> list[Path]:
    """Complete backups, oldest first."""
    root = backups_dir(settings)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX))


def _tool(name: str) -> str:
    path = pg_bin(name)
    return str(path) if path.exists() else name


def _run(command: list[str], admin: ConnInfo, what: str) -> None:
    # Connection facts travel in PG* variables: no password on a command line (ps, logs).
    env = {**os.environ, **admin.libpq_env()}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-800:]}"
        )


def table_counts(admin: ConnInfo) -> dict[str, int]:
    """Row count of every base table in the backed-up schemas."""
    counts = {}
    with psycopg2.connect(admin.dsn()) as db, db.cursor() as cur:
        cur.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema = any(%s) order by 1, 2",
            (list(SCHEMAS),),
        )
        for schema, table in cur.fetchall():
            cur.execute(
                sql.SQL("select count(*) from {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
            counts[f"{schema}.{table}"] = cur.fetchone()[0]
    return counts


def create_backup(settings: Settings, admin: ConnInfo, *, keep: int | None = None) -> Path:
    """Dump the warehouse and tar the archive into a new backup folder; rotate old ones."""
    if keep is not None and keep < 1:  # 0 would delete the new backup with the old ones
        raise BackupError(f"keep must be 1 or more, got {keep}")
    root = backups_dir(settings)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in root.glob(f".{PREFIX}*.partial"):  # left by a crashed backup
        shutil.rmtree(stale, ignore_errors=True)
    name = f"{PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    partial = root / f".{name}.partial"
    partial.mkdir(mode=0o700)
    try:
        schemas = [arg for schema in SCHEMAS for arg in ("-n", schema)]
        command = [_tool("pg_dump"), "-Fc", "--no-owner", *schemas, "-f", str(partial / DUMP)]
        _run(command, admin, "pg_dump")
        with tarfile.open(partial / ARCHIVE, "w:gz") as tar:
            if not settings.storage_is_local:  # an empty archive.tar.gz: nothing to restore
                log.info(
                    "the archive is in %s, not in this backup: keep it with the store's own "
                    "versioning or replication",
                    settings.archive_dir,
                )
            elif settings.archive_dir.is_dir():
                tar.add(settings.archive_dir, arcname="archive")
        manifest = {
            "created_at": datetime.now(UTC).isoformat(),
            "database": admin.dbname,
            "schemas": list(SCHEMAS),
            "files": {
                item: {
                    "bytes": (partial / item).stat().st_size,
                    "sha256": file_sha256(partial / item),
                }
                for item in (DUMP, ARCHIVE)
            },
            "row_counts": table_counts(admin),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2))
        for item in (DUMP, ARCHIVE, MANIFEST):  # private whatever the umask (daemon, tests)
            (partial / item).chmod(0o600)
        target = root / name
        partial.rename(target)  # published only when complete
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    removed = rotate(settings, keep if keep is not None else default_keep())
    log.info("backup %s written (%d old backup(s) removed)", target, len(removed))
    return target


def rotate(settings: Settings, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; the removed folders."""
    backups = list_backups(settings)
    removed = backups[: max(0, len(backups) - keep)]
    for folder in removed:
        shutil.rmtree(folder)
    return removed


def resolve_backup(settings: Settings, which: str | None) -> Path:
    """A backup folder from a path or name, or the latest one."""
    if which:
        folder = Path(which)
        folder = folder if folder.is_dir() else backups_dir(settings) / which
    else:
        backups = list_backups(settings)
        if not backups:
            raise BackupError(f"no backup in {backups_dir(settings)}")
        folder = backups[-1]
    if not (folder / MANIFEST).is_file():
        raise BackupError(f"{folder}: not a complete backup (no {MANIFEST})")
    return folder


def verify_backup(folder: Path) -> dict:
    """The manifest, after checking every file's size and SHA-256 against it."""
    manifest = json.loads((folder / MANIFEST).read_text())
    for item, facts in manifest["files"].items():
        path = folder / item
        if not path.is_file() or path.stat().st_size != facts["bytes"]:
            raise BackupError(f"{path}: missing or truncated")
        if file_sha256(path) != facts["sha256"]:
            raise BackupError(f"{path}: checksum mismatch (damaged backup)")
    return manifest


def restore_backup(
    settings: Settings, admin: ConnInfo, folder: Path, *, reader_password: str | None = None
) -> dict:
    """Replace the warehouse schemas and the archive with the backup's; returns its manifest."""
    manifest = verify_backup(folder)
    with tempfile.TemporaryDirectory(prefix="fitelt-restore-") as tmp:
        script = Path(tmp) / "restore.sql"
        command = [_tool("pg_restore"), "--no-owner", "-f", str(script), str(folder / DUMP)]
        _run(command, admin, "pg_restore")
        drop = "drop schema if exists {} cascade".format(  # fixed names, no input
            ", ".join(f'"{schema}"' for schema in (*SCHEMAS, *SCRATCH_SCHEMAS))
        )
        psql = [_tool("psql"), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
        _run([*psql, "-c", drop, "-f", str(script)], admin, "restore (psql)")
    ensure_layout(admin, reader_password)  # roles and grants are cluster-level: re-applied
    if settings.storage_is_local:
        _restore_archive(settings, folder / ARCHIVE)
    else:
        log.info("the archive in %s is left as it is (not part of a backup)", settings.archive_dir)
    log.info("restored %s (%d tables)", folder.name, len(manifest["row_counts"]))
    return manifest


def _restore_archive(settings: Settings, tar_path: Path) -> None:
    """Swap the archive folder for the backup's (the current one kept until the swap)."""
    staging = settings.data_dir / ".archive.restoring"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, mode=0o700)
    with tarfile.open(tar_path, "r:gz") as tar:
        tar.extractall(staging, filter="data")  # no absolute paths, links or traversal
    restored = staging / "archive"
    restored.mkdir(exist_ok=True)
    restored.chmod(0o700)
    previous = settings.data_dir / ".archive.before-restore"
    shutil.rmtree(previous, ignore_errors=True)
    if settings.archive_dir.exists():
        settings.archive_dir.rename(previous)
    restored.rename(settings.archive_dir)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
