"""The watched inbox: export files stored under their content address until a run loads them.

Layout (`<root>` is the inbox, archive or rejected folder):

    <root>/<kind>/<athlete>/<sha256>__<safe original name>

The checksum in the stored name makes a drop idempotent and collision-free: the same content
twice is one file, different content under one name is two files, and nothing is ever
overwritten, so a run archives exactly the bytes it loaded. The original name is kept, made safe
for any file system or object store (`safe_name`), after the checksum. A rejected file sits in
`rejected/` with `<stored name>.reason.txt` beside it until `fitelt import --retry-rejected`.

The roots are local folders or remote ones (`FITELT_STORAGE_URL`, e.g. S3; see
`fitelt.storage`): the layout, the checksums and the claims are the same on both. A drop is
hashed before anything is written, so content already waiting or loaded is not copied again
(`copying.py`); a new one is written under a hidden partial name and then renamed (locally) or
copied server-side (remote), so a listing never sees half a file. Partial copies a killed
import left are swept by the source's next run once they are an hour old.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import time
from dataclasses import dataclass, replace
from pathlib import Path

from dlt_sources.common.files import file_sha256
from fitelt.inbox.copying import copy_local, file_identity, sha256_rest, unchanged, upload
from fitelt.inbox.kinds import UnknownExportError, detect_kind_of_head
from fitelt.inbox.safe_names import safe_name
from fitelt.storage import StoragePath, is_local, move

log = logging.getLogger(__name__)

__all__ = ["Inbox", "InboxFile", "RefusedFile", "UnknownExportError", "detect_kind"]

ATHLETE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # = the CHECK on raw.athletes
HEAD_BYTES = 64 * 1024  # enough to read any export's header line
SEPARATOR = "__"
REASON_SUFFIX = ".reason.txt"
PARTIAL_PREFIX = ".part-"
STALE_PARTIAL_S = 3600.0  # a partial copy this old belongs to an import that was killed


class RefusedFile(ValueError):
    """A path that cannot be imported (hidden, not a regular file); the message says why."""


@dataclass(frozen=True)
class InboxFile:
    """A file under `<root>/<kind>/<athlete_id>/`, stored as `<sha256>__<name>`.

    A file copied into the inbox by hand under any other (non-hidden) name is picked up too:
    it is hashed when listed, and archived or rejected under its stored name.
    """

    kind: str
    athlete_id: str
    path: StoragePath
    sha256: str
    original_name: str

    @property
    def stored_name(self) -> str:
        return f"{self.sha256}{SEPARATOR}{safe_name(self.original_name)}"

    @classmethod
    def from_path(cls, path: StoragePath) -> InboxFile | None:
        """The file at `path`, or None for what is not one (partial copies, reason files)."""
        name = path.name
        if name.startswith(".") or name.endswith(REASON_SUFFIX) or not path.is_file():
            return None
        kind, athlete_id = path.parent.parent.name, path.parent.name
        digest, sep, original = name.partition(SEPARATOR)
        if sep and original and len(digest) == 64 and set(digest) <= set("0123456789abcdef"):
            return cls(kind, athlete_id, path, digest, original)
        if not is_local(path):
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            return cls(kind, athlete_id, path, digest, name)
        return cls(kind, athlete_id, path, file_sha256(path), name)


def detect_kind(path: Path) -> str:
    """The source whose export this file is, judged from its first bytes (bounded read)."""
    with path.open("rb") as handle:
        return detect_kind_of_head(handle.read(HEAD_BYTES), path.name)


def open_regular(path: Path) -> int:
    """A read-only descriptor of `path`, refusing anything but a regular file.

    Opened non-blocking first, so a FIFO cannot hang the import, and checked on the open
    descriptor, so the path cannot be swapped between the check and the read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise RefusedFile(f"{path}: not a regular file ({describe_mode(mode)}): not imported")
    os.set_blocking(fd, True)
    return fd


def describe_mode(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


@dataclass(frozen=True)
class Inbox:
    """Inbox, archive and rejected folders of one installation."""

    inbox_dir: StoragePath
    archive_dir: StoragePath
    rejected_dir: StoragePath | None = None

    @property
    def rejected_root(self) -> StoragePath:
        return self.rejected_dir or self.archive_dir.parent / "rejected"

    def drop(self, path: Path, athlete_id: str) -> InboxFile:
        """Store an export in the inbox under its checksum; same content twice is one file."""
        return self.store(path, athlete_id)[0]

    def store(
        self, path: Path, athlete_id: str, *, name: str | None = None
    ) -> tuple[InboxFile, bool]:
        """`drop`, also saying whether the content is new (False: it is waiting, or was loaded:
        the file returned is then the waiting or archived one, and nothing was copied).

        `name` is the name to keep (default: the file's own), e.g. `export.zip!activities.csv`.
        """
        original = name or path.name
        if not ATHLETE_ID.match(athlete_id):
            raise ValueError(f"athlete id {athlete_id!r}: use 1-64 letters, digits, '-' or '_'")
        if path.name.startswith("."):
            raise RefusedFile(f"{path}: hidden file (name starts with '.'): rename it to import")
        fd = open_regular(path)
        with os.fdopen(fd, "rb") as source:
            head = source.read(HEAD_BYTES)
            kind = detect_kind_of_head(head, original)
            seen = file_identity(os.fstat(fd))
            sha = sha256_rest(source, head)
            for root in (self.inbox_dir, self.archive_dir):  # known content: nothing to copy
                existing = self.find(root, kind, athlete_id, sha)
                if existing is not None:
                    return existing, False
            folder = self.inbox_dir / kind / athlete_id
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f"{PARTIAL_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
            item = InboxFile(kind, athlete_id, partial, sha, original)
            stored = folder / item.stored_name
            try:
                if is_local(partial):
                    copy_local(fd, partial, path, seen[1])
                    unchanged(path, seen, file_identity(os.fstat(fd)))
                    partial.replace(stored)  # atomic: a run sees the whole file or nothing
                else:
                    upload(source, partial, sha, path)
                    move(partial, stored)  # server-side copy: the object appears whole
                return InboxFile(kind, athlete_id, stored, sha, original), True
            finally:
                partial.unlink(missing_ok=True)

    def find(self, root: StoragePath, kind: str, athlete_id: str, sha: str) -> InboxFile | None:
        """The file with checksum `sha` under `root` (archives of older versions included)."""
        folder = root / kind / athlete_id
        if not folder.is_dir():
            return None
        legacy = sha[:16] + SEPARATOR  # archives written before content addressing
        for path in folder.glob(f"{sha[:16]}*"):
            if path.name.endswith(REASON_SUFFIX):
                continue
            if path.name.startswith(sha + SEPARATOR) or path.name.startswith(legacy):
                return InboxFile(kind, athlete_id, path, sha, path.name.partition(SEPARATOR)[2])
        return None

    def pending(self, kind: str) -> list[InboxFile]:
        """Files of `kind` waiting to load, oldest drop first (partial copies are ignored)."""
        return self._stored(self.inbox_dir, kind)

    def sweep_partials(self, kind: str, older_than_s: float = STALE_PARTIAL_S) -> list[str]:
        """Remove the partial copies of `kind` that an import killed mid-copy left behind
        (hidden, so never loaded, but as large as the export); their names. A copy in
        progress is younger: a local one's file is written as it goes, a remote one appears
        only once uploaded whole."""
        folder = self.inbox_dir / kind
        if not folder.is_dir():
            return []
        cutoff = time.time() - older_than_s
        swept = []
        for path in folder.glob(f"*/{PARTIAL_PREFIX}*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    swept.append(f"{path.parent.name}/{path.name}")
            except FileNotFoundError:  # renamed into place (or swept) meanwhile
                continue
        return swept

    def rejected(self, kind: str | None = None) -> list[InboxFile]:
        kinds = [kind] if kind else _subfolders(self.rejected_root)
        return [item for name in kinds for item in self._stored(self.rejected_root, name)]

    def _stored(self, root: StoragePath, kind: str) -> list[InboxFile]:
        folder = root / kind
        if not folder.is_dir():
            return []
        found = []
        for path in folder.glob("*/*"):
            item = InboxFile.from_path(path)
            if item is not None:
                found.append((path.stat().st_mtime_ns, path.name, item))
        return [item for *_, item in sorted(found, key=lambda entry: entry[:2])]

    def is_archived(self, item: InboxFile) -> bool:
        return self.find(self.archive_dir, item.kind, item.athlete_id, item.sha256) is not None

    def archived_path(self, item: InboxFile) -> StoragePath:
        return _place(self.archive_dir, item)

    def archive(self, item: InboxFile) -> StoragePath:
        """Move a loaded file to the archive under its checksum; a duplicate is just removed."""
        existing = self.find(self.archive_dir, item.kind, item.athlete_id, item.sha256)
        if existing is not None and existing.path == item.path:
            return existing.path  # the archived file itself (a drop of loaded content)
        if existing is not None:
            item.path.unlink(missing_ok=True)
            log.info("%s was already archived (same checksum): removed from inbox", item.path.name)
            return existing.path
        return _move(item.path, self.archived_path(item))

    def reject(self, item: InboxFile, reason: str) -> StoragePath:
        """Set a file aside in `rejected/` with its reason beside it; later runs skip it."""
        target = _move(
            item.path, self.rejected_root / item.kind / item.athlete_id / item.stored_name
        )
        reason_file = target.with_name(target.name + REASON_SUFFIX)
        reason_file.write_text(reason.rstrip("\n") + "\n", encoding="utf-8", errors="replace")
        return target

    def retry_rejected(self, athlete_id: str | None = None) -> list[InboxFile]:
        """Move rejected files (of one athlete, or all) back into the inbox."""
        moved = []
        for item in self.rejected():
            if athlete_id and item.athlete_id != athlete_id:
                continue
            reason = item.path.with_name(item.path.name + REASON_SUFFIX)
            target = _move(item.path, _place(self.inbox_dir, item))
            reason.unlink(missing_ok=True)
            moved.append(replace(item, path=target))
        return moved


def reason_of(item: InboxFile) -> str:
    """The reason a rejected file was set aside."""
    reason = item.path.with_name(item.path.name + REASON_SUFFIX)
    return reason.read_text(encoding="utf-8").strip() if reason.exists() else "(no reason kept)"


def _place(root: StoragePath, item: InboxFile) -> StoragePath:
    return root / item.kind / item.athlete_id / item.stored_name


def _move(source: StoragePath, target: StoragePath) -> StoragePath:
    """Rename (atomic on one file system) or copy-then-delete (an object store); the target
    holds the same bytes if it exists (its name is their checksum)."""
    return move(source, target)


def _subfolders(root: StoragePath) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
