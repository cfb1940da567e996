"""Properties of the activity-file reader over damaged real files: all or nothing, never a crash."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlt_sources.activity_files import detect_activity_format
from dlt_sources.synthetic.activity_files import fit_bytes, gpx_bytes, tcx_bytes
from tests.sources.activity_fixtures import read_files, short_run, track_of

FIT = fit_bytes(track_of(short_run(2), seed=41))
FILES = {
    "a.fit": FIT,
    "a.fit.gz": gzip.compress(FIT),
    "a.tcx": tcx_bytes(track_of(short_run(1), seed=42)),
    "a.gpx": gpx_bytes(track_of(short_run(1), seed=43)),
}
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _read(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return read_files(path)


@pytest.fixture(scope="module")
def whole_counts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    folder = tmp_path_factory.mktemp("whole")
    return {name: _read(folder, name, data).versions[0].records.num_rows
            for name, data in FILES.items()}  # fmt: skip


@PROPERTY
@given(name=st.sampled_from(sorted(FILES)), cut=st.floats(0.0, 0.999))
def test_a_truncated_file_loads_whole_or_nothing(
    tmp_path: Path, whole_counts: dict[str, int], name: str, cut: float
) -> None:
    data = FILES[name]
    result = _read(tmp_path, name, data[: int(len(data) * cut)])
    if result.versions:  # XML may still parse when only trailing whitespace was cut
        assert result.versions[0].records.num_rows == whole_counts[name]
    else:
        assert len(result.rejected) == 1 and len(result.quarantined) == 1
        assert result.quarantined[0]["source_line"] == 0


@PROPERTY
@given(position=st.integers(0, len(FIT) - 1), flip=st.integers(1, 255))
def test_any_damaged_fit_byte_rejects_the_file(tmp_path: Path, position: int, flip: int) -> None:
    damaged = bytearray(FIT)
    damaged[position] ^= flip
    result = _read(tmp_path, "damaged.fit", bytes(damaged))
    assert result.versions == []  # the CRCs cover every byte
    assert len(result.rejected) == 1


@settings(max_examples=200, deadline=None)
@given(head=st.binary(max_size=2048))
def test_detection_never_fails_on_arbitrary_bytes(head: bytes) -> None:
    assert detect_activity_format(head) in (None, "fit", "tcx", "gpx", "gzip", "zip")


@settings(max_examples=300, deadline=None)
@given(head=st.binary(max_size=2048) | st.text(max_size=400).map(str.encode))
def test_the_inbox_names_a_kind_or_refuses_arbitrary_bytes_with_its_error(head: bytes) -> None:
    """`fitelt import` of any file: a kind, or UnknownExportError (one line), never a crash."""
    from fitelt.inbox.kinds import UnknownExportError, detect_kind_of_head

    try:
        kind = detect_kind_of_head(head, "anything.bin")
    except UnknownExportError as exc:
        assert "\n" not in str(exc)
    else:
        assert kind in ("withings", "strava", "crossfit", "activity_files")
