"""PostgreSQL going down mid-run: the step fails transiently, Dagster retries it once the
server is back, and the result equals a clean run (no loss, no duplicates, cursor moved once).

Uses its own embedded server (the session one is shared by every other test).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dlt_sources.common.token_store import TokenStore
from fitelt.warehouse.athletes import ensure_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.warehouse.embedded import start_embedded, stop_embedded
from orchestration.lib import retries
from orchestration.resources.vendor_apis import WithingsApiResource
from tests.conftest import create_database, query
from tests.fakes import FakeWithings, make_withings_groups
from tests.reliability.helpers import load

BASE = int(datetime(2025, 3, 1, 6, 30, tzinfo=UTC).timestamp())
GROUPS = make_withings_groups([(BASE + i * 86_400, {1: 80 + i / 10, 8: 16.0}) for i in range(20)])


class GatedWithings(FakeWithings):
    """The second getmeas page waits until the test says the database is down."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_two = threading.Event()
        self.release = threading.Event()

    def _measure(self, request):  # type: ignore[no-untyped-def]
        if request.params.get("offset") and not self.page_two.is_set():
            self.page_two.set()
            self.release.wait(60)
        return super()._measure(request)


def _start_in_new_process(data_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; "
        "from fitelt.warehouse.embedded import start_embedded; "
        "start_embedded(Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(data_dir)], check=True, timeout=120)


@pytest.mark.slow
def test_postgres_restart_mid_run_is_retried_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(tempfile.mkdtemp(prefix="fitelt-restart-"))
    root.chmod(0o755)
    data_dir = root / "postgres"
    failed = threading.Event()
    real_delay = retries.retry_delay

    def delay_noting_the_failure(retry_number: int) -> float:
        failed.set()
        return real_delay(retry_number)

    monkeypatch.setattr(retries, "retry_delay", delay_noting_the_failure)
    monkeypatch.setenv("FITELT_RETRY_DELAY_S", "4")
    try:
        db = create_database(start_embedded(data_dir).as_user("postgres", "x"), "fitness")
        ensure_layout(db, reader_password=None)
        ensure_athlete(db, "demo", "Europe/Paris")
        monkeypatch.setenv("FITELT_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("DATABASE_URL", db.url())
        monkeypatch.setenv("FITELT_SECRET_KEY", "restart-test-key")
        with GatedWithings(GROUPS, page_size=5) as fake:
            TokenStore.open(tmp_path / "data" / "secrets").put(
                "withings", "demo", {"refresh_token": fake.current_refresh_token, "expires_at": 0}
            )

            def restart() -> None:  # stop while the API is being read, start after the failure
                fake.page_two.wait(120)
                stop_embedded(data_dir)
                fake.release.set()
                failed.wait(120)
                _start_in_new_process(data_dir)

            restarter = threading.Thread(target=restart, daemon=True)
            restarter.start()
            api = WithingsApiResource(
                client_id=fake.client_id, client_secret=fake.client_secret, base_url=fake.url
            )
            result = load("withings/measures", resources={"withings_api": api})
            restarter.join(timeout=60)
            lastupdates = [int(r.params["lastupdate"]) for r in fake.requests_to("/measure")]
        assert failed.is_set(), "the load never hit the stopped server"
        retried = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
        assert result.success and len(retried) == 1
        rows = query(
            db,
            "select count(*), count(distinct (athlete_id, measured_at, measure_type)) "
            "from raw.withings_measures",
        )[0]
        assert rows == (40, 40)  # 20 groups x (weight, fat mass): all there, once
        assert set(lastupdates) == {0}  # the failed attempt did not move the cursor
        assert query(db, "select count(*) from raw._dlt_loads")[0][0] >= 1
    finally:
        stop_embedded(data_dir)
        shutil.rmtree(root, ignore_errors=True)
