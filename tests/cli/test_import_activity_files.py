"""`fitelt import` of activity files: recognised by their bytes, archives bring their CSV along.

Real `fitelt` processes against a real PostgreSQL (the session's embedded server), real files
from the Garmin FIT encoder, gpxpy and lxml (dlt_sources/synthetic/activity_files).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from dlt_sources.synthetic.activity_files import write_fit, write_gpx
from fitelt.inbox.store import Inbox, InboxFile
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from tests.sources.activity_fixtures import short_run, track_of

FITELT = str(Path(sys.executable).parent / "fitelt")


def _import(*args: str | Path) -> subprocess.CompletedProcess:
    command = [FITELT, "import", *map(str, args), "--athlete", "demo"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=os.environ)


def _waiting() -> dict[str, list[InboxFile]]:
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)
    return {kind: inbox.pending(kind) for kind in ("activity_files", "strava")}


def test_activity_files_are_recognised_by_content_not_name(
    fitelt_env: ConnInfo, tmp_path: Path
) -> None:
    folder = tmp_path / "my watch (2026)"
    folder.mkdir()
    fit = write_fit(folder / "Morning Run.fit", track_of(short_run(3), seed=41))
    (folder / "renamed.txt").write_bytes(fit.read_bytes())  # same bytes: one inbox file
    (folder / "other run.FIT.GZ").write_bytes(
        gzip.compress(write_fit(tmp_path / "b.fit", track_of(short_run(4), seed=42)).read_bytes())
    )
    write_gpx(folder / "trail.gpx", track_of(short_run(3), seed=43))
    # Binary that is no export; its carriage returns once crashed the CSV header sniffing.
    (folder / "notes.bin").write_bytes(b"\x00\x01\r\x02" + bytes(range(256)) * 8)

    done = _import(folder)

    assert done.returncode == 2, done.stderr  # notes.bin refused, the rest imported
    errors = [line for line in done.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "notes.bin" in errors[0] and "Traceback" not in done.stderr
    assert "FIT/TCX/GPX" in errors[0]  # the message says what would have been accepted
    names = sorted(item.original_name for item in _waiting()["activity_files"])
    assert names == ["Morning Run.fit", "other run.FIT.GZ", "trail.gpx"]


def test_a_strava_bulk_export_brings_its_activities_csv_as_a_strava_export(
    fitelt_env: ConnInfo, tmp_path: Path
) -> None:
    from dlt_sources.synthetic.activity_files import write_sample_activity_files

    sample = write_sample_activity_files(tmp_path / "sample", count=2)
    [archive] = [path for path in sample if path.suffix == ".zip"]

    first, again = _import(archive), _import(archive)

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    waiting = _waiting()
    assert [item.original_name for item in waiting["activity_files"]] == [archive.name]
    assert [item.original_name for item in waiting["strava"]] == [f"{archive.name}!activities.csv"]
    assert "already waiting" in again.stderr  # both the zip and its CSV: nothing new
    assert "fitelt-embedded" not in first.stderr  # the member is named, not a temp copy
