"""A load SIGKILLed mid-extract, mid-normalise or mid-load leaves nothing lost or doubled.

Each scenario runs the real Withings asset in a subprocess (tests/reliability/kill_runner.py)
against its own database and data folder, for the export-file path and the API path, and kills
it when it reaches the phase. The next run (in-process, through Dagster) must then complete, and
its row counts and key sets must equal those of a clean run; the API cursor must not have moved.
The scenarios are launched together (they are independent) to keep the suite fast.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dlt_sources.common.token_store import TokenStore
from fitelt.inbox.store import Inbox
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.athletes import ensure_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from orchestration.resources.vendor_apis import WithingsApiResource
from tests.conftest import PROJECT_ROOT, SAMPLE_WEIGHT_CSV, create_database, drop_database, query
from tests.fakes import FakeWithings, make_withings_groups
from tests.reliability.helpers import load, snapshot

SECRET_KEY = "kill-test-secret-key"
BASE = int(datetime(2025, 3, 1, 6, 30, tzinfo=UTC).timestamp())
GROUPS = make_withings_groups(
    [(BASE + i * 86_400, {1: 80.0 + i / 10, 6: 20.5, 8: 16.4}) for i in range(30)]
)
SCENARIOS = [
    ("file", "extract"), ("file", "normalize"), ("file", "load-jobs"), ("file", "load"),
    ("api", "extract"), ("api", "normalize"), ("api", "load"),
]  # fmt: skip


@dataclass
class Installation:
    """One data folder + database (+ a Withings fake for the API path)."""

    db: ConnInfo
    data_dir: Path
    fake: FakeWithings | None = None
    killed: bool = False
    phase_reached: bool = False

    def env(self) -> dict[str, str]:
        env = {
            "FITELT_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.db.url(),
            "FITELT_SECRET_KEY": SECRET_KEY,
            "FITELT_DEFAULT_TIMEZONE": "Europe/Paris",
        }
        if self.fake:
            env |= {
                "WITHINGS_CLIENT_ID": self.fake.client_id,
                "WITHINGS_CLIENT_SECRET": self.fake.client_secret,
                "WITHINGS_API_BASE": self.fake.url,
            }
        return env

    def api(self) -> WithingsApiResource | None:
        if not self.fake:
            return None
        return WithingsApiResource(
            client_id=self.fake.client_id,
            client_secret=self.fake.client_secret,
            base_url=self.fake.url,
        )


def _install(server: ConnInfo, root: Path, mode: str) -> Installation:
    db = create_database(server, f"k_{uuid.uuid4().hex[:12]}")
    ensure_layout(db, reader_password=None)
    data_dir = root / uuid.uuid4().hex[:8]
    ensure_athlete(db, "demo", "Europe/Paris")
    if mode == "file":
        export = root / "weight.csv"  # 300 lines: the hook stops extraction at line 100
        if not export.exists():
            export.write_text("\n".join(SAMPLE_WEIGHT_CSV.read_text().splitlines()[:300]) + "\n")
        Inbox(data_dir / "inbox", data_dir / "archive").drop(export, "demo")
        return Installation(db, data_dir)
    fake = FakeWithings(GROUPS, page_size=5)
    store = TokenStore.open(data_dir / "secrets")  # FITELT_SECRET_KEY is set by the caller
    store.put("withings", "demo", {"refresh_token": fake.current_refresh_token, "expires_at": 0})
    return Installation(db, data_dir, fake)


def _run_to_completion(site: Installation, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in site.env().items():
        monkeypatch.setenv(name, value)
    api = site.api()
    result = load("withings/measures", resources={"withings_api": api} if api else None)
    assert result.success


@pytest.fixture(scope="module")
def killed(pg_server: ConnInfo) -> Iterator[dict[tuple[str, str], Installation]]:
    """Every scenario launched at once, each SIGKILLed when its phase is reached."""
    root = Path(tempfile.mkdtemp(prefix="fitelt-kill-"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FITELT_SECRET_KEY", SECRET_KEY)
        sites = {scenario: _install(pg_server, root, scenario[0]) for scenario in SCENARIOS}
    running = {}
    for (mode, phase), site in sites.items():
        signal_file = site.data_dir / "reached"
        site.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **site.env(), "FITELT_KILL_PHASE": phase}
        env["FITELT_KILL_SIGNAL"] = str(signal_file)
        for name in ("WITHINGS_CLIENT_ID", "WITHINGS_CLIENT_SECRET", "WITHINGS_API_BASE"):
            if name not in site.env():
                env.pop(name, None)
        log = (site.data_dir / "runner.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.kill_runner"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        running[(mode, phase)] = (process, signal_file)
    deadline = time.time() + 180
    for scenario, (process, signal_file) in running.items():
        while not signal_file.exists() and process.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        sites[scenario].phase_reached = signal_file.exists()
        process.send_signal(signal.SIGKILL)
        sites[scenario].killed = process.wait(timeout=30) == -signal.SIGKILL
    try:
        yield sites
    finally:
        for site in sites.values():
            if site.fake:
                site.fake.close()
            drop_database(pg_server, site.db.dbname)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def clean(pg_server: ConnInfo) -> Iterator[dict[str, dict]]:
    """The facts of an uninterrupted run of each path, for comparison."""
    root = Path(tempfile.mkdtemp(prefix="fitelt-clean-"))
    facts = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FITELT_SECRET_KEY", SECRET_KEY)
        for mode in ("file", "api"):
            site = _install(pg_server, root, mode)
            _run_to_completion(site, patch)
            facts[mode] = snapshot(site.db, "withings_measures")
            if site.fake:
                site.fake.close()
            drop_database(pg_server, site.db.dbname)
    shutil.rmtree(root, ignore_errors=True)
    yield facts


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=["-".join(s) for s in SCENARIOS])
def test_sigkill_mid_run_then_next_run_equals_a_clean_run(
    scenario: tuple[str, str], killed, clean, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = killed[scenario]
    log = (site.data_dir / "runner.log").read_text()[-3000:]
    assert site.phase_reached, f"the run never reached {scenario[1]}:\n{log}"
    assert site.killed
    mode, phase = scenario
    if mode == "file":  # a killed run never archives: the file waits for the next run
        assert len(Inbox(site.data_dir / "inbox", site.data_dir / "archive").pending("withings"))
    if query(site.db, "select to_regclass('raw._dlt_loads') is not null")[0][0]:
        assert query(site.db, "select count(*) from raw._dlt_loads")[0][0] == 0, "nothing committed"

    _run_to_completion(site, monkeypatch)
    after = snapshot(site.db, "withings_measures")
    assert after == clean[mode]  # same row counts and key sets: nothing lost, nothing doubled
    assert after["withings_measures"]["rows"] > 0
    if mode == "api":  # the killed run never moved the cursor: the next one read from 0
        lastupdates = [int(r.params["lastupdate"]) for r in site.fake.requests_to("/measure")]
        assert set(lastupdates) == {0}
    else:
        inbox = Inbox(site.data_dir / "inbox", site.data_dir / "archive")
        assert not inbox.pending("withings")
        assert len(list((site.data_dir / "archive" / "withings" / "demo").iterdir())) == 1
