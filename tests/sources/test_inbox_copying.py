"""Storing an export: hashed first, so known content is never copied again; copied in the
kernel, with a fallback where the kernel cannot; refused whole if it changes meanwhile."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import fitelt.inbox.store as store_module
from fitelt.inbox.copying import ChangedWhileImported
from fitelt.inbox.store import Inbox
from tests.conftest import SAMPLE_WEIGHT_CSV


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return Inbox(tmp_path / "inbox", tmp_path / "archive", tmp_path / "rejected")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_loaded_content_is_recognised_without_a_copy(inbox: Inbox, tmp_path: Path) -> None:
    first, new = inbox.store(SAMPLE_WEIGHT_CSV, "demo")
    assert new and _files(inbox.inbox_dir) == [first.path]
    archived = inbox.archive(first)
    copy = tmp_path / "same bytes, other name.csv"
    copy.write_bytes(SAMPLE_WEIGHT_CSV.read_bytes())
    again, new = inbox.store(copy, "demo")
    assert not new and again.path == archived and inbox.is_archived(again)
    assert _files(inbox.inbox_dir) == [], "nothing copied, no partial file left"


def test_a_file_changing_while_it_is_hashed_is_refused_whole(
    inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "weight.csv"
    export.write_bytes(SAMPLE_WEIGHT_CSV.read_bytes())
    hashing = store_module.sha256_rest

    def hash_while_the_phone_writes(source, head):  # type: ignore[no-untyped-def]
        digest = hashing(source, head)
        with export.open("a") as more:  # another process appends meanwhile
            more.write(SAMPLE_WEIGHT_CSV.read_text().splitlines()[1] + "\n")
        return digest

    monkeypatch.setattr(store_module, "sha256_rest", hash_while_the_phone_writes)
    with pytest.raises(ChangedWhileImported, match="changed while it was being imported"):
        inbox.store(export, "demo")
    assert _files(inbox.inbox_dir) == [], "neither the copy nor its partial file is kept"
    monkeypatch.setattr(store_module, "sha256_rest", hashing)
    stored, new = inbox.store(export, "demo")  # imported again: the new content, whole
    assert new and stored.path.read_bytes() == export.read_bytes()


@pytest.mark.parametrize("unsupported", ["copy_file_range", "sendfile"])
def test_the_copy_falls_back_where_the_kernel_cannot(
    inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unsupported: str
) -> None:
    export = tmp_path / "big.csv"
    lines = SAMPLE_WEIGHT_CSV.read_text().splitlines()
    export.write_text("\n".join([lines[0], *lines[1:] * 40]) + "\n")  # several MB: many blocks

    def refuse(*_args: object) -> int:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", refuse)
    if unsupported == "sendfile":
        monkeypatch.setattr(os, "sendfile", refuse)
    stored, new = inbox.store(export, "demo")
    assert new and stored.path.read_bytes() == export.read_bytes()
    assert stored.sha256 in stored.path.name


def test_partial_copies_of_killed_imports_are_swept_once_stale(
    inbox: Inbox, tmp_path: Path
) -> None:
    waiting = inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    folder = waiting.path.parent
    stale = folder / ".part-4242-0badc0de"  # what a `fitelt import` killed mid-copy leaves
    stale.write_bytes(SAMPLE_WEIGHT_CSV.read_bytes()[:1000])
    two_hours_ago = stale.stat().st_mtime - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    copying = folder / ".part-4343-00c0ffee"  # an import copying right now
    copying.write_bytes(b"Date,")
    assert inbox.sweep_partials("withings") == [f"demo/{stale.name}"]
    assert not stale.exists() and copying.exists() and waiting.path.exists()
    assert inbox.pending("withings") == [waiting]
    assert inbox.sweep_partials("strava") == []  # no folder yet: nothing to do
