"""A file to load: where it is, whose it is, and its checksum (the archive's identity)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    """An export file of one athlete, as handed to a source."""

    path: Path
    athlete_id: str
    timezone: str

    @property
    def sha256(self) -> str:
        return file_sha256(self.path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
