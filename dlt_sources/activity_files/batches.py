"""Small arrow tables of many files gathered into few large ones before they reach dlt.

dlt's work per item (table variant, hints, a file write) dwarfs a one-row table: a thousand
files would be a thousand items per table. Tables are concatenated per target table and handed
over once `rows` are gathered (and at the end). Only tables of files read whole arrive here
(after isolation), so batching across files never mixes in half a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa


class TableBatches:
    def __init__(self, *targets: tuple[Any, int]) -> None:
        """`targets`: (hints, rows per batch) per table, in the order `add` receives them."""
        self.targets = targets
        self.pending: list[list[pa.Table]] = [[] for _ in targets]
        self.rows = [0] * len(targets)

    def add(self, *tables: pa.Table) -> Iterator[Any]:
        for index, table in enumerate(tables):
            if table.num_rows == 0:
                continue
            self.pending[index].append(table)
            self.rows[index] += table.num_rows
            if self.rows[index] >= self.targets[index][1]:
                yield self._take(index)

    def flush(self) -> Iterator[Any]:
        for index in range(len(self.targets)):
            if self.pending[index]:
                yield self._take(index)

    def _take(self, index: int) -> Any:
        table = pa.concat_tables(self.pending[index])
        self.pending[index], self.rows[index] = [], 0
        return dlt.mark.with_hints(table, self.targets[index][0], create_table_variant=True)
