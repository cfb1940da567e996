"""Properties of the Apple Health export reader over generated exports (lxml-written, zipped).

Every record of a loaded type either reaches its table with its value, instant and offset, or
is quarantined with a reason; unknown types are counted; any truncation rejects the file;
detection never raises and recognises what the writer wrote.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlt_sources.apple_health.detect import is_apple_health_export
from dlt_sources.apple_health.export import ExportDone, ExportReader, Tables
from dlt_sources.common.files import SourceFile
from dlt_sources.synthetic.apple_health.xml_export import export_document

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HK = "HKQuantityTypeIdentifier"
TYPES = {
    HK + "StepCount": ("count", 0, 5000),
    HK + "HeartRate": ("count/min", 30, 220),
    HK + "HeartRateVariabilitySDNN": ("ms", 5, 200),
    HK + "BodyMass": ("kg", 40, 150),
    HK + "WalkingSpeed": ("km/hr", 1, 9),  # not loaded: counted
}

record = st.tuples(
    st.sampled_from(sorted(TYPES)),
    st.sampled_from(["iPhone", "Apple Watch", "Withings", "Santé"]),
    st.floats(0, 1, allow_nan=False),
    st.booleans(),  # decimal comma
    st.integers(-12 * 4, 14 * 4).map(lambda quarters: timedelta(minutes=15 * quarters)),
    st.integers(0, 3 * 365 * 24 * 3600),
    st.integers(-120, 3600),  # duration; negative: end before start
)


def _write(records: list[tuple]) -> bytes:
    buffer = io.BytesIO()
    with export_document(buffer, exported=datetime(2026, 1, 1, tzinfo=UTC)) as writer:
        for hk_type, source, fraction, comma, offset, second, duration in records:
            unit, low, high = TYPES[hk_type]
            value = f"{low + fraction * (high - low):.3f}"
            tz = timezone(offset)
            start = datetime(2023, 1, 1, tzinfo=tz) + timedelta(seconds=second)
            end = start + timedelta(seconds=duration)
            writer.record(hk_type, source, unit, value.replace(".", ",") if comma else value,
                          start, end)  # fmt: skip
    return buffer.getvalue()


def _read(path: Path) -> tuple[list[Tables], list, ExportReader]:
    reader = ExportReader(export_sha256="sha", batch_rows=7)  # many small batches
    tables, quarantined = [], []
    for item in reader.read(SourceFile(path, "p", "UTC", name=path.name)):
        if isinstance(item, Tables):
            tables.append(item)
        elif not isinstance(item, ExportDone):
            quarantined.append(item)
    return tables, quarantined, reader


@PROPERTY
@given(records=st.lists(record, max_size=40), zipped=st.booleans())
def test_every_record_loads_or_is_quarantined(tmp_path: Path, records, zipped) -> None:
    data = _write(records)
    path = tmp_path / ("export.zip" if zipped else "export.xml")
    if zipped:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("apple_health_export/export.xml", data)
    else:
        path.write_bytes(data)
    assert is_apple_health_export(path.read_bytes()[: 64 * 1024])
    tables, quarantined, reader = _read(path)
    rows = [
        row
        for item in tables
        if item.hints["table_name"] == "apple_health_records"
        for row in item.table.to_pylist()
    ]
    known = [r for r in records if not r[0].endswith("WalkingSpeed")]
    assert len(rows) + len(quarantined) == len(known)
    bad = [r for r in known if r[6] < 0]
    assert len(quarantined) == len(bad)
    assert all("before startDate" in q.data["reason"] for q in quarantined)
    loaded = Counter(
        (row["start_at"].timestamp(), row["start_offset_s"], round(row["value"], 3)) for row in rows
    )
    written = Counter()
    for _hk_type, _, fraction, _, offset, second, duration in known:
        if duration < 0:
            continue
        unit, low, high = TYPES[_hk_type]
        start = datetime(2023, 1, 1, tzinfo=timezone(offset)) + timedelta(seconds=second)
        value = round(float(f"{low + fraction * (high - low):.3f}"), 3)
        written[(start.timestamp(), int(offset.total_seconds()), value)] += 1
    assert loaded == written
    counted = {hk: n for (element, hk), n in reader.counts.items() if element == "Record"}
    assert counted == dict(Counter(r[0] for r in records))


@PROPERTY
@given(records=st.lists(record, min_size=1, max_size=10), cut=st.floats(0, 1, exclude_max=True))
def test_any_truncation_rejects_the_whole_file(tmp_path: Path, records, cut) -> None:
    data = _write(records)
    end = data.rindex(b"</HealthData>")
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: int(end * cut)])
    with pytest.raises(Exception):  # noqa: B017 - lxml's XMLSyntaxError or our ValueError
        _read(path)


@settings(max_examples=300, deadline=None)
@given(head=st.binary(max_size=2048) | st.text(max_size=400).map(str.encode))
def test_detection_never_raises(head: bytes) -> None:
    assert is_apple_health_export(head) in (True, False)


def test_detection_tells_exports_from_other_xml_and_zips(tmp_path: Path) -> None:
    assert is_apple_health_export(_write([]))
    assert not is_apple_health_export(b'<?xml version="1.0"?>\n<gpx version="1.1"></gpx>')
    assert not is_apple_health_export(b"Date,Weight (kg)\n2024-01-01,80\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("activities/1.fit", b"\x0e\x10")
    assert not is_apple_health_export(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.xml", _write([]))  # no folder: the member's root decides
    assert is_apple_health_export(buffer.getvalue())
