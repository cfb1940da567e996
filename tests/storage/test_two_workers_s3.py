"""Two run workers on one S3 store and one warehouse, each with a local folder of its own.

They stand in for two pods: separate `FITELT_DATA_DIR` (their own dlt working folders, Dagster
home and downloads), the same `FITELT_STORAGE_URL` (moto's S3 server, real HTTP) and the same
PostgreSQL. Each imports an overlapping set of files and both load at once, while a third
party holds the pipelines' locks: the warehouse lock must make them take turns across
machines. Then one worker runs the whole pipeline (dbt, the forecast, the report site); the
other reads the forecast model from the store and a site server with a folder of its own serves
the release the first one uploaded. Nothing lost, nothing doubled: raw equals one clean run.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.warehouse.locks import is_locked, pipeline_lock
from tests.conftest import SAMPLE_WEIGHT_CSV, create_database, drop_database, query
from tests.reliability.helpers import load
from tests.storage.conftest import _free_port, pod_env, s3_keys

FITELT = str(Path(sys.executable).parent / "fitelt")
LOADS = "key:withings/measures or key:activity_files/files"
WHOLE_PIPELINE = (
    "group:withings+ or group:strava+ or group:crossfit+ or group:activity_files+"
    " or group:apple_health+ or (kind:dbt and (group:bikes+ or group:foot_sensor+))"
)
LINES = SAMPLE_WEIGHT_CSV.read_text().splitlines()
ACTIVITY_TABLES = ("activity_files", "activity_file_records", "activity_file_laps")


def _weights(folder: Path) -> list[Path]:
    """Three Withings exports; the second overlaps both others by 100 measurements."""
    folder.mkdir()
    n = len(LINES)
    slices = [(1, n // 2), (n // 2 - 100, n // 2 + 200), (n // 2 + 100, n)]
    paths = []
    for index, (start, end) in enumerate(slices):
        path = folder / f"weight {index} (export).csv"
        path.write_text("\n".join([LINES[0], *LINES[start:end]]) + "\n")
        paths.append(path)
    return paths


def _activities(folder: Path) -> list[Path]:
    from dlt_sources.synthetic.activity_files import write_sample_activity_files

    written = write_sample_activity_files(folder, count=6)
    return sorted(p for p in written if not p.name.endswith(".zip"))


def _run(args: list[str], env: dict[str, str], timeout: float = 900) -> str:
    done = subprocess.run([FITELT, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    assert done.returncode == 0, f"fitelt {' '.join(args)}: {done.stderr[-4000:]}"
    return done.stderr


def _facts(db: ConnInfo) -> dict[str, Any]:
    """Rows and distinct natural keys of the raw tables both workers wrote."""
    facts: dict[str, Any] = {}
    measures = query(db, "select athlete_id, measured_at, measure_type, value "
                         "from raw.withings_measures")  # fmt: skip
    facts["withings_measures"] = (len(measures), set(measures))
    for table in ACTIVITY_TABLES:
        [(rows, versions)] = query(
            db, f"select count(*), count(distinct (athlete_id, content_sha256)) from raw.{table}"
        )
        facts[table] = (rows, versions)
    facts["activity_files_keys"] = set(
        query(db, "select athlete_id, content_sha256 from raw.activity_files")
    )
    return facts


def _clean_run(pg_server: ConnInfo, root: Path, files: list[Path]) -> dict[str, Any]:
    """The same files loaded once, by one run, on local storage."""
    db = create_database(pg_server, f"clean_{uuid.uuid4().hex[:10]}")
    ensure_layout(db, reader_password=None)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.delenv("FITELT_STORAGE_URL")
            env.setenv("FITELT_DATA_DIR", str(root / "clean"))
            env.setenv("DATABASE_URL", db.url())
            settings = Settings.from_env()
            inbox = Inbox(settings.inbox_dir, settings.archive_dir)
            for path in files:
                inbox.drop(path, "demo")
            assert load("withings/measures", "activity_files/files").success
        return _facts(db)
    finally:
        drop_database(pg_server, db.dbname)


def _wait_for(what: str, test, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


@pytest.mark.slow
def test_two_workers_on_s3_lose_and_double_nothing(
    fitelt_env: ConnInfo, pg_server: ConnInfo, s3_storage: str, tmp_path: Path
) -> None:
    weights, activities = _weights(tmp_path / "w"), _activities(tmp_path / "a")
    pods = {name: pod_env(tmp_path / f"pod-{name}") for name in ("a", "b")}
    batches = {
        "a": [*weights[:2], *activities[:4]],  # disjoint and overlapping: weights[1] and
        "b": [*weights[1:], *activities[3:]],  # activities[3] are imported by both
    }
    imports = [
        subprocess.Popen(
            [FITELT, "import", *map(str, batches[name])],
            env=pods[name],
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for name in pods
    ]
    for run in imports:
        assert run.wait(timeout=300) == 0, run.stderr.read() if run.stderr else ""
    distinct = {hashlib.sha256(p.read_bytes()).hexdigest() for p in [*weights, *activities]}
    waiting = [key for key in s3_keys(s3_storage) if key.startswith("inbox/")]
    assert sorted(key.split("/")[-1].split("__")[0] for key in waiting) == sorted(distinct)

    # A third machine holds both pipelines while both workers start: each must wait for it.
    with ExitStack() as held:
        for pipeline in ("withings", "activity_files"):
            held.enter_context(pipeline_lock(fitelt_env, pipeline))
        runs = {
            name: subprocess.Popen(
                [FITELT, "materialize", "--select", LOADS],
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for name, env in pods.items()
        }
        waiters = (
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and application_name like 'fitelt: %% writer'"
        )
        _wait_for("both workers at the lock", lambda: query(fitelt_env, waiters)[0][0] >= 4)
    outputs = {name: run.communicate(timeout=600)[1] for name, run in runs.items()}
    for name, run in runs.items():
        assert run.returncode == 0, outputs[name][-4000:]
        assert "is loading: waiting for it" in outputs[name], outputs[name][-4000:]
    assert not is_locked(fitelt_env, "withings") and not is_locked(fitelt_env, "activity_files")

    keys = s3_keys(s3_storage)
    assert not [key for key in keys if key.startswith("inbox/")], "nothing left waiting"
    archived = [key.split("/")[-1].split("__")[0] for key in keys if key.startswith("archive/")]
    assert sorted(archived) == sorted(distinct), "each distinct file archived exactly once"
    assert not list((tmp_path / "pod-a" / "work").iterdir()), "run folders are disposable"
    loaded = _facts(fitelt_env)
    assert loaded["withings_measures"][0] == len(loaded["withings_measures"][1]), "no duplicate"
    assert loaded == _clean_run(pg_server, tmp_path, [*weights, *activities])

    # The whole pipeline on worker b; worker a and a site server on a third folder use its
    # results through the store alone.
    _run(["materialize", "--select", WHOLE_PIPELINE], pods["b"])
    keys = s3_keys(s3_storage)
    assert "models/demo/weight_kg/latest.json" in keys
    assert "site/CURRENT" in keys and any(k.startswith("site/releases/") for k in keys)
    forecast = subprocess.run([FITELT, "forecast", "--weeks", "2"], env=pods["a"],
                              capture_output=True, text=True, timeout=300)  # fmt: skip
    assert forecast.returncode == 0, forecast.stderr[-3000:]
    assert not (tmp_path / "pod-a" / "models").exists(), "read from the store, not a disk"
    assert "kg" in forecast.stdout + forecast.stderr

    port = _free_port()
    site_env = pod_env(tmp_path / "pod-site", FITELT_SITE_FOLLOW_S="1")
    with (tmp_path / "site.log").open("wb") as log:
        site = subprocess.Popen([FITELT, "serve-site", "--no-api", "--site-port", str(port)],
                                env=site_env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_for("the site from the store", lambda: _page(f"http://127.0.0.1:{port}/weight"))
    finally:
        site.terminate()
        site.wait(timeout=30)
    served = (tmp_path / "pod-site" / "site" / "current").resolve().name
    assert served in {key.split("/")[2] for key in keys if key.startswith("site/releases/")}


def _page(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status == 200 and b"<html" in answer.read(4096).lower()
    except OSError:
        return False
