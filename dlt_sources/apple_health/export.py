"""An Apple Health export (`export.zip` or `export.xml`) streamed into arrow tables.

Two readers give the same rows. The fast one (scan.py) reads the app's one-element-per-line
layout in vectorised passes; anything it cannot vouch for makes the reader yield `Restart` and
read the file again with `lxml.etree.iterparse`, element by element (each top-level `<Record>`
or `<Workout>` read, then cleared and removed with everything before it). Consumers drop what
they received from the file before a `Restart`. Either way memory holds one block of lines
or one batch of attribute texts, never the tree (the file is often several GB). The internal
DOCTYPE is parsed as part of the document; entities are not resolved and nothing is fetched.
Records nested in a `<Correlation>` (blood pressure, food) repeat top-level ones: not read.

Run `read` under whole-file isolation: a truncated zip or XML, or any other failure, rejects
the file whole (nothing of it loads, and the high-water mark does not move, since an export is
ordered by type, not time: the part before a break is no "so far").
"""

from __future__ import annotations

import logging
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
from lxml import etree

from ..common.files import SourceFile
from ..common.quarantine import quarantine_row
from .columns import (
    RECORDS_HINTS,
    SLEEP_HINTS,
    TYPE_COUNT_COLUMNS,
    TYPE_COUNTS_HINTS,
    WORKOUT_COLUMNS,
    WORKOUTS_HINTS,
)
from .scan import PARSER_OPTIONS, NotCanonical, RecordColumns, scan_export
from .settings import (
    BATCH_ROWS,
    EXPORT_FOLDER,
    EXPORT_MEMBER,
    MAX_EXPORT_BYTES,
    QUANTITY_TYPES,
    ROOT_TAG,
    SLEEP_TYPE,
    SOURCE,
)
from .spans import Built, RawRecords, arrow_schema, build_records, build_sleep
from .workouts import WorkoutError, raw_workout, workout_row

log = logging.getLogger(f"dlt_sources.{SOURCE}")
WORKOUT_SCHEMA = arrow_schema(WORKOUT_COLUMNS)
TYPE_COUNT_SCHEMA = arrow_schema(TYPE_COUNT_COLUMNS)
ROUTES = {hk: route for hk, (route, _) in QUANTITY_TYPES.items()} | {SLEEP_TYPE: "sleep"}
LOOSE_ROWS = 10_000
_ATTRIBUTES = ("sourceName", "unit", "value", "startDate", "endDate", "creationDate")


@dataclass(frozen=True)
class ExportDone:
    """The last item of an export read whole: what the source's state learns from it."""

    athlete_id: str
    export_sha256: str
    latest_us: int | None  # the latest creation instant of any good record in it


@dataclass(frozen=True)
class Restart:
    """The fast reader gave up: drop this file's items so far, the lxml reader starts over."""

    reason: str


@dataclass
class Tables:
    """An arrow table for one of the source's tables (hints say which)."""

    hints: Any
    table: pa.Table


@dataclass
class ExportReader:
    """Reads one export; `cutoff_us`: records created before it are skipped (incremental)."""

    export_sha256: str | Future  # a Future while it is still being computed (in a thread)
    cutoff_us: int | None = None
    batch_rows: int = BATCH_ROWS
    fast: bool = True  # False: lxml's iterparse only (the reference reader)
    counts: Counter = field(default_factory=Counter)  # (element, HealthKit type) → elements
    skipped: int = 0
    quarantined: int = 0

    def checksum(self, wait: bool = True) -> str | None:
        """The export's sha256 (None while it is still being computed, unless `wait`)."""
        value = self.export_sha256
        if isinstance(value, str):
            return value
        return value.result() if wait or value.done() else None

    def read(self, source_file: SourceFile) -> Iterator[Any]:
        if self.fast:
            try:
                with open_export(source_file.path) as stream:
                    yield from _Parse(self, source_file).run(scan_export(stream))
                return
            except NotCanonical as exc:
                log.info("%s: read with lxml (%s)", source_file.display_name, exc)
                self.counts, self.skipped, self.quarantined = Counter(), 0, 0
                yield Restart(str(exc))
        with open_export(source_file.path) as stream:
            yield from _Parse(self, source_file).run(_iterparse(stream))


@contextmanager
def open_export(path: Path) -> Iterator[IO[bytes]]:
    """The export.xml stream of a plain export.xml or of an export.zip."""
    with path.open("rb") as handle:
        zipped = handle.read(4) == b"PK\x03\x04"
    if not zipped:
        with path.open("rb") as handle:
            yield handle
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a readable zip (truncated?): {exc}") from None
    with archive:
        member = export_member(archive)
        if member.file_size > MAX_EXPORT_BYTES:
            raise ValueError(f"{member.filename}: {member.file_size} bytes, over the limit")
        with archive.open(member) as stream:
            yield stream


def export_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """apple_health_export/export.xml (or an export.xml at any depth; never export_cda.xml)."""
    candidates = [
        info for info in archive.infolist()
        if info.filename == EXPORT_MEMBER or info.filename.endswith("/" + EXPORT_MEMBER)
    ]  # fmt: skip
    if not candidates:
        raise ValueError(f"the zip holds no {EXPORT_FOLDER}{EXPORT_MEMBER}")
    candidates.sort(
        key=lambda info: (info.filename != EXPORT_FOLDER + EXPORT_MEMBER, info.filename)
    )
    return candidates[0]


def _iterparse(stream: IO[bytes]) -> Iterator[RecordColumns | tuple[Any, int]]:
    """The reference reader: top-level Records in columns of one type, Workout elements."""
    context = etree.iterparse(stream, events=("end",), tag=("Record", "Workout"), **PARSER_OPTIONS)
    root = None  # the HealthData element, once met
    rows: list[tuple] = []
    for _, elem in context:
        parent = elem.getparent()
        if parent is not root:
            if root is None and parent is not None and parent.tag == ROOT_TAG:
                root = parent
            elif parent is None or parent.getparent() is None:
                raise ValueError(f"not an Apple Health export: root <{_root(elem)}>")
            else:
                continue  # inside a Correlation: a copy of a top-level record
        if elem.tag == "Record":
            get = elem.get
            if rows and (get("type") != rows[-1][0] or len(rows) >= 10_000):
                yield _columns(rows)
                rows = []
            rows.append((get("type"), *map(get, _ATTRIBUTES), elem.sourceline))
        else:
            yield elem, 0
        elem.clear()
        while elem.getprevious() is not None:
            del parent[0]
    if rows:
        yield _columns(rows)
    root = getattr(context, "root", None)
    if root is not None and root.tag != ROOT_TAG:
        raise ValueError(f"not an Apple Health export: root <{root.tag}>")


def _columns(rows: list[tuple]) -> RecordColumns:
    """Records of one type (attribute texts) as columns."""
    _, source, unit, value, start, end, created, line = zip(*rows, strict=True)
    texts = [pa.array(list(c), pa.string()) for c in (source, unit, value, start, end, created)]
    return RecordColumns(rows[0][0], *texts, line=np.asarray(line, np.int64))


class _Parse:
    """One pass over one export: records batched per type, workouts, counts, quarantine."""

    def __init__(self, reader: ExportReader, source_file: SourceFile) -> None:
        self.reader = reader
        self.common = {"athlete_id": source_file.athlete_id,
                       "source_file": source_file.display_name}  # fmt: skip
        self.pending: dict[str, list[RecordColumns]] = {}
        self.loose: dict[str, list[tuple]] = {}  # records read by lxml, per type
        self.latest_us: int | None = None

    def run(self, units: Iterator[RecordColumns | tuple[Any, int]]) -> Iterator[Any]:
        counts, workouts = self.reader.counts, []
        for unit in units:
            if isinstance(unit, RecordColumns):
                counts["Record", unit.hk_type] += len(unit.line)
                if unit.hk_type in ROUTES:
                    yield from self._add(unit)
            elif unit[0].tag == "Record":  # a record lxml read: batched with its type's
                elem, offset = unit
                counts["Record", elem.get("type")] += 1
                row = (elem.get("type"), *map(elem.get, _ATTRIBUTES), elem.sourceline + offset)
                if row[0] in ROUTES:
                    rows = self.loose.setdefault(row[0], [])
                    rows.append(row)
                    if len(rows) >= LOOSE_ROWS:
                        yield from self._add(_columns(self.loose.pop(row[0])))
            else:
                elem, offset = unit
                counts["Workout", elem.get("workoutActivityType")] += 1
                yield from self._workout(elem, offset, workouts)
        for rows in self.loose.values():
            yield from self._add(_columns(rows))
        for hk_type in list(self.pending):
            yield from self._flush(hk_type)
        if workouts:
            yield Tables(WORKOUTS_HINTS, pa.Table.from_pylist(workouts, schema=WORKOUT_SCHEMA))
        yield Tables(TYPE_COUNTS_HINTS, self._type_counts())
        yield ExportDone(self.common["athlete_id"], self.reader.checksum(), self.latest_us)

    def _add(self, unit: RecordColumns) -> Iterator[Any]:
        batch = self.pending.setdefault(unit.hk_type, [])
        batch.append(unit)
        if sum(len(b.line) for b in batch) >= self.reader.batch_rows:
            yield from self._flush(unit.hk_type)

    def _flush(self, hk_type: str) -> Iterator[Any]:
        parts = self.pending.pop(hk_type, [])
        if not parts:
            return
        raw = RawRecords(hk_type, *(pa.concat_arrays([getattr(p, name) for p in parts])
                                    for name in ("source", "unit", "value", "start", "end",
                                                 "created")),
                         line=np.concatenate([p.line for p in parts]))  # fmt: skip
        route, cutoff = ROUTES[hk_type], self.reader.cutoff_us
        if route == "sleep":
            built, hints = build_sleep(raw, cutoff_us=cutoff, **self.common), SLEEP_HINTS
        else:
            built = build_records(raw, record_type=route, cutoff_us=cutoff, **self.common)
            hints = RECORDS_HINTS
        yield from self._account(built, raw)
        if built.table is not None:
            yield Tables(hints, built.table)

    def _account(self, built: Built, raw: RawRecords) -> Iterator[Any]:
        self.reader.skipped += built.skipped
        if built.latest_us is not None:
            self.latest_us = max(self.latest_us or built.latest_us, built.latest_us)
        reasons: dict[int, list[str]] = {}
        for index, reason in built.bad:
            reasons.setdefault(index, []).append(reason)
        for index, why in sorted(reasons.items()):
            self.reader.quarantined += 1
            yield self._quarantine(raw.raw(index), "; ".join(why), int(raw.line[index]))

    def _workout(self, elem: Any, offset: int, workouts: list[dict[str, Any]]) -> Iterator[Any]:
        line = elem.sourceline + offset
        try:
            row = workout_row(elem, **self.common)
        except WorkoutError as exc:
            self.reader.quarantined += 1
            yield self._quarantine(raw_workout(elem), str(exc), line)
            return
        created = row["created_at"] or row["end_at"]
        created_us = int(created.timestamp()) * 1_000_000
        self.latest_us = max(self.latest_us or created_us, created_us)
        cutoff = self.reader.cutoff_us
        if cutoff is not None and created_us < cutoff:
            self.reader.skipped += 1
        else:
            workouts.append(row)

    def _quarantine(self, raw: dict[str, Any], reason: str, line: int | None) -> Any:
        return quarantine_row(SOURCE, raw_record=raw, reason=reason, source_line=line,
                              **self.common)  # fmt: skip

    def _type_counts(self) -> pa.Table:
        rows = [
            {"athlete_id": self.common["athlete_id"],
             "export_sha256": self.reader.checksum(), "element": element,
             "hk_type": hk_type or "(none)", "record_count": count,
             "loaded": element == "Workout" or hk_type in ROUTES,
             "source_file": self.common["source_file"]}
            for (element, hk_type), count in sorted(
                self.reader.counts.items(), key=lambda item: (item[0][0], item[0][1] or "")
            )
        ]  # fmt: skip
        return pa.Table.from_pylist(rows, schema=TYPE_COUNT_SCHEMA)


def _root(elem: Any) -> str:
    return str(elem.getroottree().getroot().tag)
