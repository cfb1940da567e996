"""One imported file → the versions it holds, as arrow tables, and its bad members.

A file version is identified by the sha256 of its decompressed bytes: `run.fit` and
`run.fit.gz` are one version. A version in `skip_versions` (already loaded) or already decoded
in this run is not decoded again and writes nothing. Run `read` under
`common.isolation.isolated_file_items`: a plain file that fails loads nothing and is
rejected; inside an archive a failing member is quarantined and the others load.

Given the run's files first (`plan`), the reader reads ahead of the file being loaded and
decodes in a pool of processes (`ahead.py`, `pool.py`); what `read` yields is the same, in
the same order, as decoding each member in its turn in-process (which a small run still does).
Close the reader (or use it as a context manager) to stop its decoder processes.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..common.files import SourceFile
from ..common.isolation import rejection_reason
from ..common.quarantine import quarantine_row
from .ahead import Lookahead, Member
from .archives import MemberProblem
from .decoding import VersionTables
from .model import NotAnActivity
from .pool import decode_workers
from .settings import POOL_MIN_BYTES, SOURCE

__all__ = ["RunReader", "VersionTables"]

log = logging.getLogger(f"dlt_sources.{SOURCE}")  # forwarded to the Dagster run log


@dataclass
class RunReader:
    """Reads the files of one run, remembering the versions decoded so far.

    `workers`: decoder processes at most (None: `pool.decode_workers()`, from the settings
    and the CPUs); `pool_min_bytes`: activity bytes a run meets before it starts them.
    """

    skip_versions: Collection[tuple[str, str]] = ()  # (athlete_id, content_sha256)
    seen: set[tuple[str, str]] = field(default_factory=set)  # versions read whole this run
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("decoded", "known", "repeated", "skipped"), 0)
    )
    workers: int | None = None
    pool_min_bytes: int = POOL_MIN_BYTES
    _plan: list[SourceFile] = field(default_factory=list, init=False, repr=False)
    _next: int = field(default=0, init=False, repr=False)
    _ahead: Lookahead | None = field(default=None, init=False, repr=False)

    def plan(self, files: Sequence[SourceFile]) -> None:
        """The files `read` will be given, in that order: they are read and decoded ahead."""
        self.close()
        self._plan, self._next = list(files), 0
        self._ahead = self._lookahead(self._plan)

    def close(self) -> None:
        """Stop reading ahead and end the decoder processes (idempotent)."""
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None

    def __enter__(self) -> RunReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, source_file: SourceFile) -> Iterator[Any]:
        """Items for one imported file; raises when the file as a whole is unreadable."""
        index = self._position(source_file)
        if index is not None and self._ahead is not None:
            yield from self._read(source_file, self._ahead, index)
            return
        alone = self._lookahead([source_file])  # not planned: read by itself
        try:
            yield from self._read(source_file, alone, 0)
        finally:
            alone.close()

    def _position(self, source_file: SourceFile) -> int | None:
        for index in range(self._next, len(self._plan)):
            if self._plan[index] is source_file:
                self._next = index + 1
                return index
        return None

    def _lookahead(self, files: list[SourceFile]) -> Lookahead:
        return Lookahead(
            files,
            self.skip_versions,
            workers=decode_workers(self.workers),
            pool_min_bytes=self.pool_min_bytes,
        )

    def _read(self, source_file: SourceFile, ahead: Lookahead, index: int) -> Iterator[Any]:
        mine: dict[tuple[str, str], str] = {}  # versions of this file → where
        for event in ahead.events(index):
            if event.error is not None:
                raise event.error  # the imported file itself: rejected whole
            if event.problem is not None:
                log.warning("%s quarantined: %s", event.problem.name, event.problem.reason)
                yield self._quarantine(source_file, event.problem)
                continue
            item = event.member
            assert item is not None
            version = (source_file.athlete_id, item.sha256)  # an athlete's version only
            if version in self.skip_versions:
                self.counts["known"] += 1
                log.debug("%s: version %s already loaded", item.name, item.sha256[:12])
                continue
            if version in self.seen or version in mine:
                self.counts["repeated"] += 1
                log.info("%s: same content as a file already read in this run", item.name)
                continue
            try:
                tables = ahead.tables(item)
            except NotAnActivity as exc:
                self.counts["skipped"] += 1
                log.info("%s skipped: %s", item.name, exc)
                continue
            except Exception as exc:
                if not item.in_archive:
                    raise  # the imported file itself: rejected whole
                problem = MemberProblem(item.name, rejection_reason(exc), _raw(item))
                log.warning("%s quarantined: %s", item.name, problem.reason)
                yield self._quarantine(source_file, problem)
                continue
            mine[version] = item.name
            self.counts["decoded"] += 1
            yield tables
        # Reached only when the whole file was read: its versions now count as read this run.
        self.seen.update(mine)

    @staticmethod
    def _quarantine(source_file: SourceFile, problem: MemberProblem) -> Any:
        return quarantine_row(
            SOURCE,
            raw_record=problem.raw,
            reason=f"member rejected: {problem.reason}",
            athlete_id=source_file.athlete_id,
            source_file=problem.name,
            source_line=0,
        )


def _raw(item: Member) -> str:
    return f"{item.name.rsplit('!', 1)[-1]} ({item.size} bytes, sha256 {item.sha256})"
