"""The report site builds strictly from the sample warehouse and is served with auth."""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli.materialize import materialize, succeeded
from orchestration.inbox import Inbox
from orchestration.report.server import make_server
from orchestration.settings import Settings
from tests.conftest import SAMPLE_WEIGHT_CSV


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


@pytest.mark.slow
def test_report_site_builds_strict_and_is_served_behind_auth(fitelt_env, tmp_path: Path) -> None:
    settings = Settings.from_env()
    Inbox(settings.inbox_dir, settings.archive_dir).drop(SAMPLE_WEIGHT_CSV, "demo")
    result = materialize(
        "group:withings+ and not key:knn_forecast_models",
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert succeeded(result)
    current = settings.site_dir / "current"
    assert (current / "index.html").is_file()
    assert (current / "weight" / "index.html").is_file()
    metadata = result.asset_materializations_for_node("report_site")[0].metadata
    assert metadata["pages"].value >= 2

    server = make_server(settings.site_dir, "127.0.0.1", 0, "s3cret-site-pass")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert _get(base + "/", None)[0] == 401
        assert _get(base + "/", "wrong")[0] == 401
        status, body = _get(base + "/weight", "s3cret-site-pass")
        assert status == 200 and "<html" in body.lower()
    finally:
        server.shutdown()
