"""The files of a run read ahead, in order, so their activities decode in parallel.

`Lookahead` walks the run's files and their members (archives.activity_contents) a little
ahead of the reader: each activity file met is copied out (its bytes) and handed to the decoder
pool, while the reader still loads the ones before it. The reader takes the events back file by
file and member by member, in the order of the files and of the members in each archive, so
what it yields, counts and logs does not depend on which decode finishes first.

Bounds: at most AHEAD_PER_WORKER activity files per worker and AHEAD_MAX_BYTES of them are
read ahead (their bytes and, once decoded, their tables wait here), so memory stays a few
activities whatever the run holds. A version already loaded (`skip_versions`) is not copied
out at all. Only the first copy of a version met in the run is decoded ahead: whether a later
copy counts as repeated is the reader's call, when its turn comes (if the first copy's file
failed, the later one is decoded then).

The pool starts only once the run has met two activity files and `pool_min_bytes` of them:
until then, and for a run below that, decoding stays in-process (the reader's turn).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from ..common.files import SourceFile
from ..common.textfile import printable
from .archives import Content, MemberProblem, activity_contents
from .arrow_tables import Version
from .decoding import DecodeJob, VersionTables, result_of, version_tables
from .pool import DecodePool, Pending
from .settings import AHEAD_MAX_BYTES, AHEAD_PER_WORKER, SOURCE
from .strava_links import StravaLink

log = logging.getLogger(f"dlt_sources.{SOURCE}")


@dataclass
class Member:
    """An activity file met in the run: what the reader needs when its turn comes."""

    name: str
    sha256: str
    size: int
    in_archive: bool
    strava: StravaLink | None
    job: DecodeJob | None = None  # None: a version already loaded (not copied out)
    first: bool = False  # the first copy of its version met in the run: decoded ahead
    pending: Pending | None = None  # its decode in the pool, when it was started ahead


@dataclass
class Event:
    """One step of reading the file at `index` of the run: a member, a problem, its end."""

    index: int
    member: Member | None = None
    problem: MemberProblem | None = None
    error: Exception | None = None  # the file as a whole failed here
    end: bool = False


class Lookahead:
    def __init__(
        self,
        files: Sequence[SourceFile],
        skip_versions: Collection[tuple[str, str]],
        *,
        workers: int,
        pool_min_bytes: int,
    ) -> None:
        self._skip = skip_versions
        self._workers = workers
        self._min_bytes = pool_min_bytes
        self._max_jobs = max(1, workers * AHEAD_PER_WORKER)
        self._window: deque[Event] = deque()
        self._jobs = self._bytes = 0  # copied-out members waiting in the window
        self._met_jobs = self._met_bytes = 0  # first copies met in the run
        self._started: set[tuple[str, str]] = set()  # versions whose decode started ahead
        self._walk = self._produce(files)
        self._exhausted = False
        self.pool: DecodePool | None = None

    def events(self, index: int) -> Iterator[Event]:
        """The events of the file at `index` (those left of earlier files are dropped)."""
        while (event := self._peek()) is not None and event.index <= index:
            self._pop()
            if event.end and event.index == index:
                return
            if event.index == index:
                yield event
            # else: the rest of an earlier file that failed: nobody will load it

    def tables(self, member: Member) -> VersionTables:
        """The member's tables (waiting for its decode, or decoding now); raises as a decoder."""
        assert member.job is not None
        pending, member.pending = member.pending, None
        if pending is not None:
            status, value, records = pending.wait()
            if status != "unavailable":
                for name, level, message in records:  # the decoder's log, in its turn
                    logging.getLogger(name).log(level, "%s", message)
                return result_of(status, value)
        return version_tables(member.job)

    def close(self) -> None:
        self._walk.close()
        self._window.clear()
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _peek(self) -> Event | None:
        while not self._exhausted and (
            not self._window or (self._jobs < self._max_jobs and self._bytes < AHEAD_MAX_BYTES)
        ):
            try:
                self._window.append(next(self._walk))
            except StopIteration:
                self._exhausted = True
        return self._window[0] if self._window else None

    def _pop(self) -> None:
        event = self._window.popleft()
        if event.member is not None and event.member.job is not None:
            self._jobs -= 1
            self._bytes -= len(event.member.job.data)

    def _produce(self, files: Sequence[SourceFile]) -> Iterator[Event]:
        for index, source_file in enumerate(files):
            name = printable(source_file.display_name)
            try:
                for item in activity_contents(source_file.path, name):
                    if isinstance(item, MemberProblem):
                        yield Event(index, problem=item)
                    else:
                        yield Event(index, member=self._member(source_file, item))
            except Exception as exc:  # the reader raises it in the file's turn: rejected
                yield Event(index, error=exc)
            yield Event(index, end=True)

    def _member(self, source_file: SourceFile, item: Content) -> Member:
        member = Member(item.name, item.sha256, item.size, item.in_archive, item.strava)
        version = (source_file.athlete_id, item.sha256)
        if version in self._skip:
            return member
        strava = item.strava
        member.job = DecodeJob(
            item.format,
            item.data.read(),
            Version(
                content_sha256=item.sha256,
                athlete_id=source_file.athlete_id,
                source_file=item.name,
                strava_activity_id=strava.activity_id if strava else None,
                activity_name=strava.activity_name if strava else None,
            ),
        )
        self._jobs += 1
        self._bytes += len(member.job.data)
        if version not in self._started:
            self._started.add(version)
            member.first = True
            self._met_jobs += 1
            self._met_bytes += len(member.job.data)
            if self.pool is None:
                self._start_pool()
            if self.pool is not None:
                member.pending = self.pool.submit(member.job)
        return member

    def _start_pool(self) -> None:
        if self._workers < 2 or self._met_jobs < 2 or self._met_bytes < self._min_bytes:
            return
        log.info("decoding activity files in %d processes", self._workers)
        self.pool = DecodePool(self._workers, log.getEffectiveLevel())
        for event in self._window:  # first copies met so far, not yet decoded
            member = event.member
            if member is not None and member.first and member.pending is None:
                assert member.job is not None
                member.pending = self.pool.submit(member.job)
