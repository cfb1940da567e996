"""The report site builds strictly from the sample warehouse and from an empty one.

The sample build (all sources, every mart, the KNN forecast, then report_site) is shared with
tests/site/test_report_browser.py through tests/site/browser/site.py.
"""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.web.site_server import make_server
from orchestration.assets.report_site import report_site
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import create_database, query
from tests.site.browser.site import (
    PAGES,
    PIPELINE,
    BuiltSite,
    build_site_from,
    installation_env,
)

pytestmark = pytest.mark.slow

REPORTS = Path(__file__).resolve().parents[2] / "reports"
SOURCE_QUERIES = sorted(p.stem for p in (REPORTS / "sources" / "warehouse").glob("*.sql"))
FORECAST_TABLES = ("model_runs", "forecast_scenarios", "forecast_neighbours")


def _get(url: str, password: str | None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if password:
        token = base64.b64encode(f"fitelt:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _page_file(current: Path, page: str) -> Path:
    return current / page.strip("/") / "index.html" if page != "/" else current / "index.html"


def _parquet_rows(current: Path, source_query: str) -> int:
    files = list((current / "data" / "warehouse" / source_query).rglob("*.parquet"))
    assert len(files) == 1, f"{source_query}: expected one parquet file, found {files}"
    return pq.read_metadata(files[0]).num_rows


def test_report_site_depends_on_every_mart_and_the_forecast() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    parents = graph.get(report_site.key).parent_keys
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert marts <= parents
    assert dg.AssetKey("knn_forecast_models") in parents
    condition = report_site.specs_by_key[report_site.key].automation_condition
    assert condition is not None and "eager" in condition.get_label().lower()


def test_sample_site_builds_every_page_strictly(site: BuiltSite) -> None:
    materialised = {
        event.asset_key.to_user_string() for event in site.result.get_asset_materialization_events()
    }
    assert {"knn_forecast_models", "report_site", "marts/data_health"} <= materialised
    for page in PAGES:
        assert _page_file(site.current, page).is_file(), page
    metadata = site.result.asset_materializations_for_node("report_site")[0].metadata
    assert metadata["pages"].value >= len(PAGES)
    # Every source query was extracted; the sample fills the marts the pages lead with.
    for source_query in SOURCE_QUERIES:
        _parquet_rows(site.current, source_query)
    filled = ("weight_daily", "runs", "crossfit_sets", "forecast_scenarios", "wellness_daily")
    for source_query in filled:
        assert _parquet_rows(site.current, source_query) > 0, source_query


def test_data_health_reports_loads_and_quarantine(site: BuiltSite) -> None:
    rows = query(
        site.reader,
        "select source_name, freshness, loads_24h, raw_rows, quarantined_rows "
        "from marts.data_health order by source_name",
    )
    by_source = {row[0]: row[1:] for row in rows}
    for source in ("crossfit", "strava", "withings"):
        freshness, loads_24h, raw_rows, _ = by_source[source]
        assert (freshness, loads_24h >= 1, raw_rows > 0) == ("fresh", True, True), source
    # The sample has no malformed line; the shared build adds one (tests/site/browser/site.py).
    assert by_source["withings"][3] == 1
    reasons = query(
        site.reader,
        "select source_name, reason, quarantined_rows from marts.data_health_quarantine",
    )
    assert reasons == [("withings", "weight_kg: not a number: 'eighty'", 1)]
    athletes = query(site.reader, "select athlete_id, age_group from marts.athletes")
    assert athletes == [("demo", "unknown")]


def test_sample_site_is_served_behind_auth(site: BuiltSite) -> None:
    server = make_server(site.settings.site_dir, "127.0.0.1", 0, "s3cret-site-pass")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert _get(base + "/", None)[0] == 401
        assert _get(base + "/", "wrong")[0] == 401
        for page in PAGES:
            status, body = _get(base + page, "s3cret-site-pass")
            assert status == 200 and "<html" in body.lower(), page
    finally:
        server.shutdown()
        server.server_close()


def test_empty_warehouse_without_forecast_tables_still_builds(
    pg_server: ConnInfo, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """No file loaded, every mart empty, the forecast never run: the site builds anyway."""
    built = build_site_from(
        pg_server, tmp_path, files=[], selection=f"({PIPELINE}) and not key:knn_forecast_models"
    )
    # No page query failed on an empty source either (Evidence logs it and builds on: an
    # empty table has no column types, so e.g. a date function on it fails).
    build_output = capfd.readouterr()
    assert "Error in Query" not in build_output.out + build_output.err
    materialised = {
        event.asset_key.to_user_string()
        for event in built.result.get_asset_materialization_events()
    }
    assert "report_site" in materialised and "knn_forecast_models" not in materialised
    # report_site created the forecast's tables itself (empty) so their source queries work.
    for table in FORECAST_TABLES:
        assert query(built.reader, f"select count(*) from marts.{table}") == [(0,)]
    for page in PAGES:
        assert _page_file(built.current, page).is_file(), page
    # Evidence writes no parquet for a 0-row query; build_site wrote valid empty ones.
    for source_query in ("weight_daily", "runs", "crossfit_sets", "model_runs", "wellness_daily"):
        assert _parquet_rows(built.current, source_query) == 0, source_query
    overview = _page_file(built.current, "/").read_text()
    assert "Nothing in the warehouse yet" in overview
    assert "No forecast yet" in _page_file(built.current, "/forecast").read_text()
    recovery = _page_file(built.current, "/recovery").read_text()
    assert "No wellness data in the warehouse yet" in recovery
    # The live streams never ran: their staging read typed empty selects, the marts exist empty.
    for mart in ("foot_sensor_latest", "foot_sensor_anomaly_log", "bike_rides", "bike_riders"):
        assert query(built.reader, f"select count(*) from marts.{mart}") == [(0,)], mart
    assert "No foot-pressure readings" in _page_file(built.current, "/live-sensors").read_text()
    assert "No rides in the warehouse yet" in _page_file(built.current, "/rides").read_text()


def test_report_names_the_marts_it_needs_when_they_do_not_exist(
    pg_server: ConnInfo, tmp_path: Path
) -> None:
    """The site alone on a warehouse whose marts were never built: a clear failure, no build."""
    db = create_database(pg_server, f"r_{uuid.uuid4().hex[:12]}")
    ensure_layout(db, reader_password=None)
    with installation_env(db, tmp_path / "data"):
        settings = Settings.from_env()
        result = materialize("key:report_site", instance=dg.DagsterInstance.ephemeral())
    assert not succeeded(result)
    [failure] = result.get_step_failure_events()
    message = failure.step_failure_data.user_failure_data.description
    assert message.startswith("the report reads marts that do not exist yet: ")
    for mart in ("bike_rides", "foot_sensor_latest", "weight_daily"):
        assert mart in message
    assert "model_runs" not in message  # the forecast's tables are created by report_site
    assert not (settings.site_dir / "current").exists()
