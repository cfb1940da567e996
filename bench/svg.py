"""Small SVG charts written by hand (no plotting dependency)."""

from __future__ import annotations

from pathlib import Path


def bar_chart_svg(rows: list[dict], path: Path) -> None:
    """Horizontal bars of rows/s per ingestion method."""
    width, bar_h, gap, label_w = 760, 26, 10, 300
    top = max(r["rows_per_s"] for r in rows)
    height = len(rows) * (bar_h + gap) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="13">'
    ]
    for i, row in enumerate(rows):
        y = 10 + i * (bar_h + gap)
        length = (width - label_w - 120) * row["rows_per_s"] / top
        parts.append(f'<text x="0" y="{y + 18}">{row["method"]}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.0f}" height="{bar_h}" fill="#4c78a8"/>'
        )
        parts.append(
            f'<text x="{label_w + length + 6:.0f}" y="{y + 18}">{row["rows_per_s"]:,.0f}/s</text>'
        )
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def scaling_svg(rows: list[dict], path: Path) -> None:
    """Stacked bars per scale: load, dbt build and training seconds."""
    steps = [("load", "#4c78a8"), ("dbt build", "#f58518"), ("train", "#54a24b")]
    width, bar_h, gap, label_w = 760, 26, 10, 150
    top = max(r["pipeline_s"] for r in rows)
    height = len(rows) * (bar_h + gap) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="13">'
    ]
    for i, row in enumerate(rows):
        y = 10 + i * (bar_h + gap)
        parts.append(f'<text x="0" y="{y + 18}">×{row["scale"]} ({row["rows"]:,} rows)</text>')
        x = float(label_w)
        for step, colour in steps:
            length = (width - label_w - 90) * row["steps"][step] / top
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="{colour}"/>'
            )
            x += length
        parts.append(f'<text x="{x + 6:.0f}" y="{y + 18}">{row["pipeline_s"]:.0f} s</text>')
    y = height - 12
    for n, (step, colour) in enumerate(steps):
        parts.append(
            f'<rect x="{label_w + n * 120}" y="{y - 10}" width="12" height="12" '
            f'fill="{colour}"/><text x="{label_w + n * 120 + 16}" y="{y}">{step}</text>'
        )
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")
