"""A file to load: where it is, whose it is, the name it was imported under, its checksum."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """An export file of one athlete, as handed to a source.

    `name` is the name the athlete gave the file (rows record it as `source_file`); the stored
    path may differ. `checksum` is its sha256 when the caller knows it already (the inbox
    stores every file under it); otherwise `sha256` reads the file. `on_reject` is told the
    reason when the file is rejected as a whole.
    """

    path: Path
    athlete_id: str
    timezone: str
    name: str = ""
    on_reject: Callable[[str], None] | None = field(default=None, compare=False, repr=False)
    checksum: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.path.name

    @property
    def sha256(self) -> str:
        return self.checksum or file_sha256(self.path)

    def reject(self, reason: str) -> None:
        if self.on_reject is not None:
            self.on_reject(reason)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
