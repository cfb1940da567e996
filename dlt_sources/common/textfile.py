"""Export files read as a stream of CSV records, never whole, with per-record text checks.

A file is opened as UTF-8 (a BOM is dropped) with undecodable bytes kept as lone surrogates
(`surrogateescape`): a latin-1 "é" does not reject the whole file, only the records holding
one, which go to quarantine with a reason naming the column. NUL bytes are refused the same
way (PostgreSQL text cannot store them, so one would fail the whole load).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from .quarantine import RowError

_UNDECODABLE = re.compile("[\udc80-\udcff]")


def open_text(path: Path) -> TextIO:
    """The file as text for `csv.reader`: UTF-8 (BOM dropped), bad bytes kept, no newline magic."""
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


def csv_records(handle: TextIO) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every record; quoted fields may span lines."""
    reader = csv.reader(handle)
    line = 0
    for cells in reader:
        first_line, line = line + 1, reader.line_num
        yield first_line, cells


def check_text(cells: Sequence[object], name: Callable[[int], str]) -> None:
    """RowError naming the first cell with a NUL byte or bytes that are not UTF-8."""
    for index, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        if "\x00" in cell:
            raise RowError(f"{name(index)}: contains a NUL byte")
        bad = _UNDECODABLE.search(cell)
        if bad:
            byte = ord(bad.group()) - 0xDC00
            raise RowError(
                f"{name(index)}: not UTF-8 text (byte 0x{byte:02x}); save the export as UTF-8"
            )


def printable(text: str) -> str:
    """Text PostgreSQL can store: undecodable bytes and NUL spelt as `\\xNN`."""
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
