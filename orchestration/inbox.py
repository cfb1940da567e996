"""The watched inbox: export files waiting to load, routed by header, archived by checksum."""

from __future__ import annotations

import csv
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dlt_sources.common.files import file_sha256
from dlt_sources.crossfit.helpers import is_crossfit_log
from dlt_sources.strava.export import is_activities_export
from dlt_sources.withings.export import is_weight_export

log = logging.getLogger(__name__)

# Each source says which CSV headers are its exports. New sources add a line here.
DETECTORS: dict[str, Callable[[list[str]], bool]] = {
    "withings": is_weight_export,
    "strava": is_activities_export,
    "crossfit": is_crossfit_log,
}
ATHLETE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class UnknownExportError(ValueError):
    """The file's header matches no known export format."""


@dataclass(frozen=True)
class InboxFile:
    """A file waiting in `inbox/<kind>/<athlete>/`."""

    kind: str
    athlete_id: str
    path: Path
    sha256: str


def detect_kind(path: Path) -> str:
    """The source whose export this file is, judged from its first line."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    header = next(csv.reader([first]), [])
    for kind, matches in DETECTORS.items():
        if matches(header):
            return kind
    known = ", ".join(DETECTORS)
    raise UnknownExportError(
        f"{path.name}: header {first.strip()[:120]!r} matches no known export ({known})"
    )


@dataclass(frozen=True)
class Inbox:
    """Inbox and archive folders of one installation."""

    inbox_dir: Path
    archive_dir: Path

    def drop(self, path: Path, athlete_id: str) -> InboxFile:
        """Copy an export into the inbox folder of its kind (atomic rename into place)."""
        if not ATHLETE_ID.match(athlete_id):
            raise ValueError(f"athlete id {athlete_id!r}: use letters, digits, '-' or '_'")
        kind = detect_kind(path)
        target_dir = self.inbox_dir / kind / athlete_id
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / path.name
        tmp = target_dir / f".{path.name}.part"
        shutil.copyfile(path, tmp)
        tmp.replace(target)
        return InboxFile(kind, athlete_id, target, file_sha256(target))

    def pending(self, kind: str) -> list[InboxFile]:
        """Files of `kind` waiting to load, oldest first (partial copies are ignored)."""
        root = self.inbox_dir / kind
        if not root.is_dir():
            return []
        found = []
        for path in sorted(root.glob("*/*"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
            if path.is_file() and not path.name.startswith("."):
                found.append(InboxFile(kind, path.parent.name, path, file_sha256(path)))
        return found

    def archived_path(self, item: InboxFile) -> Path:
        return (
            self.archive_dir / item.kind / item.athlete_id / f"{item.sha256[:16]}__{item.path.name}"
        )

    def is_archived(self, item: InboxFile) -> bool:
        folder = self.archive_dir / item.kind / item.athlete_id
        return folder.is_dir() and any(folder.glob(f"{item.sha256[:16]}__*"))

    def archive(self, item: InboxFile) -> Path:
        """Move a loaded file to the archive under its checksum; a duplicate is just removed."""
        target = self.archived_path(item)
        if self.is_archived(item):
            item.path.unlink(missing_ok=True)
            log.info("%s was already archived (same checksum): removed from inbox", item.path.name)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(item.path), target)
        return target
