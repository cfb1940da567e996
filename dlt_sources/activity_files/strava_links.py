"""A Strava bulk export's `activities.csv`: which activity each file of `activities/` is.

The export zip holds `activities.csv` (Strava's header, duplicated names, read by position as
the Strava source does) and an `activities/` folder; a row's `Filename` (e.g.
`activities/9000000000.fit.gz`, relative to the CSV) names its file. Only the link is read
here (activity id and name); the rows themselves are loaded by the Strava source. A CSV that
cannot be read costs the links only, never the activity files.
"""

from __future__ import annotations

import io
import logging
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from ..common.textfile import CsvFormatError, csv_records, printable
from ..strava.export import MAX_BIGINT, is_activities_export
from ..strava.settings import COL_FILENAME, COL_ID, COL_NAME
from .settings import MAX_CSV_BYTES

log = logging.getLogger(__name__)

CSV_NAME = "activities.csv"


@dataclass(frozen=True)
class StravaLink:
    activity_id: int
    activity_name: str | None


def member_key(path: str) -> str:
    """A member path as links are keyed: forward slashes, no leading "/" or "./"."""
    return posixpath.normpath(path.replace("\\", "/").lstrip("/"))


def strava_links(archive: zipfile.ZipFile) -> dict[str, StravaLink]:
    """Member path → Strava activity, from the archive's top-most `activities.csv`."""
    candidates = [
        info
        for info in archive.infolist()
        if not info.is_dir() and posixpath.basename(info.filename).lower() == CSV_NAME
    ]
    if not candidates:
        return {}
    info = min(candidates, key=lambda candidate: candidate.filename.count("/"))
    if info.file_size > MAX_CSV_BYTES:
        log.warning("%s is over %d MiB: no Strava links read", CSV_NAME, MAX_CSV_BYTES >> 20)
        return {}
    base = posixpath.dirname(member_key(info.filename))
    links: dict[str, StravaLink] = {}
    skipped = 0
    try:
        with (
            archive.open(info) as raw,
            io.TextIOWrapper(
                raw, encoding="utf-8-sig", errors="surrogateescape", newline=""
            ) as text,
        ):
            records = csv_records(text)
            _, header = next(records, (1, []))
            if not is_activities_export(header):
                log.info("%s is not a Strava activities export: no Strava links", info.filename)
                return {}
            for _, cells in records:
                link = _link(cells)
                if link is None:
                    skipped += 1 if len(cells) > COL_FILENAME and cells[COL_FILENAME] else 0
                    continue
                filename, strava = link
                links[member_key(posixpath.join(base, filename))] = strava
    except (CsvFormatError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        log.warning("%s not fully readable (%s): %d Strava links read", CSV_NAME, exc, len(links))
    if skipped:
        log.warning("%d %s rows with a Filename but no valid Activity ID", skipped, CSV_NAME)
    log.info("%s links %d files to Strava activities", CSV_NAME, len(links))
    return links


def _text(raw: IO[bytes]) -> io.TextIOWrapper:
    """As `common.textfile.open_text` opens a file: BOM dropped, undecodable bytes kept."""
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _link(cells: list[str]) -> tuple[str, StravaLink] | None:
    if len(cells) <= max(COL_FILENAME, COL_ID, COL_NAME):
        return None
    filename = cells[COL_FILENAME].strip()
    if not filename:  # a manual activity: no file
        return None
    try:
        activity_id = int(cells[COL_ID].strip())
    except ValueError:
        return None
    if not 0 < activity_id <= MAX_BIGINT:
        return None
    name = printable(cells[COL_NAME]).strip() or None
    return filename, StravaLink(activity_id, name)
