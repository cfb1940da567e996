"""Fixtures the report-site browser tests share: the sample site (built once per process,
tests/site/browser/site.py), served behind basic auth with the read API, and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fitelt.warehouse import ConnInfo
from tests.site.browser.cdp import Browser, find_chromium
from tests.site.browser.site import BuiltSite, sample_site
from tests.site.test_report_browser import serving


@pytest.fixture(scope="module")
def site(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return sample_site(pg_server, tmp_path_factory)


@pytest.fixture(scope="module")
def base_url(site: BuiltSite) -> Iterator[str]:
    with serving(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium: apt-get install -y chromium (or set CHROMIUM=/path/to/it)")
    with Browser(executable) as running:
        yield running
