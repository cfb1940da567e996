"""Rows appended straight into PostgreSQL while the export is still being read.

A first import (nothing to merge with, load.py) streams its records and sleep through a
`COPY … FROM STDIN (FORMAT binary)` per table, each run by a thread of its own that also lays
the rows out: PostgreSQL inserts on its own core while this process parses the next lines,
instead of after the whole export was parsed. The
COPY runs in a transaction of its own that commits only once the export was read whole and its
own duplicates deleted; a failure, or the fast reader giving up (`Restart`), rolls it back, so
nothing of a rejected export is ever visible. If the dlt load that follows (sleep, workouts,
counts, the state) fails, the committed rows carry a `_dlt_load_id` that never reaches
`_dlt_loads`: the next run deletes them before it appends the export again (load.py).

Binary rather than csv: PostgreSQL does not parse three timestamps a row (the COPY takes half
the time), and the rows are laid out in numpy (one structured array per row shape: the
lengths of the texts and which values are null), not formatted one by one.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger("dlt_sources.apple_health")
EPOCH_2000_US = 946_684_800_000_000  # PostgreSQL's timestamps count from 2000-01-01 UTC
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
TRAILER = b"\xff\xff"
QUEUED_BLOCKS = 4  # batches of rows waiting for the COPY's thread: memory stays bounded
_FIXED = {"double": (">f8", 8), "int32": (">i4", 4), "int64": (">i8", 8), "timestamp": (">i8", 8)}


def binary_rows(table: pa.Table) -> list[bytes]:
    """The rows of `table` (strings, doubles, int32/int64, timestamps) in COPY's binary format,
    one block per row shape."""
    columns = [column.combine_chunks() for column in table.columns]
    count = table.num_rows
    shapes = np.column_stack([_lengths(column) for column in columns])
    varying = [k for k in range(shapes.shape[1]) if shapes[:, k].min() != shapes[:, k].max()]
    if not varying:
        groups, inverse = shapes[:1], np.zeros(count, np.int64)
    elif len(varying) <= 3:  # lengths < 2**20: one integer per shape
        key = np.zeros(count, np.int64)
        for k in varying:
            key = (key << 21) + shapes[:, k] + 1
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        groups = shapes[first]
    else:
        groups, inverse = np.unique(shapes, axis=0, return_inverse=True)
    return [_group(columns, shape, np.flatnonzero(inverse == g), count)
            for g, shape in enumerate(groups)]  # fmt: skip


def _kind(data_type: pa.DataType) -> str:
    if pa.types.is_string(data_type):
        return "text"
    if pa.types.is_timestamp(data_type):
        return "timestamp"
    if pa.types.is_floating(data_type):
        return "double"
    return "int32" if pa.types.is_int32(data_type) else "int64"


def _lengths(column: pa.Array) -> np.ndarray:
    """Bytes of each value (-1: null), the row shape's part of this column."""
    if _kind(column.type) == "text":
        lengths = pc.binary_length(column).fill_null(-1)
        return lengths.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(column.is_null().to_numpy(zero_copy_only=False), -1, 0)


def _group(columns: list[pa.Array], shape: np.ndarray, rows: np.ndarray, count: int) -> bytes:
    """Rows of one shape: a packed big-endian structured array, one field per value."""
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for k, (column, length) in enumerate(zip(columns, shape, strict=True)):
        fields.append((f"l{k}", ">i4"))
        kind = _kind(column.type)
        if length > 0 or (length == 0 and kind != "text"):
            fields.append((f"v{k}", f"S{length}" if kind == "text" else _FIXED[kind][0]))
    out = np.empty(len(rows), np.dtype(fields))
    out["n"] = len(columns)
    take = None if len(rows) == count else pa.array(rows)
    for k, (column, length) in enumerate(zip(columns, shape, strict=True)):
        kind = _kind(column.type)
        if length < 0:
            out[f"l{k}"] = -1
            continue
        values = column if take is None else pc.take(column, take)
        if kind == "text":
            out[f"l{k}"] = length
            if length:
                offsets = np.frombuffer(values.buffers()[1], np.int32, len(values) + 1,
                                        values.offset * 4)  # fmt: skip
                data = np.frombuffer(values.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
                out[f"v{k}"] = data.view(f"S{length}")
            continue
        out[f"l{k}"] = _FIXED[kind][1]
        if kind == "timestamp":
            micros = values.cast(pa.timestamp("us", tz=values.type.tz)).cast(pa.int64())
            out[f"v{k}"] = micros.to_numpy(zero_copy_only=False) - EPOCH_2000_US
        else:
            out[f"v{k}"] = values.to_numpy(zero_copy_only=False)
    return out.tobytes()


class DirectCopy:
    """`COPY table (columns) FROM STDIN (FORMAT binary)` on `connection`, fed by `write`.

    The connection is this object's until `finish` or `abort`; the caller commits after
    `finish` (it may delete rows first) or rolls back after `abort`."""

    def __init__(self, connection: Any, table: str, columns: list[str], *,
                 create: Sequence[str] = ()) -> None:  # fmt: skip
        """`create`: statements creating `table` in the COPY's transaction (then FREEZE)."""
        self.connection = connection
        connection.autocommit = False
        with connection.cursor() as cursor:
            for statement in create:
                cursor.execute(statement)
        self.rows = 0
        self.error: BaseException | None = None
        self._chunks: queue.Queue = queue.Queue(maxsize=QUEUED_BLOCKS)
        names = ", ".join(f'"{c}"' for c in columns)
        freeze = ", FREEZE" if create else ""  # rows frozen: the table is this transaction's
        statement = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT binary{freeze})"
        self._thread = threading.Thread(target=self._copy, args=(statement,), daemon=True)
        self._thread.start()
        self._put(HEADER)

    def write(self, table: pa.Table) -> None:
        """Queue the rows; the COPY's thread lays them out (binary_rows) as it sends them."""
        self._put(table)
        self.rows += table.num_rows

    def finish(self) -> None:
        self._put(TRAILER)
        self._put(None)
        self._thread.join()
        if self.error is not None:
            raise CopyFailed(f"COPY failed: {self.error}") from self.error

    def abort(self) -> None:
        if self._thread.is_alive():
            try:
                self._put(_Abort())
            except BaseException:  # noqa: BLE001 - the COPY failed already: nothing to stop
                pass
            self._thread.join()
        try:
            self.connection.rollback()
        except Exception:  # noqa: BLE001 - a broken connection has no transaction left
            log.warning("rollback of the COPY failed", exc_info=True)

    def _put(self, chunk: Any) -> None:
        while True:
            if self.error is not None:
                raise CopyFailed(f"COPY failed: {self.error}") from self.error
            try:
                self._chunks.put(chunk, timeout=0.5)
                return
            except queue.Full:
                continue

    def _copy(self, statement: str) -> None:
        try:
            with self.connection.cursor() as cursor:
                cursor.copy_expert(statement, _Pipe(self._chunks), size=1 << 20)
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
            self.error = exc


class CopyFailed(RuntimeError):
    """The COPY (the warehouse), not the export, failed: the run fails, the file is kept."""


class _Abort:
    """Put in the pipe: the COPY fails, nothing of it stays."""


class _Pipe:
    """The file psycopg2 reads the COPY data from: the chunks `DirectCopy.write` queued."""

    def __init__(self, chunks: queue.Queue) -> None:
        self.chunks = chunks

    def read(self, size: int = -1) -> bytes:
        chunk = self.chunks.get()
        if isinstance(chunk, _Abort):
            raise RuntimeError("COPY aborted: the export was not read whole")
        if isinstance(chunk, pa.Table):
            return b"".join(binary_rows(chunk))
        return chunk or b""
