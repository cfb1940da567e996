"""The content-addressed inbox: nothing overwritten, nothing raced, hostile paths refused.

Each test is a case that lost or hung data before the inbox stored files under their checksum
(issue #14): same-named files of two folders, a re-import during a load, an over-long name,
hidden and special files.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from fitelt.cli.import_files import candidates
from fitelt.inbox.store import Inbox, RefusedFile, reason_of
from tests.conftest import SAMPLE_WEIGHT_CSV

LINES = SAMPLE_WEIGHT_CSV.read_text().splitlines()


def _export(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([LINES[0], *lines]) + "\n")
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return Inbox(tmp_path / "inbox", tmp_path / "archive", tmp_path / "rejected")


def test_same_name_in_two_folders_is_two_files_and_same_content_is_one(
    inbox: Inbox, tmp_path: Path
) -> None:
    jan = _export(tmp_path / "jan" / "log.csv", LINES[1:50])
    feb = _export(tmp_path / "feb" / "log.csv", LINES[50:100])
    first, second = inbox.drop(jan, "demo"), inbox.drop(feb, "demo")
    assert first.path != second.path
    assert {i.path.read_bytes() for i in inbox.pending("withings")} == {
        jan.read_bytes(),
        feb.read_bytes(),
    }
    assert {i.original_name for i in inbox.pending("withings")} == {"log.csv"}
    copy = tmp_path / "copy-of-jan.csv"
    copy.write_bytes(jan.read_bytes())
    assert inbox.drop(copy, "demo").path == first.path  # same content: the same stored file
    assert len(inbox.pending("withings")) == 2


def test_a_reimport_during_a_load_keeps_both_versions(inbox: Inbox, tmp_path: Path) -> None:
    export = _export(tmp_path / "weight.csv", LINES[1:30])
    claimed = inbox.pending("withings")  # what a run loads, listed under the pipeline lock
    assert not claimed
    loading = inbox.drop(export, "demo")
    claimed = inbox.pending("withings")
    loaded_bytes = loading.path.read_bytes()
    _export(export, LINES[1:60])  # the user exports again, same name, more lines...
    newer = inbox.drop(export, "demo")  # ...and imports it while the run loads
    for item in claimed:  # the run archives exactly what it claimed
        inbox.archive(item)
    archived = inbox.find(inbox.archive_dir, "withings", "demo", loading.sha256)
    assert archived is not None and archived.path.read_bytes() == loaded_bytes
    assert [i.sha256 for i in inbox.pending("withings")] == [newer.sha256]
    assert newer.path.read_bytes() == export.read_bytes()


def test_an_overlong_name_is_shortened_safely_and_archives(inbox: Inbox, tmp_path: Path) -> None:
    long_name = "Withings export " + "very " * 45 + "long.csv"  # 240 characters
    assert len(long_name) >= 240
    item = inbox.drop(_export(tmp_path / long_name, LINES[1:5]), "demo")
    assert len(item.path.name.encode()) <= 255 and item.path.name.endswith(".csv")
    assert item.original_name.startswith("Withings export very")
    archived = inbox.archive(item)  # was `File name too long` after the rows were committed
    assert archived.exists() and not inbox.pending("withings")


def test_hidden_and_special_files_are_refused_with_a_reason(inbox: Inbox, tmp_path: Path) -> None:
    hidden = _export(tmp_path / ".weight.csv", LINES[1:5])
    with pytest.raises(RefusedFile, match="hidden file"):
        inbox.drop(hidden, "demo")
    fifo = tmp_path / "weight-fifo.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    worker = threading.Thread(target=lambda: _capture(outcome, inbox.drop, fifo, "demo"))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "importing a FIFO hung"
    assert isinstance(outcome[0], RefusedFile) and "a FIFO" in str(outcome[0])
    with pytest.raises(RefusedFile, match="character device"):
        inbox.drop(Path("/dev/zero"), "demo")
    with pytest.raises(RefusedFile, match="a directory"):
        inbox.drop(tmp_path, "demo")
    assert not inbox.pending("withings")


def test_folder_import_walks_files_and_refuses_symlinks_out_of_the_tree(tmp_path: Path) -> None:
    tree = tmp_path / "exports"
    good = _export(tree / "2024" / "weight.csv", LINES[1:5])
    _export(tree / ".DS_Store", [])
    outside = _export(tmp_path / "secret.csv", LINES[1:5])
    (tree / "link.csv").symlink_to(outside)
    (tree / "inside.csv").symlink_to(good)
    found = dict(candidates([tree]))
    assert found[good] is None and found[tree / "inside.csv"] is None
    assert "outside" in (found[tree / "link.csv"] or "")
    assert tree / ".DS_Store" not in found


def test_rejected_files_wait_with_their_reason_until_retried(inbox: Inbox, tmp_path: Path) -> None:
    item = inbox.drop(_export(tmp_path / "weight.csv", LINES[1:5]), "demo")
    content = item.path.read_bytes()
    inbox.reject(item, "file rejected: field longer than 16 MiB at line 3")
    assert not inbox.pending("withings")
    [waiting] = inbox.rejected()
    assert "16 MiB" in reason_of(waiting) and waiting.original_name == "weight.csv"
    [back] = inbox.retry_rejected("demo")
    assert back.path.read_bytes() == content
    assert [i.sha256 for i in inbox.pending("withings")] == [item.sha256]
    assert not inbox.rejected() and not list(inbox.rejected_root.rglob("*.reason.txt"))


def _capture(outcome: list[BaseException], func, *args) -> None:
    try:
        func(*args)
    except BaseException as exc:  # noqa: BLE001 - handed to the test thread
        outcome.append(exc)
