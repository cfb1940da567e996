"""Every report page, rendered by headless Chromium from the served sample site.

The site is the sample build of tests/site/browser/site.py (shared with test_report_site.py), served
by ``make_server`` behind HTTP basic auth; Chromium is driven over the DevTools protocol
(tests/site/browser/cdp.py). A page passes when it rendered without any of the error blocks
Evidence draws for a failed query or component, without uncaught exceptions, console errors or
failed requests, and when its headline number equals the same number read with SQL.

What Evidence renders when something fails (core-components 5.4): a chart or table gets
``ErrorChart`` (a box titled with the component name and the error text), a BigValue
``BigValueError``, an inline Value ``ValueError``, an input ``InlineError`` (plus a
``console.error`` "Error in <Input>: ..."); all carry the ``border-negative/50`` class. A page
whose load throws is SvelteKit's error page: "Application Error" (500) or "Page Not Found".
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from fitelt.web.read_api import make_api_handler
from fitelt.web.site_server import make_server
from tests.conftest import query
from tests.live.helpers import ride_lines
from tests.site.browser.cdp import Browser, Page
from tests.site.browser.live_sample import RIDERS, load_bike_lines, write_foot_polls
from tests.site.browser.site import PAGES, BuiltSite, installation_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "browser-test-pass"
READY_TIMEOUT_S = 60.0
SETTLE_S = 1.0

# Evidence's error blocks (see the module docstring) and SvelteKit's error page.
ERRORS_JS = """(() => {
    const blocks = Array.from(document.querySelectorAll('[class*="border-negative/50"]'))
        .map((e) => e.innerText.trim().slice(0, 300));
    const heading = document.querySelector('h1')?.innerText ?? '';
    if (/Application Error|Page Not Found|Unknown Error/.test(heading)) blocks.push(heading);
    return blocks;
})()"""
# Rendered: the page's article is there, no query is still loading (skeletons), and the
# page-specific element is drawn (a chart's canvas) or filled in (a value).
READY_JS = """(() => {{
    const article = document.querySelector('article');
    if (!article || article.querySelector('.animate-pulse')) return false;
    const marker = document.querySelector({marker});
    return !!marker && (marker.tagName === 'CANVAS' || marker.innerText.trim().length > 0);
}})()"""
MARKERS = {
    "/": ".latest-weight-value",
    "/weight": "article canvas",
    "/running": "article canvas",
    "/activities": ".activities-count-value",
    "/crossfit": ".max-weight-value",
    "/training-load": ".latest-acwr-value",
    "/recovery": ".last-hrv-value",
    "/forecast": ".predicted-weight-value",
    "/data-explorer": ".explore-rows-value",
    "/live-sensors": ".anomalies-total-value",
    "/rides": ".ride-count-value",
    "/data-health": ".quarantined-rows-value",
}
# The web app manifest is fetched without credentials (as every browser does for
# <link rel=manifest>), so behind basic auth it is a 401; nothing on the page needs it.
IGNORED_STATUSES = ("/manifest.webmanifest",)


@contextmanager
def serving(site: BuiltSite, with_api: bool = True) -> Iterator[str]:
    """The built site behind basic auth, with the read API under /v1 as `fitelt serve` has."""
    api = (
        make_api_handler(site.admin.dsn(), "Europe/Paris", site.settings.data_dir)
        if with_api
        else None
    )
    server = make_server(site.settings.site_dir, "127.0.0.1", 0, PASSWORD, api_handler=api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def open_page(browser: Browser, base_url: str, path: str) -> Page:
    """Load `path` with credentials and wait until it has rendered."""
    page = browser.new_page(basic_auth=("fitelt", PASSWORD))
    page.goto(base_url + path, timeout=READY_TIMEOUT_S)
    marker = json.dumps(MARKERS[path.split("?")[0]])
    try:
        page.wait_for(READY_JS.format(marker=marker), timeout=READY_TIMEOUT_S)
    except Exception:
        errors = page.evaluate(ERRORS_JS)
        page.close()
        raise AssertionError(f"{path} did not render; error blocks: {errors}") from None
    time.sleep(SETTLE_S)  # late queries of the page (charts below the fold)
    return page


def _status(url: str, password: str | None) -> int:
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(f"fitelt:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_auth_401_without_credentials_200_with(base_url: str) -> None:
    for path in ("/", "/forecast", "/data/manifest.json"):
        assert _status(base_url + path, None) == 401, path
        assert _status(base_url + path, "not-the-password") == 401, path
        assert _status(base_url + path, PASSWORD) == 200, path


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_without_errors(browser: Browser, base_url: str, path: str) -> None:
    page = open_page(browser, base_url, path)
    try:
        assert page.evaluate(ERRORS_JS) == []
        assert page.log.exceptions == []
        assert page.log.console_errors == []
        assert page.log.failed_requests == []
        bad = {
            url: status
            for url, status in page.log.statuses.items()
            if status >= 400 and not url.endswith(IGNORED_STATUSES)
        }
        assert bad == {}
    finally:
        page.close()


def _text(page: Page, selector: str) -> str:
    return page.evaluate(f"document.querySelector({json.dumps(selector)}).innerText.trim()")


def _shown(value: float | None, digits: int) -> str:
    """How a BigValue with fmt "#,##0.0…" shows `value`; a NULL is Evidence's "-"."""
    return "-" if value is None else f"{value:,.{digits}f}"


TODAY_SQL = (
    "select ctl, atl, tsb, ramp_rate, acwr, acwr_ewma, history_days "
    "from marts.training_load_daily where athlete_id = 'demo' order by day desc limit 1"
)


def test_overview_latest_weight_and_form_match_sql(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    [(weight,)] = query(
        site.reader,
        "select weight_kg from marts.weight_daily where athlete_id = 'demo' "
        "and weight_kg is not null order by day desc limit 1",
    )
    [(fat,)] = query(
        site.reader,
        "select fat_ratio_pct from marts.weight_daily where athlete_id = 'demo' "
        "and fat_ratio_pct is not null order by day desc limit 1",
    )
    [(ctl, atl, tsb, *_)] = query(site.reader, TODAY_SQL)
    page = open_page(browser, base_url, "/")
    try:
        assert _text(page, ".latest-weight-value") == f"{weight:.1f}"
        assert _text(page, ".latest-fat-ratio-value") == f"{fat:.1f}"
        assert _text(page, ".form-tsb-value") == _shown(tsb, 1)
        assert _text(page, ".form-ctl-value") == _shown(ctl, 1)
        assert _text(page, ".form-atl-value") == _shown(atl, 1)
    finally:
        page.close()


def test_training_load_today_and_charts_match_sql(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    """Today's CTL/ATL/TSB/ramp rate and both ACWRs as in SQL (a blank ratio explained); the
    performance-management chart (fitness/fatigue and form) and the zone chart are drawn."""
    [(ctl, atl, tsb, ramp, acwr, acwr_ewma, history_days)] = query(site.reader, TODAY_SQL)
    [(zone_activities,)] = query(
        site.reader,
        "select count(*) from marts.activities where athlete_id = 'demo' and hr_seconds > 0",
    )
    assert zone_activities > 0  # the sample's activity files have heart-rate samples
    page = open_page(browser, base_url, "/training-load")
    try:
        shown = {
            ".latest-ctl-value": _shown(ctl, 1),
            ".latest-atl-value": _shown(atl, 1),
            ".latest-tsb-value": _shown(tsb, 1),
            ".latest-ramp-value": _shown(ramp, 1),
            ".latest-acwr-value": _shown(acwr, 2),
            ".latest-acwr-ewma-value": _shown(acwr_ewma, 2),
        }
        assert {selector: _text(page, selector) for selector in shown} == shown
        headline = _text(page, "#latest-load")
        if history_days < 28:
            assert f"warm-up: day {history_days} of 28" in headline
        elif acwr is None:
            assert "no load in the last 28 days" in headline
        page.wait_for("document.querySelectorAll('#pmc canvas').length === 2")
        page.wait_for("document.querySelectorAll('#zone-time canvas').length === 1")
        assert "28-day warm-up" in _text(page, "article")
        assert page.evaluate(ERRORS_JS) == []
    finally:
        page.close()


def test_crossfit_records_match_sql(browser: Browser, base_url: str, site: BuiltSite) -> None:
    """The default exercise is the most practised weighted one; its max weight is right."""
    [(exercise, max_weight)] = query(
        site.reader,
        "select exercise, max_weight_kg from marts.crossfit_exercise_stats "
        "where athlete_id = 'demo' "
        "order by max_weight_kg is null, sessions desc, exercise limit 1",
    )
    page = open_page(browser, base_url, "/crossfit")
    try:
        picker = _text(page, "button[aria-label='Exercise']")
        assert picker.splitlines()[-1].strip() == exercise
        assert _text(page, ".max-weight-value") == f"{max_weight:.1f}"
    finally:
        page.close()


def test_crossfit_actual_and_estimated_1rm_and_progression(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    """The default exercise's best single and best e1RM equal SQL; both strength charts draw."""
    [(single, e1rm)] = query(
        site.reader,
        "select best_single_kg, best_estimated_1rm_kg from marts.crossfit_exercise_stats "
        "where athlete_id = 'demo' "
        "order by max_weight_kg is null, sessions desc, exercise limit 1",
    )
    assert single is not None and e1rm >= single  # the sample's default lift has singles
    page = open_page(browser, base_url, "/crossfit")
    try:
        assert _text(page, ".best-single-value") == f"{single:.1f}"
        assert _text(page, ".best-e1rm-value") == f"{e1rm:.1f}"
        page.wait_for("!!document.querySelector('#strength-progression canvas')")
        page.wait_for("!!document.querySelector('#actual-vs-estimated canvas')")
    finally:
        page.close()


def test_data_health_quarantine_matches_sql(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    [(quarantined,)] = query(site.reader, "select sum(quarantined_rows) from marts.data_health")
    assert quarantined == 1  # the malformed line the shared build adds
    page = open_page(browser, base_url, "/data-health")
    try:
        assert _text(page, ".quarantined-rows-value") == f"{quarantined:,}"
        assert "weight_kg: not a number" in _text(page, "article")
    finally:
        page.close()


LIVE_SENSORS_JS = """(() => Array.from(document.querySelectorAll('.live-sensors .person'))
    .map((card) => [Number(card.dataset.personId),
        Array.from(card.querySelectorAll('.live-sensor-value')).map((v) => Number(v.innerText))])
)()"""


def test_live_sensors_show_the_newest_readings_and_the_anomaly_log(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    """Fresh polls written now appear in the live view as in SQL; anomalies total = the mart."""
    write_foot_polls(site.admin, time.time(), polls_per_person=4)
    newest = query(
        site.admin,
        "select distinct on (person_id, sensor_id) person_id, sensor_id, value "
        "from raw.foot_sensor_readings order by person_id, sensor_id, polled_at desc",
    )
    expected = [
        [person, [value for p, _, value in newest if p == person]]
        for person in sorted({p for p, _, _ in newest})
    ]
    assert len(expected) == 6
    [(anomalies,)] = query(site.reader, "select count(*) from marts.foot_sensor_anomaly_log")
    assert anomalies > 0  # the sample has some (5 % of the simulator's readings)
    page = open_page(browser, base_url, "/live-sensors")
    try:
        page.wait_for("document.querySelector('.live-sensors')?.dataset.state === 'live'")
        assert page.evaluate(LIVE_SENSORS_JS) == expected
        assert _text(page, ".anomalies-total-value") == f"{anomalies:,}"
    finally:
        page.close()


def test_rides_live_view_and_leaderboard_match_sql(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    """A ride going on now is in the live view; the leaderboard's leader and totals = SQL."""
    ella = RIDERS["ella"]
    start = time.time() - 8
    seconds = [(150, 80, 40, 180.0), (230, 82, 40, 190.0), (152, 84, 40, 200.0)]
    with installation_env(site.admin, site.settings.data_dir):
        load_bike_lines(ride_lines("bike-04", start, ella, seconds))
    [(rides,)] = query(site.reader, "select count(*) from marts.bike_rides")
    [(leader,)] = query(
        site.reader,
        "select rider_name from marts.bike_rides group by user_id, rider_name "
        "order by count(*) desc, rider_name, user_id limit 1",
    )
    page = open_page(browser, base_url, "/rides")
    try:
        page.wait_for("document.querySelectorAll('.live-ride').length > 0")
        row = page.evaluate(
            "Array.from(document.querySelector('.live-ride').cells).map((c) => c.innerText)"
        )
        assert row[:5] == ["bike-04", ella["name"], "female", "30", "0:03"]
        assert row[5] == "152" and row[8] == "200.0"  # the newest second's heart rate, power
        assert _text(page, ".ride-count-value") == f"{rides:,}"
        assert _text(page, ".leaderboard-top") == leader
    finally:
        page.close()


def test_live_views_say_so_without_the_read_api(browser: Browser, site: BuiltSite) -> None:
    """The site served without /v1 (static hosting): the live view explains, nothing breaks."""
    with serving(site, with_api=False) as url:
        page = open_page(browser, url, "/live-sensors")
        try:
            page.wait_for(
                "document.querySelector('.live-sensors')?.dataset.state === 'unavailable'"
            )
            assert "Live feed unavailable" in _text(page, ".live-sensors")
            assert page.evaluate(ERRORS_JS) == []
        finally:
            page.close()
