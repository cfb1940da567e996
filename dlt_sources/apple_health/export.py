"""An Apple Health export (`export.zip` or `export.xml`) streamed into arrow tables.

The XML is read with `lxml.etree.iterparse`, element by element: each top-level `<Record>` or
`<Workout>` is read, then cleared and removed with everything before it, so memory holds one
batch of attribute strings, never the tree (the file is often several GB). The internal DOCTYPE
is parsed as part of the document; entities are not resolved and nothing is fetched. Records
nested in a `<Correlation>` (blood pressure, food) repeat top-level ones and are not read.

Run `read` under `common.isolation.isolated_file_items`: a truncated zip or XML, or any other
failure, rejects the file whole (nothing of it loads, and the high-water mark does not move,
since an export is ordered by type, not time: the part before a break is no "so far").
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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
from .spans import FIELDS, Built, Raw, arrow_schema, build_records, build_sleep
from .workouts import WorkoutError, raw_workout, workout_row

WORKOUT_SCHEMA = arrow_schema(WORKOUT_COLUMNS)
TYPE_COUNT_SCHEMA = arrow_schema(TYPE_COUNT_COLUMNS)


@dataclass(frozen=True)
class ExportDone:
    """The last item of an export read whole: what the source's state learns from it."""

    athlete_id: str
    export_sha256: str
    latest_us: int | None  # the latest creation instant of any good record in it


@dataclass
class Tables:
    """An arrow table for one of the source's tables (hints say which)."""

    hints: Any
    table: pa.Table


@dataclass
class ExportReader:
    """Reads one export; `cutoff_us`: records created before it are skipped (incremental)."""

    export_sha256: str
    cutoff_us: int | None = None
    batch_rows: int = BATCH_ROWS
    counts: Counter = field(default_factory=Counter)  # (element, HealthKit type) → elements
    skipped: int = 0
    quarantined: int = 0

    def read(self, source_file: SourceFile) -> Iterator[Any]:
        with open_export(source_file.path) as stream:
            yield from _Parse(self, source_file).run(stream)


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


class _Parse:
    """One pass over one export's XML."""

    def __init__(self, reader: ExportReader, source_file: SourceFile) -> None:
        self.reader = reader
        self.athlete_id = source_file.athlete_id
        self.source_file = source_file.display_name
        self.pending: dict[str, list[Raw]] = {}
        self.latest_us: int | None = None

    def run(self, stream: IO[bytes]) -> Iterator[Any]:
        counts = self.reader.counts
        routes = {hk: record_type for hk, (record_type, _) in QUANTITY_TYPES.items()}
        routes[SLEEP_TYPE] = "sleep"
        pending = self.pending
        workouts: list[dict[str, Any]] = []
        context = etree.iterparse(
            stream, events=("end",), tag=("Record", "Workout"),
            resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False,
        )  # fmt: skip
        root = None  # the HealthData element, once met
        current, route, rows, run = None, None, None, 0  # the type being read (exports sort by it)
        batch_rows = self.reader.batch_rows
        for _, elem in context:
            parent = elem.getparent()
            if parent is not root:
                if root is None and parent is not None and parent.tag == ROOT_TAG:
                    root = parent
                elif parent is None or parent.getparent() is None:
                    raise ValueError(f"not an Apple Health export: root <{_root(elem)}>")
                else:
                    continue  # inside a Correlation: a copy of a top-level record
            get = elem.get
            if elem.tag == "Record":
                hk_type = get("type")
                if hk_type != current:
                    if run:
                        counts["Record", current] += run
                    current, run = hk_type, 0
                    route = routes.get(hk_type)
                    rows = None if route is None else pending.setdefault(route, [])
                run += 1
                if rows is not None:
                    rows.append((
                        hk_type, get("sourceName"), get("unit"), get("value"), get("startDate"),
                        get("endDate"), get("creationDate"), elem.sourceline,
                    ))  # fmt: skip
                    if len(rows) >= batch_rows:
                        yield from self._flush(route)
                        rows = pending.setdefault(route, [])
            else:
                counts["Workout", get("workoutActivityType")] += 1
                yield from self._workout(elem, workouts)
            elem.clear()
            while elem.getprevious() is not None:
                del parent[0]
        if run:
            counts["Record", current] += run
        root = getattr(context, "root", None)
        if root is not None and root.tag != ROOT_TAG:
            raise ValueError(f"not an Apple Health export: root <{root.tag}>")
        for route in list(pending):
            yield from self._flush(route)
        if workouts:
            yield Tables(WORKOUTS_HINTS, pa.Table.from_pylist(workouts, schema=WORKOUT_SCHEMA))
        yield Tables(TYPE_COUNTS_HINTS, self._type_counts(routes))
        yield ExportDone(self.athlete_id, self.reader.export_sha256, self.latest_us)

    def _flush(self, route: str) -> Iterator[Any]:
        rows = self.pending.pop(route, [])
        if not rows:
            return
        common = {
            "athlete_id": self.athlete_id,
            "source_file": self.source_file,
            "cutoff_us": self.reader.cutoff_us,
        }
        if route == "sleep":
            built, hints = build_sleep(rows, **common), SLEEP_HINTS
        else:
            built, hints = build_records(rows, record_type=route, **common), RECORDS_HINTS
        yield from self._account(built, rows)
        if built.table is not None:
            yield Tables(hints, built.table)

    def _account(self, built: Built, rows: list[Raw]) -> Iterator[Any]:
        self.reader.skipped += built.skipped
        if built.latest_us is not None:
            self.latest_us = max(self.latest_us or built.latest_us, built.latest_us)
        reasons: dict[int, list[str]] = {}
        for index, reason in built.bad:
            reasons.setdefault(index, []).append(reason)
        for index, why in sorted(reasons.items()):
            self.reader.quarantined += 1
            raw = dict(zip(FIELDS, rows[index], strict=True))
            yield self._quarantine(raw, "; ".join(why), raw.pop("line"))

    def _workout(self, elem: Any, workouts: list[dict[str, Any]]) -> Iterator[Any]:
        try:
            row = workout_row(elem, athlete_id=self.athlete_id, source_file=self.source_file)
        except WorkoutError as exc:
            self.reader.quarantined += 1
            yield self._quarantine(raw_workout(elem), str(exc), elem.sourceline)
            return
        workouts.append(row)
        cutoff = self.reader.cutoff_us
        created = row["created_at"] or row["end_at"]
        created_us = int(created.timestamp()) * 1_000_000
        self.latest_us = max(self.latest_us or created_us, created_us)
        if cutoff is not None and created_us < cutoff:
            workouts.pop()
            self.reader.skipped += 1

    def _quarantine(self, raw: dict[str, Any], reason: str, line: int | None) -> Any:
        return quarantine_row(
            SOURCE, raw_record=raw, reason=reason, athlete_id=self.athlete_id,
            source_file=self.source_file, source_line=line,
        )  # fmt: skip

    def _type_counts(self, routes: dict[str, str]) -> pa.Table:
        rows = [
            {
                "athlete_id": self.athlete_id,
                "export_sha256": self.reader.export_sha256,
                "element": element,
                "hk_type": hk_type or "(none)",
                "record_count": count,
                "loaded": element == "Workout" or hk_type in routes,
                "source_file": self.source_file,
            }
            for (element, hk_type), count in sorted(
                self.reader.counts.items(), key=lambda item: (item[0][0], item[0][1] or "")
            )
        ]
        return pa.Table.from_pylist(rows, schema=TYPE_COUNT_SCHEMA)


def _root(elem: Any) -> str:
    return str(elem.getroottree().getroot().tag)
