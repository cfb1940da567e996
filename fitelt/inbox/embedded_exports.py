"""Exports that travel inside an activity archive: a Strava bulk export's `activities.csv`.

A Strava bulk export is one zip: `activities.csv` (one summary row per activity, also those
recorded without a file) beside the `activities/` folder of FIT/GPX/TCX files. The activity
files load through the activity_files source; the CSV is stored as a Strava export of its own,
so its summary rows load through the Strava source exactly as if imported by hand.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

EMBEDDED_NAMES = ("activities.csv",)  # at the archive's top level (or one folder down)
MAX_EMBEDDED_BYTES = 256 * 1024 * 1024


@contextmanager
def embedded_exports(archive: Path) -> Iterator[list[tuple[str, Path]]]:
    """(member name, extracted copy) of each export inside `archive`; copies removed after."""
    found: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="fitelt-embedded-") as scratch:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                for info in zipped.infolist():
                    member = PurePosixPath(info.filename)
                    if info.is_dir() or member.name not in EMBEDDED_NAMES:
                        continue
                    if len(member.parts) > 2 or info.file_size > MAX_EMBEDDED_BYTES:
                        continue
                    target = Path(scratch) / f"{len(found)}-{member.name}"
                    with zipped.open(info) as source, target.open("wb") as copy:
                        shutil.copyfileobj(source, copy, 1 << 20)
                    found.append((info.filename, target))
        yield found
