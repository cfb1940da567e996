"""An export's record and sleep rows on their way to PostgreSQL, numbered, de-duplicated.

Merged (a later export): the records are written to csv (`pyarrow.csv`, dlt's own csv layout
for postgres: a quoted header, empty = NULL) in the run's working folder while the export is
read; once it was read whole, dlt imports the files (hard links: neither rewritten as parquet
nor normalised again) and merges them. A file that fails is discarded with its csv.

Appended (the athlete's first export, copy.py): the export's own duplicates (the Watch writes
some segments twice) must go, as dlt's merge would have removed them. Each row's natural key
(the key columns as integers, texts through a small dictionary) is hashed to 128 bits, as the
workouts' `record_key` is, and (hash, row number) spilled to `KEY_PARTITIONS` files by hash;
finding the duplicates holds one partition in memory, never the export.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from .settings import SOURCE

log = logging.getLogger(f"dlt_sources.{SOURCE}")
PART_ROWS = 1_000_000  # rows per csv file (one COPY each; dlt runs a table's files in parallel)
KEY_PARTITIONS = 64
SPILL_ROWS = 262_144  # keys buffered before they are spilled to the partitions
DLT_COLUMNS = ("_dlt_load_id", "_dlt_id")
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_FINAL = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
_WRITE = pcsv.WriteOptions(include_header=True, quoting_style="needed")


@dataclass
class _Stream:
    """One table's csv files and key partitions."""

    name: str
    key: tuple[str, ...]
    files: list[tuple[Path, int, int]] = field(default_factory=list)  # (path, first row, rows)
    writer: pcsv.CSVWriter | None = None
    rows: int = 0  # rows written so far
    codes: dict[str, int] = field(default_factory=dict)  # text → integer, for the keys
    csv: bool = True  # False: numbered only (the rows go to PostgreSQL by COPY)
    dropped: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    pending: list[np.ndarray] = field(default_factory=list)  # (hash, hash, number) rows


class ExportParts:
    """The csv files of one export (one folder), de-duplicated when `dedup`."""

    def __init__(self, parent: Path | None, load_id: str, id_prefix: str, *, dedup: bool) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{SOURCE}-", dir=parent))
        self.load_id, self.id_prefix, self.dedup = load_id, id_prefix, dedup
        self.streams: dict[str, _Stream] = {}

    def add(self, table_name: str, key: tuple[str, ...], table: pa.Table, *, csv: bool = True
            ) -> pa.Table:  # fmt: skip
        """Number the rows (keys spilled when de-duplicating). Returned with dlt's two columns,
        and written to the table's csv files when `csv`."""
        stream = self.streams.setdefault(table_name, _Stream(table_name, key, csv=csv))
        count = table.num_rows
        if self.dedup:
            self._spill(stream, table)
        full = table.append_column("_dlt_load_id", pa.repeat(self.load_id, count))
        full = full.append_column("_dlt_id", row_ids(self.id_prefix, stream.rows, count))
        if csv:
            text = _utc_texts(full)
            if stream.writer is None or stream.rows - stream.files[-1][1] >= PART_ROWS:
                self._open(stream, text.schema)
            stream.writer.write_table(text)
            path, first, _ = stream.files[-1]
            stream.files[-1] = (path, first, stream.rows + count - first)
        stream.rows += count
        return full

    def finish(self) -> list[tuple[str, Path, int]]:
        """(table, csv file, rows) of every non-empty csv file; when de-duplicating, the
        numbers of each table's duplicate rows in `dropped`."""
        for stream in self.streams.values():
            if stream.writer is not None:
                stream.writer.close()
            if self.dedup:
                stream.dropped = self._duplicates(stream)
                if len(stream.dropped):
                    log.info("%s: %d duplicate rows of the export not loaded twice",
                             stream.name, len(stream.dropped))  # fmt: skip
        return [(s.name, path, rows) for s in self.streams.values()
                for path, _, rows in s.files if rows]  # fmt: skip

    def dropped(self, table_name: str) -> np.ndarray:
        """Numbers of the rows of `table_name` whose key came earlier in the export."""
        stream = self.streams.get(table_name)
        return np.empty(0, np.int64) if stream is None else stream.dropped

    def ids(self, numbers: np.ndarray) -> list[str]:
        """The `_dlt_id`s of these rows."""
        return [f"{self.id_prefix}{number:08x}" for number in numbers]

    def discard(self) -> None:
        for stream in self.streams.values():
            if stream.writer is not None:
                stream.writer.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _open(self, stream: _Stream, schema: pa.Schema) -> None:
        if stream.writer is not None:
            stream.writer.close()
        path = self.folder / f"{stream.name}.{len(stream.files)}.csv"
        stream.writer = pcsv.CSVWriter(path, schema, write_options=_WRITE)
        stream.files.append((path, stream.rows, 0))

    def _spill(self, stream: _Stream, table: pa.Table) -> None:
        """(128-bit key hash, row number) of each row, spilled by hash in large writes."""
        mixed = [np.full(table.num_rows, seed, np.uint64) for seed in _MIX[::-1]]
        for name in stream.key:
            column = table.column(name).combine_chunks()
            if pa.types.is_string(column.type):
                encoded = column.dictionary_encode()
                known = [stream.codes.setdefault(t, len(stream.codes))
                         for t in encoded.dictionary.to_pylist()]  # fmt: skip
                values = np.asarray(known, np.uint64)[encoded.indices.to_numpy()]
            elif pa.types.is_floating(column.type):
                values = (column.to_numpy() + 0.0).view(np.uint64)  # -0.0 is 0.0, as in SQL
            else:
                values = column.cast(pa.int64()).to_numpy().view(np.uint64)
            for h, multiplier in zip(mixed, _MIX, strict=True):
                h ^= values
                h *= multiplier
                h ^= h >> np.uint64(29)
        for h in mixed:  # murmur3's finaliser
            for multiplier in _FINAL:
                h ^= h >> np.uint64(33)
                h *= multiplier
            h ^= h >> np.uint64(33)
        numbers = np.arange(stream.rows, stream.rows + table.num_rows, dtype=np.uint64)
        stream.pending.append(np.column_stack([*mixed, numbers]))
        if sum(len(p) for p in stream.pending) >= SPILL_ROWS:
            self._flush(stream)

    def _flush(self, stream: _Stream) -> None:
        if not stream.pending:
            return
        keys = np.concatenate(stream.pending)
        stream.pending = []
        partition = keys[:, 0] >> np.uint64(58)  # the top 6 bits: 64 partitions
        order = np.argsort(partition, kind="stable")
        bounds = np.searchsorted(partition[order], np.arange(KEY_PARTITIONS + 1))
        for part in np.flatnonzero(np.diff(bounds)):
            with (self.folder / f"{stream.name}.keys.{part}").open("ab") as handle:
                keys[order[bounds[part] : bounds[part + 1]]].tofile(handle)

    def _duplicates(self, stream: _Stream) -> np.ndarray:
        """Numbers of the rows whose key an earlier row of the export has, sorted."""
        self._flush(stream)
        dropped = []
        for path in sorted(self.folder.glob(f"{stream.name}.keys.*")):
            keys = np.fromfile(path, np.uint64).reshape(-1, 3)
            path.unlink()
            keys = keys[np.lexsort((keys[:, 2], keys[:, 1], keys[:, 0]))]  # by hash, number
            same = (keys[1:, 0] == keys[:-1, 0]) & (keys[1:, 1] == keys[:-1, 1])
            dropped.append(keys[1:, 2][same].astype(np.int64))
        return np.sort(np.concatenate(dropped)) if dropped else np.empty(0, np.int64)


def _utc_texts(table: pa.Table) -> pa.Table:
    """UTC timestamps as '2024-03-04 01:50:00.000000Z' texts: arrow's csv writer formats
    zoned timestamps through the time-zone database, 25 times slower than these."""
    for index, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            naive = table.column(index).cast(pa.timestamp(column.type.unit))
            text = pc.binary_join_element_wise(naive.cast(pa.string()), "Z", "")
            table = table.set_column(index, pa.field(column.name, pa.string()), text)
    return table


def row_ids(prefix: str, first: int, count: int) -> pa.Array:
    """`_dlt_id`s: the prefix and the row's number in 8 hex digits (fixed width, vectorised)."""
    numbers = np.arange(first, first + count, dtype=np.uint64)
    head = np.frombuffer(prefix.encode(), np.uint8)
    width = len(head) + 8
    data = np.empty((count, width), np.uint8)
    data[:, : len(head)] = head
    shifts = np.arange(28, -4, -4, dtype=np.uint64)
    data[:, len(head) :] = _HEX[(numbers[:, None] >> shifts) & np.uint64(15)]
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), count, buffers)


_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
