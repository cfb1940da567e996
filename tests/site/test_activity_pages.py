"""The activity pages (issue #16), rendered by headless Chromium from the served sample site.

The sample build of tests/site/browser/site.py holds the sample athlete's FIT/TCX/GPX files, so
`marts.activities` and the marts around it have rows. The activities index lists them, one page
per activity was prerendered, and a page's headline numbers, route and laps match the marts; the
route is drawn from the file's positions only: a page makes no request to any host but the site.
The Running page links to activity pages and shows the best efforts. The downsampling of the
chart and route extracts is checked on its own, on hand-made records (fast, no pipeline).
"""

from __future__ import annotations

import json
import math
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from tests.conftest import create_database, query
from tests.site.browser.cdp import Browser, Page
from tests.site.browser.site import BuiltSite
from tests.site.test_report_browser import ERRORS_JS, IGNORED_STATUSES, PASSWORD

SOURCES = Path(__file__).resolve().parents[2] / "reports" / "sources" / "warehouse"
ATHLETE = "demo"
READY_TIMEOUT_S = 60.0
SETTLE_S = 1.0

# Rendered: the article is there, nothing is loading, and `marker` is filled in.
READY_JS = """(() => {{
    const article = document.querySelector('article');
    if (!article || article.querySelector('.animate-pulse')) return false;
    const marker = document.querySelector({marker});
    return !!marker && (marker.tagName === 'CANVAS' || marker.innerText.trim().length > 0);
}})()"""
# The body rows of the DataTable drawn for the query `name`, as lists of cell texts.
TABLE_ROWS_JS = """(() => {{
    const table = document.querySelector('[data-testid="DataTable-{name}"] table');
    if (!table) return null;
    return Array.from(table.querySelectorAll('tr'))
        .filter((row) => !row.closest('thead'))
        .map((row) => Array.from(row.cells).map((cell) => cell.innerText.trim()));
}})()"""
# The paths the links of that table lead to, in row order.
TABLE_LINKS_JS = """(() => {{
    const table = document.querySelector('[data-testid="DataTable-{name}"] table');
    return table && Array.from(table.querySelectorAll('a[href]'))
        .map((a) => new URL(a.href).pathname);
}})()"""
# Every URL the page asked for: responses, failures, and the resource timing entries.
RESOURCES_JS = "performance.getEntriesByType('resource').map((entry) => entry.name)"


def _source(name: str) -> str:
    """A source query of the site, to run against the warehouse as a subquery."""
    return (SOURCES / f"{name}.sql").read_text()


@pytest.fixture(scope="module")
def activity(site: BuiltSite) -> dict:
    """The sample athlete's activity with the longest GPS track, as the marts have it."""
    rows = query(
        site.reader,
        "select a.activity_id, a.distance_m, a.moving_time_s, a.avg_heart_rate "
        "from marts.activities as a "
        "join marts.activity_records as r using (athlete_id, activity_id) "
        "where a.athlete_id = %s and r.lat is not null and r.lon is not null "
        "group by a.activity_id, a.distance_m, a.moving_time_s, a.avg_heart_rate "
        "order by count(*) desc, a.activity_id limit 1",
        (ATHLETE,),
    )
    assert rows, (
        "the sample has no activity with GPS records: the sample FIT/TCX/GPX files are not in "
        "the pipeline of tests/site/browser/site.py"
    )
    activity_id, distance_m, moving_time_s, avg_heart_rate = rows[0]
    [(slug,)] = query(
        site.reader,
        f"select activity_slug from ({_source('activities')}) as a "
        "where athlete_id = %s and activity_id = %s",
        (ATHLETE, activity_id),
    )
    [(route_points,)] = query(
        site.reader,
        f"select count(*) from ({_source('activity_route')}) as r "
        "where athlete_id = %s and activity_id = %s",
        (ATHLETE, activity_id),
    )
    laps = query(
        site.reader,
        "select lap_source, lap_index, distance_m from marts.activity_laps "
        "where athlete_id = %s and activity_id = %s order by lap_source, lap_index",
        (ATHLETE, activity_id),
    )
    return {
        "activity_id": activity_id,
        "url": f"/activities/{ATHLETE}/{slug}/",
        "distance_m": float(distance_m),
        "moving_time_s": float(moving_time_s),
        "avg_heart_rate": None if avg_heart_rate is None else float(avg_heart_rate),
        "route_points": route_points,
        "laps": laps,
    }


def open_page(browser: Browser, base_url: str, path: str, marker: str) -> Page:
    """Load `path` with credentials and wait until `marker` has rendered."""
    page = browser.new_page(basic_auth=("fitelt", PASSWORD))
    page.goto(base_url + path, timeout=READY_TIMEOUT_S)
    try:
        page.wait_for(READY_JS.format(marker=json.dumps(marker)), timeout=READY_TIMEOUT_S)
    except Exception:
        errors = page.evaluate(ERRORS_JS)
        page.close()
        raise AssertionError(f"{path} did not render {marker}; error blocks: {errors}") from None
    time.sleep(SETTLE_S)  # late queries of the page (charts below the fold)
    return page


def assert_clean_and_local(page: Page, base_url: str) -> None:
    """No error block, exception, console error or failed request; no host but the site."""
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
    site_host = urlsplit(base_url).netloc
    urls = [*page.log.statuses, *page.evaluate(RESOURCES_JS)]
    foreign = sorted(
        {
            url
            for url in urls
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).netloc != site_host
        }
    )
    assert foreign == [], f"requests to other hosts: {foreign}"


def _text(page: Page, selector: str) -> str:
    return page.evaluate(f"document.querySelector({json.dumps(selector)}).innerText.trim()")


def _clock(seconds: float) -> str:
    """h:mm:ss as the pages write it (rounded half away from zero, as DuckDB's round)."""
    total = math.floor(float(seconds) + 0.5)
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"


RECORDS_DDL = """
create schema marts;
create table marts.activity_records (
    athlete_id text, activity_id text, recorded_at timestamptz, elapsed_s double precision,
    timer_s double precision, distance_m double precision, heart_rate integer,
    speed_mps double precision, cadence integer, power_w double precision,
    altitude_m double precision, lat double precision, lon double precision,
    temperature_c double precision
);
-- A 3-hour run at 1 Hz (30 km at 2.8 m/s), half an hour of it without speeds, and an hour of a
-- GPX track without distances or speeds (the first fix missing: (0, 0)).
insert into marts.activity_records
select 'a', 'long', timestamptz '2026-01-04 08:00Z' + make_interval(secs => s), s, s, s * 2.8,
    140 + s % 20, 2.8, 88, null, 40 + sin(s / 300.0), 48.85 + 0.02 * sin(s / 1719.0),
    2.35 + 0.03 * cos(s / 1719.0), 12
from generate_series(0, 10799) as s;
insert into marts.activity_records
select 'a', 'nospeed', timestamptz '2026-01-06 08:00Z' + make_interval(secs => s), s, s, s * 2.8,
    null, null, null, null, null, null, null, null
from generate_series(0, 1799) as s;
insert into marts.activity_records
select 'a', 'nodist', timestamptz '2026-01-05 08:00Z' + make_interval(secs => s), s, s, null,
    null, null, null, null, null, case when s = 0 then 0 else 45.0 + s * 1e-5 end,
    case when s = 0 then 0 else 4.8 end, null
from generate_series(0, 3599) as s;
"""


def test_source_queries_downsample_long_activities(pg_server: ConnInfo) -> None:
    """The chart and route extracts stay small however long the activity (real PostgreSQL)."""
    db = create_database(pg_server, f"r_{uuid.uuid4().hex[:12]}")
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(RECORDS_DDL)
    samples = {
        row[0]: row[1:]
        for row in query(
            db,
            "select activity_id, count(*), max(distance_km), min(pace_min_per_km), "
            "max(pace_min_per_km), count(speed_kmh), max(elapsed_min) "
            f"from ({_source('activity_samples')}) as s group by activity_id",
        )
    }
    points, km, fastest, slowest, speeds, _ = samples["long"]
    assert 700 <= points <= 801  # 10 800 records; 25 m steps would give 1 210
    assert km == pytest.approx(30.24, abs=0.05)
    assert fastest == slowest == pytest.approx(1000 / 60 / 2.8, abs=0.01)
    assert speeds == points
    points, km, fastest, slowest, _, _ = samples["nospeed"]  # speed = distance over time
    assert (points, km) == (202, pytest.approx(5.037, abs=0.025))  # a mean within the last 25 m
    assert fastest == slowest == pytest.approx(1000 / 60 / 2.8, abs=0.01)
    points, km, _, _, speeds, minutes = samples["nodist"]
    assert (points, km, speeds) == (360, None, 0)  # one per 10 s of elapsed time
    assert minutes == pytest.approx(59.83, abs=0.01)
    route = {
        row[0]: row[1:]
        for row in query(
            db,
            "select activity_id, count(*), min(lat), max(lon) "
            f"from ({_source('activity_route')}) as r group by activity_id",
        )
    }
    assert 900 <= route["long"][0] <= 1002
    assert route["nodist"] == (721, 45.00001, 4.8)  # 720 steps of 5 s, (0, 0) left out, + the last
    [ends] = query(
        db,
        "select (array_agg(lat order by point))[1], (array_agg(lat order by point desc))[1] "
        f"from ({_source('activity_route')}) as r where activity_id = 'long'",
    )
    assert ends == (48.85, round(48.85 + 0.02 * math.sin(10799 / 1719.0), 6))


@pytest.mark.slow
def test_every_activity_of_the_sample_has_a_prerendered_page(site: BuiltSite) -> None:
    slugs = query(
        site.reader,
        f"select athlete_id, activity_slug from ({_source('activities')}) as a order by 1, 2",
    )
    assert any(athlete == ATHLETE for athlete, _ in slugs), "the sample has no activity files"
    for athlete, slug in slugs:
        page = site.current / "activities" / athlete / slug / "index.html"
        assert page.is_file(), page
    assert (site.current / "activities" / "index.html").is_file()


@pytest.mark.slow
@pytest.mark.browser
def test_activities_index_lists_the_athletes_activities_with_links(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    expected = query(
        site.reader,
        f"select activity_slug from ({_source('activities')}) as a where athlete_id = %s "
        "order by started_at desc, activity_id",
        (ATHLETE,),
    )
    page = open_page(browser, base_url, "/activities/", ".activities-count-value")
    try:
        assert_clean_and_local(page, base_url)
        assert _text(page, ".activities-count-value") == f"{len(expected):,}"
        rows = page.evaluate(TABLE_ROWS_JS.format(name="activity_list"))
        assert rows is not None and len(rows) == min(len(expected), 25)
        # The rows are in the prerendered HTML; their links only once the table hydrated.
        links_js = TABLE_LINKS_JS.format(name="activity_list")
        page.wait_for(f"({links_js} || []).length >= {min(len(expected), 25)}")
        links = page.evaluate(links_js)
        assert links == [f"/activities/{ATHLETE}/{slug}/" for (slug,) in expected[:25]]
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_activity_page_headline_route_and_laps_match_the_marts(
    browser: Browser, base_url: str, activity: dict
) -> None:
    page = open_page(browser, base_url, activity["url"], ".activity-distance-value")
    try:
        assert_clean_and_local(page, base_url)
        assert _text(page, ".activity-distance-value") == f"{activity['distance_m'] / 1000:,.2f}"
        assert _text(page, ".activity-moving-time-value") == _clock(activity["moving_time_s"])
        if activity["avg_heart_rate"] is not None:
            shown = float(_text(page, ".activity-avg-hr-value").replace(",", ""))
            assert abs(shown - activity["avg_heart_rate"]) <= 0.5
        # The route: one SVG path through every downsampled position, drawn without tiles.
        route = page.evaluate(
            """(() => {
                const path = document.querySelector('#activity-route svg path.route-line');
                const figure = document.querySelector('#activity-route figure.route-map');
                return path && {
                    commands: (path.getAttribute('d').match(/[ML]/g) || []).length,
                    points: Number(figure.dataset.points),
                    tiles: document.querySelectorAll('#activity-route image').length,
                    markers: document.querySelectorAll(
                        '#activity-route .route-start, #activity-route .route-finish').length,
                    length: path.getTotalLength(),
                };
            })()"""
        )
        assert route is not None, "no route drawn"
        assert route["points"] == activity["route_points"] >= 50
        assert route["commands"] == route["points"]
        assert (route["tiles"], route["markers"]) == (0, 2)
        assert route["length"] > 100  # px: a track, not a dot
        # Laps: the file's own laps, and the 1 km splits, each row in its table.
        for source, table in (("file", "file_laps"), ("auto_1km", "splits")):
            laps = [(index, m) for kind, index, m in activity["laps"] if kind == source]
            rows = page.evaluate(TABLE_ROWS_JS.format(name=table))
            if not laps:
                assert rows is None, f"{table} drawn without laps"
                continue
            assert rows is not None, f"no {table} table"
            assert [row[0] for row in rows] == [str(index) for index, _ in laps[:50]]
            assert [row[1] for row in rows] == [f"{m / 1000:,.2f}" for _, m in laps[:50]]
        assert activity["laps"], "the sample activity has no laps at all"
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_running_page_links_to_activities_and_shows_best_efforts(
    browser: Browser, base_url: str, site: BuiltSite
) -> None:
    running = {
        f"/activities/{ATHLETE}/{slug}/"
        for (slug,) in query(
            site.reader,
            f"select activity_slug from ({_source('activities')}) as a "
            "where athlete_id = %s and sport = 'running'",
            (ATHLETE,),
        )
    }
    bests = query(
        site.reader,
        "select e.effort, min(e.seconds) from marts.best_efforts as e "
        "join marts.activities as a using (athlete_id, activity_id) "
        "where e.athlete_id = %s and a.sport = 'running' and e.athlete_rank = 1 "
        "and e.distance_m > 0 "
        "group by e.effort order by min(e.distance_m)",
        (ATHLETE,),
    )
    assert running and bests, "the sample has no runs from activity files, or no best efforts"
    page = open_page(browser, base_url, "/running/", "#personal-bests table")
    try:
        assert_clean_and_local(page, base_url)
        page.wait_for(f"({TABLE_LINKS_JS.format(name='file_runs')} || []).length > 0")
        links = page.evaluate(TABLE_LINKS_JS.format(name="file_runs"))
        assert links and set(links) <= running
        rows = page.evaluate(TABLE_ROWS_JS.format(name="personal_bests"))
        assert [(row[0], row[1]) for row in rows] == [
            (effort, _clock(seconds)) for effort, seconds in bests
        ]
        page.wait_for("!!document.querySelector('#best-effort-history canvas')")
        # A personal best links to its activity page, which opens.
        [target, *_] = page.evaluate(TABLE_LINKS_JS.format(name="personal_bests"))
        assert target in running
    finally:
        page.close()
    page = open_page(browser, base_url, target, ".activity-distance-value")
    try:
        assert_clean_and_local(page, base_url)
    finally:
        page.close()
