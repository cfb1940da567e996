"""Parallel decoding: the pool gives what in-process decoding gives, in order, and dies with
its reader. Decoder processes are found in /proc by the marker their environment carries."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from dlt_sources.activity_files.arrow_tables import Version
from dlt_sources.activity_files.decoding import DecodeJob, version_tables
from dlt_sources.activity_files.pool import DecodePool
from dlt_sources.activity_files.reader import RunReader, VersionTables
from dlt_sources.activity_files.settings import CLOSE_WAIT_S, WORKER_MARKER
from dlt_sources.common.isolation import isolated_file_items
from dlt_sources.synthetic.activity_files import (
    fit_bytes,
    gpx_bytes,
    non_activity_fit_bytes,
    tcx_bytes,
)
from tests.conftest import PROJECT_ROOT
from tests.sources.activity_fixtures import ReadResult, short_run, source_file, track_of


def _processes_with(marker: str) -> set[int]:
    """Live (not zombie) processes whose environment holds `marker` (NAME=value)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.add(int(entry.name))
    return found


def _decoders() -> set[int]:
    return _processes_with(f"{WORKER_MARKER}={os.getpid()}")


def _fit(minutes: float, seed: int) -> bytes:
    return fit_bytes(track_of(short_run(minutes), seed=seed))


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _many_members(tmp_path: Path) -> Path:
    """16 activities of three formats, a truncated FIT in the middle, a settings file, a copy."""
    members = {f"a/{n:02d}.fit": _fit(4 + n % 5, seed=100 + n) for n in range(12)}
    cut = _fit(5, seed=99)
    members["a/05b_cut.fit"] = cut[: len(cut) // 2]
    members["a/06b.tcx"] = tcx_bytes(track_of(short_run(3), seed=7))
    members["a/07b.gpx"] = gpx_bytes(track_of(short_run(3, sport="Ride"), seed=8, laps=False))
    members["a/08b.fit.gz"] = gzip.compress(_fit(6, seed=9), mtime=0)
    members["a/09b_settings.fit"] = non_activity_fit_bytes()
    members["a/10b_copy.fit"] = members["a/03.fit"]
    return _archive(tmp_path / "export.zip", dict(sorted(members.items())))


def _read_run(paths: list[Path], *, workers: int) -> tuple[ReadResult, set[int]]:
    """What a planned run yields (as the source reads it), and the decoders seen meanwhile."""
    result = ReadResult()
    files = [source_file(path, result) for path in paths]
    seen: set[int] = set()
    with RunReader(workers=workers, pool_min_bytes=0) as reader:
        reader.plan(files)
        for one in files:
            for item in isolated_file_items("activity_files", one, reader.read):
                seen |= _decoders()
                if isinstance(item, VersionTables):
                    result.versions.append(item)
                else:
                    row = dict(item.data if hasattr(item, "data") else item)
                    row.pop("quarantined_at")
                    result.quarantined.append(row)
    result.counts = dict(reader.counts)
    return result, seen


def _same(pooled: ReadResult, alone: ReadResult) -> None:
    assert [v.files.to_pylist() for v in pooled.versions] == [
        v.files.to_pylist() for v in alone.versions
    ]
    for mine, theirs in zip(pooled.versions, alone.versions, strict=True):
        assert mine.records.equals(theirs.records) and mine.laps.equals(theirs.laps)
    assert pooled.quarantined == alone.quarantined
    assert pooled.rejected == alone.rejected
    assert pooled.counts == alone.counts


def test_the_pool_keeps_member_order_and_quarantines_a_bad_member_alone(tmp_path: Path) -> None:
    archive = _many_members(tmp_path)
    pooled, decoders = _read_run([archive], workers=2)
    alone, none = _read_run([archive], workers=1)

    assert len(decoders) >= 2 and none == set()  # the pool ran; workers=1 is in-process
    assert _decoders() == set()  # and ended with the reader
    names = [row["source_file"] for row in pooled.files]
    assert names == sorted(names) and len(names) == 15  # in member order; copy, cut, settings out
    assert [row["source_file"] for row in pooled.quarantined] == ["export.zip!a/05b_cut.fit"]
    assert "FIT file is corrupt or truncated" in pooled.quarantined[0]["reason"]
    assert pooled.counts == {"decoded": 15, "known": 0, "repeated": 1, "skipped": 1}
    _same(pooled, alone)


def test_files_of_a_run_decode_ahead_and_a_failing_file_loads_nothing(tmp_path: Path) -> None:
    paths = []
    for n in range(6):
        paths.append(tmp_path / f"run{n}.fit")
        paths[-1].write_bytes(_fit(5 + n, seed=200 + n))
    cut = _fit(6, seed=300)
    (tmp_path / "cut.fit").write_bytes(cut[: len(cut) // 3])
    paths.insert(3, tmp_path / "cut.fit")
    paths.insert(1, _archive(tmp_path / "parts.zip", {"x.fit": _fit(4, seed=301),
                                                      "y.fit": paths[0].read_bytes()}))  # fmt: skip
    paths.append(tmp_path / "again.fit")
    paths[-1].write_bytes(paths[2].read_bytes())  # decoded already in this run
    pooled, decoders = _read_run(paths, workers=2)
    alone, _ = _read_run(paths, workers=1)

    assert len(decoders) >= 2
    assert [name for name, _ in pooled.rejected] == ["cut.fit"]
    assert pooled.counts == {"decoded": 7, "known": 0, "repeated": 2, "skipped": 0}
    _same(pooled, alone)


def test_a_small_run_decodes_in_process(tmp_path: Path) -> None:
    path = tmp_path / "one.fit"
    path.write_bytes(_fit(8, seed=5))
    result = ReadResult()
    one = source_file(path, result)
    with RunReader(workers=2) as reader:  # default pool_min_bytes
        reader.plan([one])
        items = list(isolated_file_items("activity_files", one, reader.read))
        assert _decoders() == set()
    assert len(items) == 1 and reader.counts["decoded"] == 1


def test_workers_that_cannot_start_leave_decoding_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _many_members(tmp_path)
    alone, _ = _read_run([archive], workers=1)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # a worker that exits at once
    pooled, _ = _read_run([archive], workers=2)
    _same(pooled, alone)


def test_a_worker_killed_on_a_job_is_replaced_and_the_job_tried_again() -> None:
    job = DecodeJob("fit", _fit(120, seed=3), Version("v", "demo", "long.fit"))
    expected = version_tables(job)
    pool = DecodePool(1)
    try:
        warm = pool.submit(DecodeJob("fit", _fit(2, seed=4), Version("w", "demo", "w.fit")))
        assert warm.wait()[0] == "ok"
        (first,) = _decoders()
        pending = pool.submit(job)
        time.sleep(0.2)  # it is decoding (about a second)
        os.kill(first, signal.SIGKILL)
        status, tables, _ = pending.wait()
        assert status == "ok" and tables.records.equals(expected.records)
        assert first not in _decoders() and len(_decoders()) == 1
    finally:
        pool.close()
    assert _decoders() == set()


def test_a_reader_closed_mid_run_ends_its_decoders_at_once(tmp_path: Path) -> None:
    members = {f"{n}.fit": _fit(20, seed=500 + n) for n in range(10)}
    archive = _archive(tmp_path / "big.zip", members)
    one = source_file(archive, ReadResult())
    reader = RunReader(workers=2, pool_min_bytes=0)
    reader.plan([one])
    items = reader.read(one)
    next(items)  # the first member; the next ones are being decoded
    assert len(_decoders()) == 2
    started = time.monotonic()
    items.close()
    reader.close()
    assert _decoders() == set()
    assert time.monotonic() - started < CLOSE_WAIT_S  # busy ones killed, not waited for


CHILD = """
import sys, time
from pathlib import Path
from dlt_sources.activity_files.reader import RunReader
from dlt_sources.common.files import SourceFile
from dlt_sources.common.isolation import isolated_file_items

one = SourceFile(path=Path(sys.argv[1]), athlete_id="demo", timezone="UTC")
with RunReader(workers=2, pool_min_bytes=0) as reader:
    reader.plan([one])
    for item in isolated_file_items("activity_files", one, reader.read):
        time.sleep(0.2)  # a slow load: it is killed long before the end
"""


def test_a_killed_run_leaves_no_decoder_process(tmp_path: Path) -> None:
    members = {f"{n:03d}.fit": _fit(30, seed=400 + n) for n in range(24)}
    archive = _archive(tmp_path / "big.zip", members)
    marker = f"FITELT_TEST_RUN={uuid.uuid4().hex}"
    env = {**os.environ, marker.split("=")[0]: marker.split("=")[1]}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(archive)], env=env, cwd=PROJECT_ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while len(_processes_with(marker) - {child.pid}) < 2:
            assert child.poll() is None, "the reader ended before its decoders started"
            assert time.monotonic() < deadline, "no decoder process started"
            time.sleep(0.1)
        time.sleep(0.5)  # decoding
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker) == set()
