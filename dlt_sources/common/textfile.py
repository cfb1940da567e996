"""Export files read as a stream of CSV records, never whole, with per-record text checks.

A file is opened as UTF-8 (a BOM is dropped) with undecodable bytes kept as lone surrogates
(`surrogateescape`): a latin-1 "é" does not reject the whole file, only the records holding
one, which go to quarantine with a reason naming the column. NUL bytes are refused the same
way (PostgreSQL text cannot store them, so one would fail the whole load).

Memory is bounded per record, whatever the file holds: a physical line is read at most
`MAX_RECORD_CHARS` characters at a time, a field may hold `MAX_FIELD_CHARS` (an unclosed quote
swallows the rest of the file into one field: past the limit that is a file-level error naming
the line where the field began, never a bare `csv.Error`), and a record `MAX_RECORD_CHARS`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from .quarantine import RowError

_UNDECODABLE = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone: JSON's "\\ud83d" alone is not UTF-8 text
_OTHER_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")  # not from surrogateescape

MAX_FIELD_CHARS = 16 * 1024 * 1024  # Python's default, 128 KiB, fails on a long description
MAX_RECORD_CHARS = 2 * MAX_FIELD_CHARS
csv.field_size_limit(MAX_FIELD_CHARS)  # process-wide, once: every reader here shares it


class CsvFormatError(ValueError):
    """A file that cannot be split into records (readers re-raise it as their format error)."""


def open_text(path: Path) -> TextIO:
    """The file as text for `csv.reader`: UTF-8 (BOM dropped), bad bytes kept, no newline magic."""
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


def csv_records(
    handle: TextIO, *, error: Callable[[str], Exception] = CsvFormatError
) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every record; quoted fields may span lines.

    `error(message)` is raised for a record the limits refuse (message names the line).
    """
    budget = _RecordBudget(handle)
    reader = csv.reader(budget.lines())
    line = 0
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise error(_csv_problem(str(exc), line + 1)) from exc
        except _TooLong:
            raise error(
                f"record longer than {MAX_RECORD_CHARS >> 20} MiB at line {line + 1}: "
                "not a CSV export, or an unclosed quote?"
            ) from None
        if cells is None:
            return
        first_line, line = line + 1, reader.line_num
        budget.used = 0
        yield first_line, cells


def _csv_problem(message: str, first_line: int) -> str:
    if "field larger than field limit" in message:
        return (
            f"field longer than {MAX_FIELD_CHARS >> 20} MiB at line {first_line}: "
            "an unclosed quote?"
        )
    return f"not readable as CSV at line {first_line}: {message}"


class _TooLong(Exception):
    """The record being read is over `MAX_RECORD_CHARS` (not a ValueError: never a row's)."""


class _RecordBudget:
    """Feeds `csv.reader` physical lines, never more than `MAX_RECORD_CHARS` per record."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.used = 0  # characters of the record being read (reset by csv_records)

    def lines(self) -> Iterator[str]:
        readline = self.handle.readline
        while True:
            allowed = MAX_RECORD_CHARS - self.used
            text = readline(allowed + 1)
            if not text:
                return
            self.used += len(text)
            if self.used > MAX_RECORD_CHARS:
                raise _TooLong
            yield text


def check_text(cells: Sequence[object], name: Callable[[int], str]) -> None:
    """RowError naming the first cell with a NUL byte or bytes that are not UTF-8."""
    for index, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        if "\x00" in cell:
            raise RowError(f"{name(index)}: contains a NUL byte")
        bad = _SURROGATE.search(cell)
        if bad is None:
            continue
        if _UNDECODABLE.match(bad.group()):
            byte = ord(bad.group()) - 0xDC00
            raise RowError(
                f"{name(index)}: not UTF-8 text (byte 0x{byte:02x}); save the export as UTF-8"
            )
        raise RowError(f"{name(index)}: a lone surrogate (\\u{ord(bad.group()):04x}), not text")


def printable(text: str) -> str:
    """Text PostgreSQL can store: undecodable bytes and NUL spelt as `\\xNN`."""
    if _OTHER_SURROGATE.search(text):  # e.g. "\\ud83d" alone in JSON: spelt `\\ud83d`
        text = _OTHER_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return (
        text.encode("utf-8", "surrogateescape")
        .decode("utf-8", "backslashreplace")
        .replace("\x00", "\\x00")
    )


def header_hint(first_line: str) -> str:
    """Why a header line may not be recognised, as advice for the error message."""
    text = first_line.strip()
    if not text:
        return " (the file is empty)"
    if "\x00" in text:
        return " (looks like UTF-16: save it as a UTF-8 CSV)"
    if text.lower().startswith(("<!doctype", "<html", "<?xml")):
        return " (this is an HTML/XML page, not a CSV export: download the export again)"
    if text.count(";") > text.count(","):
        return " (looks ';'-separated: export it comma-separated)"
    return ""
