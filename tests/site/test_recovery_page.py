"""The Recovery page and the Overview's recovery values (issue #18), in headless Chromium.

The sample build of tests/site/browser/site.py holds the sample athlete's Apple Health
export.zip, so `marts.wellness_daily` has rows. The page's headline numbers (last night's
sleep, the latest HRV with its 60-day baseline, resting heart rate, steps) and the Overview's
sleep and HRV equal the mart read with SQL; the baselines are recomputed here with pandas (the
60 days before the day, at least 14 with a value, sample SD), independently of the page's
DuckDB window; the charts are drawn. Rendering without errors is test_report_browser.py's
(`/recovery` is one of its PAGES).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest

from tests.conftest import query
from tests.site.browser.cdp import Browser, Page
from tests.site.browser.site import BuiltSite
from tests.site.test_report_browser import ERRORS_JS, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BASELINE_DAYS = 60
BASELINE_MIN_DAYS = 14
WELLNESS_SQL = (
    "select day, steps, resting_hr, hrv_sdnn_ms, hrv_rmssd_ms, sleep_h, sleep_efficiency "
    "from marts.wellness_daily where athlete_id = 'demo' order by day"
)
COLUMNS = [
    "day", "steps", "resting_hr", "hrv_sdnn_ms", "hrv_rmssd_ms", "sleep_h", "sleep_efficiency"
]  # fmt: skip


@dataclass(frozen=True)
class Latest:
    """A metric's latest day with a value, the value and its baseline (None in the warm-up)."""

    day: object
    value: float
    baseline: float | None
    sd: float | None


def _latest(days: pd.DataFrame, column: str) -> Latest:
    measured = days.dropna(subset=[column])
    last = measured.iloc[-1]
    start = last["day"] - timedelta(days=BASELINE_DAYS)
    prior = measured[(measured["day"] >= start) & (measured["day"] < last["day"])][column]
    if len(prior) < BASELINE_MIN_DAYS:
        return Latest(last["day"], float(last[column]), None, None)
    return Latest(last["day"], float(last[column]), float(prior.mean()), float(prior.std(ddof=1)))


@pytest.fixture(scope="module")
def wellness(site: BuiltSite) -> pd.DataFrame:
    days = pd.DataFrame(query(site.reader, WELLNESS_SQL), columns=COLUMNS)
    for column in COLUMNS[1:]:
        days[column] = pd.to_numeric(days[column], errors="coerce")
    # The sample export (120 days) gives the page something to show, baselines included.
    assert days["sleep_h"].notna().sum() > BASELINE_DAYS
    assert days["hrv_sdnn_ms"].notna().sum() > BASELINE_MIN_DAYS
    assert days["resting_hr"].notna().sum() > BASELINE_MIN_DAYS
    return days


def _shown(value: float | None, digits: int) -> set[str]:
    """How Evidence may show `value` with fmt "#,##0.0…": Python rounds a tie to even, the
    formatter away from zero, so both spellings of an exact tie are accepted."""
    if value is None:
        return {"-"}
    scaled = abs(value) * 10**digits
    away = math.copysign(math.floor(scaled + 0.5) / 10**digits, value)
    return {f"{value:,.{digits}f}", f"{away:,.{digits}f}"}


def _text(page: Page, selector: str) -> str:
    return page.evaluate(f"document.querySelector({json.dumps(selector)}).innerText.trim()")


def test_recovery_headline_matches_sql_and_pandas_baselines(
    browser: Browser, base_url: str, wellness: pd.DataFrame
) -> None:
    sleep = _latest(wellness, "sleep_h")
    hrv = _latest(wellness, "hrv_sdnn_ms")  # the sample is Apple Health only: SDNN
    resting = _latest(wellness, "resting_hr")
    steps = _latest(wellness, "steps")
    assert hrv.baseline is not None and resting.baseline is not None
    page = open_page(browser, base_url, "/recovery")
    try:
        assert _text(page, ".last-sleep-value") in _shown(sleep.value, 1)
        assert _text(page, ".last-hrv-value") in _shown(hrv.value, 1)
        assert _text(page, ".hrv-baseline-value") in _shown(hrv.baseline, 1)
        assert _text(page, ".last-resting-hr-value") in _shown(resting.value, 1)
        assert _text(page, ".last-steps-value") == f"{steps.value:,.0f}"
        headline = _text(page, "#recovery-latest")
        assert "HRV SDNN (ms)" in headline
        assert f"woke up {sleep.day:%Y-%m-%d}" in headline
        assert any(f"± {sd} ms" in headline for sd in _shown(hrv.sd, 1))
        band = "within the band"
        if hrv.value < hrv.baseline - hrv.sd:
            band = "below the band"
        elif hrv.value > hrv.baseline + hrv.sd:
            band = "above the band"
        assert f"on {hrv.day:%Y-%m-%d}, {band}" in _text(page, "#hrv-note")
        for chart in ("#sleep-stages", "#hrv-chart", "#resting-hr-chart", "#hrv-vs-load"):
            page.wait_for(f"document.querySelectorAll('{chart} canvas').length === 1")
        assert page.evaluate(ERRORS_JS) == []
    finally:
        page.close()


def test_overview_shows_last_nights_sleep_and_hrv_against_its_baseline(
    browser: Browser, base_url: str, wellness: pd.DataFrame
) -> None:
    sleep = _latest(wellness, "sleep_h")
    hrv = _latest(wellness, "hrv_sdnn_ms")
    assert hrv.baseline is not None
    page = open_page(browser, base_url, "/")
    try:
        assert _text(page, ".overview-sleep-value") in _shown(sleep.value, 1)
        assert _text(page, ".overview-hrv-value") in _shown(hrv.value, 1)
        note = _text(page, "#overview-hrv-note")
        assert any(f"baseline {mean} ± " in note for mean in _shown(hrv.baseline, 1)), note
        assert page.evaluate(ERRORS_JS) == []
    finally:
        page.close()
