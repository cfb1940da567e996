"""Content detection, gzip and zip archives, versions by content hash, Strava export links."""

from __future__ import annotations

import csv
import gzip
import hashlib
import zipfile
from pathlib import Path

import pytest

from dlt_sources.activity_files import archives, detect_activity_format
from dlt_sources.synthetic.activity_files import (
    fit_bytes,
    gpx_bytes,
    non_activity_fit_bytes,
    tcx_bytes,
    write_sample_activity_files,
)
from tests.sources.activity_fixtures import read_files, short_run, track_of

SAMPLE_CSV = Path(__file__).resolve().parents[2] / "sample_data" / "strava" / "activities.csv"


@pytest.fixture(scope="module")
def fit_data() -> bytes:
    return fit_bytes(track_of(short_run(4), seed=11))


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_content_decides_the_format_not_the_name(tmp_path: Path, fit_data: bytes) -> None:
    head = 64 * 1024
    gpx, tcx = gpx_bytes(track_of(short_run(1))), tcx_bytes(track_of(short_run(1)))
    assert detect_activity_format(fit_data[:head]) == "fit"
    assert detect_activity_format(gpx[:head]) == "gpx"
    assert detect_activity_format(tcx[:head]) == "tcx"
    assert detect_activity_format(b"\xef\xbb\xbf  \n<!-- exported -->\n" + gpx[39:]) == "gpx"
    assert detect_activity_format(b"<?xml version='1.0'?><TrainingCenterDatabase>") == "tcx"
    assert detect_activity_format(gzip.compress(fit_data)[:head]) == "gzip"
    assert detect_activity_format(_zip(tmp_path / "a.zip", {"a": b"x"}).read_bytes()) == "zip"
    csv_head = SAMPLE_CSV.read_bytes()[:head]
    assert detect_activity_format(csv_head) is None
    assert detect_activity_format(gzip.compress(csv_head)) is None  # a gzipped CSV is not ours
    assert detect_activity_format(b"<html><body>gpx</body></html>") is None
    assert detect_activity_format(b"") is None

    renamed = tmp_path / "notes.txt"
    renamed.write_bytes(fit_data)
    [row] = read_files(renamed).files
    assert (row["source_format"], row["source_file"]) == ("fit", "notes.txt")


def test_a_gz_copy_is_the_same_version(tmp_path: Path, fit_data: bytes) -> None:
    plain = tmp_path / "run.fit"
    plain.write_bytes(fit_data)
    packed = tmp_path / "run.fit.gz"
    packed.write_bytes(gzip.compress(fit_data))
    sha = hashlib.sha256(fit_data).hexdigest()

    alone = read_files(packed)
    assert [row["content_sha256"] for row in alone.files] == [sha]
    assert alone.files[0]["source_file"] == "run.fit.gz"
    both = read_files(plain, packed)  # one run: the second copy writes nothing
    assert len(both.versions) == 1 and both.counts["repeated"] == 1
    known = read_files(plain, packed, skip_sha256=(sha,))  # already loaded: nothing at all
    assert known.versions == [] and known.quarantined == [] and known.counts["known"] == 2


def test_a_strava_bulk_export_links_files_to_activities(tmp_path: Path) -> None:
    export = write_sample_activity_files(tmp_path / "sample", count=2)[-1]
    assert export.name == "strava_export.zip"
    result = read_files(export)
    linked = {row["source_file"]: row for row in result.files}
    assert set(linked) == {
        "strava_export.zip!activities/9000000575.fit.gz",
        "strava_export.zip!activities/9000000576.gpx",
        "strava_export.zip!activities/9000000577.fit.gz",
        "strava_export.zip!activities/9000000579.fit.gz",
    }
    for name, row in linked.items():
        assert row["strava_activity_id"] == int(name.rsplit("/", 1)[1].split(".")[0])
    # The same ids and names as the sample's activities.csv (the Strava source's rows).
    names = {int(cells[0]): cells[2] for cells in list(csv.reader(SAMPLE_CSV.open()))[1:]}
    for row in linked.values():
        assert names[row["strava_activity_id"]] == row["activity_name"]
    assert linked["strava_export.zip!activities/9000000576.gpx"]["source_format"] == "gpx"


def test_a_bad_member_is_quarantined_and_the_others_load(tmp_path: Path, fit_data: bytes) -> None:
    other = fit_bytes(track_of(short_run(3), seed=12))
    archive = _zip(tmp_path / "export.zip", {
        "activities/good.fit": fit_data,
        "activities/good.tcx": tcx_bytes(track_of(short_run(2), seed=13)),
        "activities/cut.fit": other[: len(other) // 2],
        "activities/bad.fit.gz": gzip.compress(other)[:300],
        "activities/empty.gpx": b"",
        "activities/settings.fit": non_activity_fit_bytes(),
        "profile.csv": b"name,weight\nme,70\n",
        "nested/garmin.zip": _zip(tmp_path / "n.zip", {"a.fit": other}).read_bytes(),
    })  # fmt: skip
    result = read_files(archive)

    assert result.rejected == []  # the archive itself is fine
    assert sorted(row["source_file"] for row in result.files) == [
        "export.zip!activities/good.fit",
        "export.zip!activities/good.tcx",
        "export.zip!nested/garmin.zip!a.fit",
    ]
    problems = {row["source_file"]: row for row in result.quarantined}
    assert set(problems) == {
        "export.zip!activities/cut.fit",
        "export.zip!activities/bad.fit.gz",
        "export.zip!activities/empty.gpx",
    }
    assert all(row["source_line"] == 0 for row in problems.values())
    assert "FIT file is corrupt or truncated" in problems["export.zip!activities/cut.fit"]["reason"]
    assert "gzip content is damaged" in problems["export.zip!activities/bad.fit.gz"]["reason"]
    assert result.counts["skipped"] == 1  # settings.fit: not an activity, not an error


def test_a_truncated_zip_or_a_zip_without_activities_is_rejected(
    tmp_path: Path, fit_data: bytes
) -> None:
    whole = _zip(tmp_path / "whole.zip", {"a.fit": fit_data, "b.fit": fit_data + b""})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:-40])  # the central directory is gone
    empty = _zip(tmp_path / "photos.zip", {"a.jpg": b"\xff\xd8\xff", "notes.txt": b"hi"})
    result = read_files(cut, empty)
    assert result.versions == []
    assert [name for name, _ in result.rejected] == ["cut.zip", "photos.zip"]
    assert "not a readable zip archive" in result.rejected[0][1]
    assert result.rejected[1][1] == "zip archive holds no FIT, TCX or GPX file"
    assert [row["source_line"] for row in result.quarantined] == [0, 0]


def test_archive_guards_member_size_depth_and_names(
    tmp_path: Path, fit_data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = _zip(tmp_path / "l3.zip", {"x.fit": fit_data}).read_bytes()
    deep = _zip(tmp_path / "l2.zip", {"l3.zip": deep}).read_bytes()
    bomb = gzip.compress(fit_data + b"\0" * 400_000)
    archive = _zip(tmp_path / "guarded.zip", {
        "../../outside.fit": fit_data,
        "l2.zip": deep,
        "huge.fit.gz": bomb,
    })  # fmt: skip
    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 300_000)
    result = read_files(archive)

    assert [row["source_file"] for row in result.files] == ["guarded.zip!../../outside.fit"]
    assert not (tmp_path.parent / "outside.fit").exists()  # names are recorded, never paths
    reasons = {row["source_file"]: row["reason"] for row in result.quarantined}
    assert "nested deeper than 2 levels" in reasons["guarded.zip!l2.zip!l3.zip"]
    assert "over the 0 MiB limit" in reasons["guarded.zip!huge.fit.gz"]


def test_the_sample_is_deterministic_and_repeats_one_activity(tmp_path: Path) -> None:
    first = write_sample_activity_files(tmp_path / "a", count=4)
    again = write_sample_activity_files(tmp_path / "b", count=4)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert {p.suffix for p in first} == {".fit", ".gz", ".gpx", ".zip"}
    result = read_files(*first)
    assert result.counts["repeated"] == 1  # the newest run: plain file and zip member
    assert len(result.versions) == 4 + 3
