"""A report site built once per test session from the sample data, for the report tests.

The report tests (tests/site/test_report_site.py, test_report_browser.py, test_activity_pages.py,
test_recovery_page.py) need the site built from the sample warehouse (sources → dbt marts → KNN
forecast → Evidence build:strict), about 3 min on 2 cores, most of it Evidence's build.
``sample_site`` builds it the first time one asks and hands the same build to the others
(tests/site/conftest.py wraps it in the module-scoped fixture `site`). tests/conftest.py puts
every test that uses `site` in one xdist group, so `make test` builds it once, on one worker.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import PROJECT_ROOT, Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import READER_ROLE, ensure_layout
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import create_database
from tests.site.browser.live_sample import load_live_sample

SAMPLE_FILES = sorted((PROJECT_ROOT / "sample_data").glob("*/*.csv"))
# The pipeline of the five file sources: their loads, every mart downstream (dbt), the KNN
# forecast and the report site, plus the live streams' dbt models (their loads poll live APIs:
# not selected; live_sample.py loads them first, or their marts build empty).
PIPELINE = (
    "group:withings+ or group:strava+ or group:crossfit+ or group:activity_files+"
    " or group:apple_health+ or (kind:dbt and (group:bikes+ or group:foot_sensor+))"
)
PAGES = (
    "/",
    "/weight",
    "/running",
    "/activities",
    "/crossfit",
    "/training-load",
    "/recovery",
    "/forecast",
    "/data-explorer",
    "/live-sensors",
    "/rides",
    "/data-health",
)


@dataclass(frozen=True)
class BuiltSite:
    """A warehouse and the report site built from it."""

    admin: ConnInfo
    reader: ConnInfo
    settings: Settings
    result: dg.ExecuteInProcessResult

    @property
    def current(self) -> Path:
        return self.settings.site_dir / "current"


_BUILT: dict[str, BuiltSite] = {}


@contextmanager
def installation_env(db: ConnInfo, data_dir: Path) -> Iterator[None]:
    """The environment of one installation (as tests/conftest.py's fitelt_env), temporarily."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FITELT_DATA_DIR", str(data_dir))
        patch.setenv("DATABASE_URL", db.url())
        patch.setenv("FITELT_DEFAULT_TIMEZONE", "Europe/Paris")
        patch.setenv("FITELT_SECRET_KEY", "test-secret-key-not-for-production")
        for name in list(os.environ):
            if name.startswith(("WITHINGS_", "STRAVA_", "GOOGLE_")):
                patch.delenv(name)
        yield


def build_site_from(
    pg_server: ConnInfo,
    root: Path,
    files: list[Path],
    selection: str = PIPELINE,
    live: bool = False,
) -> BuiltSite:
    """A new database, `files` dropped in the inbox for athlete demo (and with `live` the live
    streams' sample), then `selection` materialised."""
    db = create_database(pg_server, f"r_{uuid.uuid4().hex[:12]}")
    ensure_layout(db, reader_password=None)
    with installation_env(db, root / "data"):
        settings = Settings.from_env()
        inbox = Inbox(settings.inbox_dir, settings.archive_dir)
        for path in files:
            inbox.drop(path, "demo")
        if live:
            load_live_sample(db)
        result = materialize(selection, instance=dg.DagsterInstance.ephemeral())
    assert succeeded(result), "materialising the pipeline failed (see the log above)"
    return BuiltSite(
        admin=db, reader=db.as_user(READER_ROLE, "x"), settings=settings, result=result
    )


def malformed_weight_file(folder: Path) -> Path:
    """A Withings export whose only line is malformed: one row for the quarantine."""
    header = (PROJECT_ROOT / "sample_data" / "withings" / "weight.csv").read_text().splitlines()[0]
    path = folder / "weight_malformed.csv"
    path.write_text(f"{header}\n2024-01-01 07:00:00,eighty,,,,,\n")
    return path


def sample_site(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site built from all the sample data plus one malformed line and the live streams'
    sample (once per session)."""
    if "sample" not in _BUILT:
        root = tmp_path_factory.mktemp("sample-site")
        from dlt_sources.synthetic.activity_files import write_sample_activity_files
        from dlt_sources.synthetic.apple_health import write_sample_apple_health

        activity_files = write_sample_activity_files(root / "activities")  # as `make run` does
        apple_health = write_sample_apple_health(root / "apple_health")  # export.zip, likewise
        files = [*SAMPLE_FILES, *activity_files, apple_health, malformed_weight_file(root)]
        _BUILT["sample"] = build_site_from(pg_server, root, files, live=True)
    return _BUILT["sample"]
