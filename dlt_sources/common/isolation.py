"""One file's rows reach dlt whole or not at all: a file that fails anywhere is set aside.

A reader can fail half-way through a file (a field over the csv limit, a truncated archive, a
bug). Its rows are spooled to an anonymous temporary file first and handed to dlt only once the
whole file was read, so a rejected file loads nothing half-way, while memory stays bounded by
the spool's in-memory part. The rejection is recorded in `<source>_quarantine` (line 0, the
reason) and reported to the caller through `SourceFile.reject`, which moves the file aside.
"""

from __future__ import annotations

import logging
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .files import SourceFile
from .quarantine import reject_file
from .textfile import printable

SPOOL_IN_MEMORY_BYTES = 16 * 1024 * 1024


def isolated_file_items(
    source: str, source_file: SourceFile, read: Callable[[SourceFile], Iterable[Any]]
) -> Iterator[Any]:
    """The items `read(source_file)` yields, after it has yielded all of them without error."""
    log = logging.getLogger(f"dlt_sources.{source}")  # forwarded to the Dagster run log
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        count = 0
        try:
            for item in read(source_file):
                pickle.dump(item, spool, protocol=pickle.HIGHEST_PROTOCOL)
                count += 1
        except Exception as exc:  # confined to this file: the other files still load
            reason = rejection_reason(exc)
            log.error("%s rejected: %s", printable(source_file.display_name), reason)
            source_file.reject(reason)
            yield reject_file(source, source_file, reason=f"file rejected: {reason}")
            return
        spool.seek(0)
        for _ in range(count):
            yield pickle.load(spool)


def rejection_reason(exc: BaseException) -> str:
    """The exception as one line; readers' ValueErrors speak for themselves, others add a type."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError):
        return message[:500]
    return f"{type(exc).__name__}: {message}"[:500]
