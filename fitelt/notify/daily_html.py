"""Render the daily bike report as a standalone HTML page and keep the folder's index."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from fitelt.notify.daily_summary import ALERT_WARNING_THRESHOLD, DailySummary

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}
.warning{background:#b00020;color:#fff;padding:1rem;font-weight:bold;font-size:1.2rem}
.kpi{display:inline-block;margin:0 1.5rem 1rem 0}.kpi b{display:block;font-size:1.6rem}
"""
_REPORT_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\.html$")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any, digits: int = 0) -> str:
    return "–" if value is None else f"{float(value):,.{digits}f}"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _time(value: datetime | None, tz: Any) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def render_daily_report(summary: DailySummary, tz: Any) -> str:
    t = summary.totals
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Bike report {summary.day}</title><style>{_STYLE}</style></head><body>",
    ]
    if summary.warning:
        parts.append(
            f"<div class='warning'>!! WARNING: {len(summary.alerts)} heart-rate alerts were "
            f"sent in the last 24 hours (more than {ALERT_WARNING_THRESHOLD}) !!</div>"
        )
    parts.append(f"<h1>Daily bike report — {summary.day}</h1>")
    parts.append(
        f"<p>Rides started from {_time(summary.start, tz)} to {_time(summary.end, tz)} "
        f"({_e(getattr(tz, 'key', tz))}).</p>"
    )
    kpis = [
        ("rides", t["rides"]),
        ("riders", t["riders"]),
        ("hours ridden", _num((t["total_duration_s"] or 0) / 3600, 1)),
        ("energy, kJ", _num(t["total_energy_kj"])),
        ("alerts sent", len(summary.alerts)),
    ]
    parts.append("".join(f"<div class='kpi'><b>{_e(v)}</b>{_e(k)}</div>" for k, v in kpis))
    parts.append("<h2>Power and heart rate</h2>")
    parts.append(
        _table(
            ["measure", "mean", "max"],
            [
                ["power, W", _num(t["avg_power"], 1), _num(t["max_power"], 1)],
                ["heart rate, bpm", _num(t["avg_heart_rate"], 1), _num(t["max_heart_rate"])],
            ],
        )
    )
    parts.append(f"<p>Rides above the rider's heart-rate limit: {_e(t['rides_over_limit'])}</p>")
    parts.append("<h2>Riders by gender</h2>")
    parts.append(_table(["gender", "riders"], [[g, n] for g, n in summary.by_gender.items()]))
    parts.append("<h2>Riders by age band</h2>")
    parts.append(_table(["age band", "riders"], [[b, n] for b, n in summary.by_age_band.items()]))
    parts.append("<h2>Heart-rate alerts sent</h2>")
    parts.append(
        _table(
            ["ride", "rider", "bike", "age", "limit", "max bpm", "sent"],
            [
                [
                    a["ride_id"],
                    a["rider_name"],
                    a["bike_id"],
                    a["age"],
                    a["hr_limit"],
                    _num(a["max_heart_rate"]),
                    _time(a["sent_at"], tz),
                ]
                for a in summary.alerts
            ],  # fmt: skip
        )
        if summary.alerts
        else "<p>None.</p>"
    )
    parts.append("<h2>Rides</h2>")
    parts.append(
        _table(
            ["ride", "rider", "bike", "started", "minutes", "mean W", "max bpm", "limit"],
            [
                [
                    r["ride_id"],
                    r["rider_name"],
                    r["bike_id"],
                    _time(r["started_at"], tz),
                    _num((r["duration_s"] or 0) / 60, 1),
                    _num(r["avg_power"], 1),
                    _num(r["max_heart_rate"]),
                    r["hr_limit"],
                ]
                for r in summary.rides
            ],  # fmt: skip
        )
    )
    parts.append("<p><a href='index.html'>All daily reports</a></p></body></html>\n")
    return "".join(parts)


def write_daily_report(reports_dir: Path, summary: DailySummary, page: str) -> Path:
    """Write `<reports_dir>/YYYY-MM-DD.html` (atomically) and refresh `index.html`."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = reports_dir / f"{summary.day.isoformat()}.html"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    write_index(reports_dir)
    return target


def write_index(reports_dir: Path) -> Path:
    names = sorted(p.name for p in reports_dir.iterdir() if _REPORT_NAME.match(p.name))
    items = "".join(f"<li><a href='{_e(n)}'>{_e(n[:-5])}</a></li>" for n in reversed(names))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Daily bike reports</title>"
        f"<style>{_STYLE}</style></head><body><h1>Daily bike reports</h1><ul>{items}</ul>"
        "</body></html>\n"
    )
    index = reports_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
