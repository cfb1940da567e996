"""The activity files inside an imported file: itself, its gzip content, or zip members.

Members are streamed one at a time into a spooled temporary file (memory up to
SPOOL_IN_MEMORY_BYTES, then disk), hashed on the way, so memory and disk stay bounded by one
activity whatever the archive holds. Guards: a member (decompressed) over MAX_MEMBER_BYTES is
refused while it is read, whatever its header claims (zip bombs); zips nest at most
MAX_ARCHIVE_DEPTH deep; member names are only recorded (printable), never used as paths.

A problem with the imported file itself (not a zip after all, a truncated gzip) raises: the
whole file is rejected. A problem with one member becomes a `MemberProblem` and the other
members go on. Members whose content is not an activity file are other files of the export
(activities.csv, photos) and are skipped, unless their name says they are one (`.fit`,
`.gpx.gz`...): then they are a problem.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..common.isolation import rejection_reason
from ..common.textfile import printable
from .detect import ACTIVITY_FORMATS, sniff
from .settings import (
    ACTIVITY_SUFFIXES,
    COPY_CHUNK_BYTES,
    HEAD_BYTES,
    MAX_ARCHIVE_DEPTH,
    MAX_ARCHIVE_MEMBERS,
    MAX_MEMBER_BYTES,
    SPOOL_IN_MEMORY_BYTES,
)
from .strava_links import StravaLink, member_key, strava_links

log = logging.getLogger(__name__)


class ArchiveError(ValueError):
    """Content that cannot be unpacked (the message is the quarantine reason)."""


@dataclass
class Content:
    """One activity file's bytes (decompressed), ready to decode."""

    name: str  # as recorded in source_file: "<archive>!<member>" inside archives
    data: IO[bytes]  # seekable, at 0
    sha256: str
    size: int
    format: str  # fit | tcx | gpx
    in_archive: bool
    strava: StravaLink | None = None


@dataclass
class MemberProblem:
    """An archive member that cannot be read; quarantined, the other members still load."""

    name: str
    reason: str
    raw: str


def activity_contents(path: Path, name: str) -> Iterator[Content | MemberProblem]:
    """Every activity file that the imported file `path` (shown as `name`) is or holds."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        handle.seek(0)
        kind = sniff(head)
        if kind in ACTIVITY_FORMATS:
            sha256, size = _hash(handle)
            handle.seek(0)
            yield Content(name, handle, sha256, size, kind, in_archive=False)
        elif kind == "gzip":
            with _spool() as inner:
                sha256, size = _gunzip(handle, inner)
                inner_kind = sniff(inner.read(HEAD_BYTES))
                inner.seek(0)
                if inner_kind in ACTIVITY_FORMATS:
                    yield Content(name, inner, sha256, size, inner_kind, in_archive=False)
                elif inner_kind == "zip":
                    yield from _archive(inner, name, depth=1)
                else:
                    raise ArchiveError("gzip content is not a FIT, TCX or GPX file, nor a zip")
        elif kind == "zip":
            yield from _archive(handle, name, depth=1)
        else:
            raise ArchiveError(
                "not an activity file: the content is not FIT, TCX, GPX, or a gzip/zip of them"
            )


def _archive(stream: IO[bytes], name: str, depth: int) -> Iterator[Content | MemberProblem]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(f"not a readable zip archive: {exc}") from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise ArchiveError(f"zip archive has {len(members)} members (limit is "
                               f"{MAX_ARCHIVE_MEMBERS})")  # fmt: skip
        links = strava_links(archive)
        found = other = 0
        for info in members:
            member_name = f"{name}!{printable(info.filename)}"
            try:
                for item in _member(archive, info, member_name, depth, links):
                    found += 1
                    yield item
            except _OtherFile:
                other += 1
            except Exception as exc:  # this member only: the others still load
                found += 1
                raw = f"{printable(info.filename)} ({info.file_size} bytes)"
                yield MemberProblem(member_name, rejection_reason(exc), raw)
        if other:
            log.info("%s: %d member(s) that are not activity files skipped", name, other)
        if not found and depth == 1:
            raise ArchiveError("zip archive holds no FIT, TCX or GPX file")


class _OtherFile(Exception):
    """A member that is some other file of the export (not an activity file)."""


def _member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    depth: int,
    links: dict[str, StravaLink],
) -> Iterator[Content | MemberProblem]:
    named_like_activity = info.filename.lower().endswith(ACTIVITY_SUFFIXES)
    if info.file_size > MAX_MEMBER_BYTES:
        if not named_like_activity and not info.filename.lower().endswith((".zip", ".gz")):
            raise _OtherFile
        raise ArchiveError(f"member of {info.file_size >> 20} MiB is over the "
                           f"{MAX_MEMBER_BYTES >> 20} MiB limit")  # fmt: skip
    with archive.open(info) as raw, _spool() as copy:
        head = raw.read(HEAD_BYTES)
        kind = sniff(head)
        if kind is None:
            if named_like_activity:
                raise ArchiveError("named like an activity file, but the content is not "
                                   "FIT, TCX or GPX (damaged?)")  # fmt: skip
            raise _OtherFile
        copy.write(head)
        sha256, size = _copy(raw, copy, already=head)
        copy.seek(0)
        link = links.get(member_key(info.filename))
        if kind in ACTIVITY_FORMATS:
            yield Content(name, copy, sha256, size, kind, in_archive=True, strava=link)
        elif kind == "gzip":
            with _spool() as inner:
                sha256, size = _gunzip(copy, inner)
                inner_kind = sniff(inner.read(HEAD_BYTES))
                inner.seek(0)
                if inner_kind in ACTIVITY_FORMATS:
                    yield Content(name, inner, sha256, size, inner_kind, True, strava=link)
                elif inner_kind == "zip":
                    yield from _nested(inner, name, depth)
                elif named_like_activity:
                    raise ArchiveError("gzip content is not a FIT, TCX or GPX file")
                else:
                    raise _OtherFile
        else:  # a zip inside the zip (Garmin's export parts)
            yield from _nested(copy, name, depth)


def _nested(stream: IO[bytes], name: str, depth: int) -> Iterator[Content | MemberProblem]:
    if depth >= MAX_ARCHIVE_DEPTH:
        raise ArchiveError(f"zip nested deeper than {MAX_ARCHIVE_DEPTH} levels: not opened")
    yield from _archive(stream, name, depth + 1)


def _spool() -> tempfile.SpooledTemporaryFile:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)


def _hash(stream: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: stream.read(COPY_CHUNK_BYTES), b""):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def _copy(source: IO[bytes], target: IO[bytes], *, already: bytes = b"") -> tuple[str, int]:
    """Copy the rest of `source` into `target` (after `already`, written by the caller)."""
    digest, size = hashlib.sha256(already), len(already)
    while block := source.read(COPY_CHUNK_BYTES):
        size += len(block)
        if size > MAX_MEMBER_BYTES:
            raise ArchiveError(f"content over the {MAX_MEMBER_BYTES >> 20} MiB limit")
        digest.update(block)
        target.write(block)
    return digest.hexdigest(), size


def _gunzip(source: IO[bytes], target: IO[bytes]) -> tuple[str, int]:
    """Decompress gzip `source` into `target` (capped), hash of the decompressed bytes."""
    try:
        with gzip.GzipFile(fileobj=source, mode="rb") as inflated:
            result = _copy(inflated, target)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"gzip content is damaged or truncated: {exc}") from exc
    except zlib.error as exc:
        raise ArchiveError(f"gzip content is damaged: {exc}") from exc
    target.seek(0)
    return result
