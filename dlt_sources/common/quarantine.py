"""Malformed input is never dropped: it goes to `<source>_quarantine` with the reason."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import dlt

QUARANTINE_COLUMNS: dict[str, dict[str, Any]] = {
    "record_hash": {"data_type": "text", "nullable": False},
    "athlete_id": {"data_type": "text", "nullable": True},
    "source_file": {"data_type": "text", "nullable": True},
    "source_line": {"data_type": "bigint", "nullable": True},
    "raw_record": {"data_type": "text", "nullable": False},
    "reason": {"data_type": "text", "nullable": False},
    "quarantined_at": {"data_type": "timestamp", "nullable": False},
}


class RowError(ValueError):
    """A row that cannot be loaded; the message is the quarantine reason."""


def quarantine_row(
    source: str,
    *,
    raw_record: Any,
    reason: str,
    athlete_id: str | None,
    source_file: str | None = None,
    source_line: int | None = None,
) -> Any:
    """A quarantine row routed to the `<source>_quarantine` table (merge on its hash)."""
    raw = raw_record if isinstance(raw_record, str) else json.dumps(raw_record, default=str)
    raw = _printable(raw)  # NUL or undecodable bytes would fail the whole PostgreSQL load
    reason = _printable(reason)
    source_file = None if source_file is None else _printable(source_file)
    digest = hashlib.sha256(
        "\x1f".join([source, athlete_id or "", source_file or "", str(source_line), raw]).encode()
    ).hexdigest()
    row = {
        "record_hash": digest,
        "athlete_id": athlete_id,
        "source_file": source_file,
        "source_line": source_line,
        "raw_record": raw[:10_000],
        "reason": reason,
        "quarantined_at": datetime.now(UTC),
    }
    hints = dlt.mark.make_hints(
        table_name=f"{source}_quarantine",
        write_disposition="merge",
        primary_key="record_hash",
        columns=QUARANTINE_COLUMNS,
    )
    return dlt.mark.with_hints(row, hints, create_table_variant=True)


def reject_file(source: str, source_file: Any, *, reason: str) -> Any:
    """The quarantine row recording that a whole file was rejected (line 0 = the file)."""
    try:
        with source_file.path.open("rb") as handle:
            first = handle.readline(2_000).decode("utf-8", "replace")
    except OSError:
        first = ""
    return quarantine_row(
        source,
        raw_record=first.rstrip("\r\n"),
        reason=reason,
        athlete_id=source_file.athlete_id,
        source_file=source_file.display_name,
        source_line=0,
    )


def _printable(text: str) -> str:
    from .textfile import printable  # textfile imports RowError from here

    return printable(text)


def parse_number(text: str | None, *, field: str, minimum: float, maximum: float) -> float | None:
    """A float within bounds, None for an empty cell; RowError naming the field otherwise."""
    if text is None or text.strip() == "":
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError as exc:
        raise RowError(f"{field}: not a number: {text.strip()[:40]!r}") from exc
    if value != value or not minimum <= value <= maximum:  # NaN or out of range
        raise RowError(f"{field}: {value:g} outside [{minimum:g}, {maximum:g}]")
    return value
