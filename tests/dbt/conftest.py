"""Fixtures the dbt tests share: the whole sample materialised once per test session.

test_marts_sample.py, test_marts_sample_crossfit.py and test_marts_sample_running.py compare
marts of the same sample warehouse with pandas; `marts_sample` builds it the first time one of
them asks (sources loaded, every mart built: the slow part) and hands the same build to the
others; `built` (module-scoped) hands it to a module with the installation's environment
set. tests/conftest.py puts every test that uses it in one xdist group, so `make test` builds
it once, on one worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import dagster as dg
import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import SAMPLE_WEIGHT_CSV, create_database, drop_database
from tests.dbt.marts_sample import (
    ATHLETE,
    CROSSFIT_CSV,
    SELECTION,
    STRAVA_CSV,
    Built,
    installation_env,
    local_today,
)


@pytest.fixture(scope="session")
def marts_sample(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """One installation for the session: the three sample files loaded and every mart built
    (the database is dropped at the end of the session)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    ensure_layout(db, reader_password=None)
    data_dir = tmp_path_factory.mktemp("marts_sample") / "data"
    try:
        with installation_env(db, data_dir):
            settings = Settings.from_env()
            inbox = Inbox(settings.inbox_dir, settings.archive_dir)
            for path in (SAMPLE_WEIGHT_CSV, STRAVA_CSV, CROSSFIT_CSV):
                inbox.drop(path, ATHLETE)
            before = local_today()
            result = materialize(SELECTION, instance=dg.DagsterInstance.ephemeral())
            assert succeeded(result), "materialising the sample failed (see the log)"
            todays = frozenset({before, local_today()})
        yield Built(db, todays, data_dir)
    finally:
        drop_database(pg_server, name)


@pytest.fixture(scope="module")
def built(marts_sample: Built) -> Iterator[Built]:
    """The session's sample warehouse, the installation's environment set for the module."""
    with installation_env(marts_sample.db, marts_sample.data_dir):
        yield marts_sample
