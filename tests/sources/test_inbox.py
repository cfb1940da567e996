"""The inbox: kind detection by header, the sensor's run requests, duplicates and archive."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from dlt_sources.withings.export import read_weight_csv
from fitelt.inbox.store import Inbox, UnknownExportError, detect_kind
from tests.conftest import SAMPLE_WEIGHT_CSV


def test_detects_withings_export_and_rejects_unknown_headers(tmp_path: Path) -> None:
    assert detect_kind(SAMPLE_WEIGHT_CSV) == "withings"
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(UnknownExportError, match="matches no known export"):
        detect_kind(other)


def test_lb_variant_is_converted_to_kg(tmp_path: Path) -> None:
    lb = tmp_path / "weight.csv"
    lb.write_text(
        'Date,"Weight (lb)","Fat mass (lb)","Bone mass (lb)","Muscle mass (lb)",'
        '"Hydration (lb)",Comments\n2024-02-01 07:00:00,176.37,35.27,6.61,130.07,97.00,\n'
    )
    assert detect_kind(lb) == "withings"
    [(_, _, rows)] = list(read_weight_csv(lb, athlete_id="a", timezone="Europe/Paris"))
    weights = {row["measure_name"]: row["value"] for row in rows}
    assert weights["weight_kg"] == pytest.approx(80.0, abs=0.01)
    assert weights["fat_mass_kg"] == pytest.approx(16.0, abs=0.01)
    assert weights["fat_ratio_pct"] == pytest.approx(20.0, abs=0.05)
    # Local time of the export is converted with the athlete's zone: 07:00 CET is 06:00 UTC.
    assert rows[0]["measured_at"].hour == 6


def test_inbox_sensor_requests_a_run_per_new_drop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FITELT_DATA_DIR", str(tmp_path))
    from orchestration.sensors.inbox import SENSORS

    sensor = next(s for s in SENSORS if s.name == "withings_inbox")
    inbox = Inbox(tmp_path / "inbox", tmp_path / "archive")
    context = dg.build_sensor_context()
    assert isinstance(sensor(context), dg.SkipReason)

    item = inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    first = sensor(dg.build_sensor_context())
    assert len(first.run_requests) == 1
    # The same file still waiting gives the same run key: Dagster will not launch it twice.
    again = sensor(dg.build_sensor_context())
    assert again.run_requests[0].run_key == first.run_requests[0].run_key

    inbox.archive(item)
    assert inbox.is_archived(item) and not inbox.pending("withings")
    duplicate = inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    assert inbox.is_archived(duplicate)  # recognised by its checksum: nothing copied
    assert duplicate.path == inbox.archived_path(item)
    inbox.archive(duplicate)
    assert not inbox.pending("withings")
    assert len(list((tmp_path / "archive" / "withings" / "demo").iterdir())) == 1
