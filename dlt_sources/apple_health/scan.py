"""The fast path over an export.xml: the Health app's layout read line by line, vectorised.

The app writes one element per line: `<Record …/>`, or `<Record …>` with `MetadataEntry` /
`HeartRateVariabilityMetadataList` children on their own lines, then `</Record>`. Each block of
bytes is split into lines and classified by RE2 patterns (pyarrow kernels, no Python per line)
that accept only well-formed markup: the attributes in the app's order, values without entity
references (those we skip: the five predefined ones), no control characters, valid UTF-8. A
Record's attributes are then cut out at its quote positions. Any other top-level element
(Workout, Correlation, ActivitySummary, a Record written otherwise) is parsed by lxml alone.

What this path cannot vouch for (a truncated file, text or markup outside the app's layout, an
internal DTD that declares entities or non-CDATA attributes, another encoding) raises
`NotCanonical`, and the caller reads the whole file with lxml's iterparse, the reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from .settings import ROOT_TAG

BLOCK_BYTES = 4 << 20
MAX_CARRY_BYTES = 64 << 20  # an element longer than this: read by lxml instead
HEAD_BYTES = 4 << 20  # the prologue, DOCTYPE and <HealthData …> are within this
PROBE_LINES = 100_000  # if most of these are not the app's layout, lxml reads the file
PARSER_OPTIONS = {
    "resolve_entities": False, "no_network": True, "huge_tree": True, "load_dtd": False,
}  # fmt: skip

_V = r'[^"<&\x00-\x1f\x{FFFE}\x{FFFF}]'  # a value we read: no reference, no normalisation
_S = r'(?:[^"<&\x00-\x08\x0a-\x1f\x{FFFE}\x{FFFF}]|&(?:lt|gt|amp|quot|apos);)*'  # one we skip
_ATTRS = (
    f'<Record type="{_V}+" sourceName="{_V}*"(?: sourceVersion="{_S}")?(?: device="{_S}")?'
    f'(?: unit="{_V}*")? creationDate="{_V}*" startDate="{_V}*" endDate="{_V}*" value="{_V}*"'
)
_EOL = r"[ \t\r]*\n$"
SELF_CLOSED = rf"^[ \t]*{_ATTRS}/>{_EOL}"
OTHER_KNOWN = (
    rf'^[ \t]*(?:{_ATTRS}>|<MetadataEntry key="{_S}" value="{_S}"/>|'
    rf'<InstantaneousBeatsPerMinute bpm="{_S}" time="{_S}"/>|'
    rf"</?HeartRateVariabilityMetadataList>|</Record>|){_EOL}"
)
OTHER, SELF, OPEN, META, HRV_OPEN, IBPM, HRV_CLOSE, CLOSE, BLANK = range(9)
_LEADS = {b"<Re": OPEN, b"<Me": META, b"<In": IBPM, b"<He": HRV_OPEN, b"</H": HRV_CLOSE,
          b"</R": CLOSE}  # fmt: skip
_TAG = re.compile(rb"[ \t]*<([A-Za-z_][\w.\-]*)")
_END = b"</" + ROOT_TAG.encode() + b">"


class NotCanonical(Exception):  # noqa: N818 - a signal to the caller, not an error
    """This export is not in the app's layout (or is broken): read it with lxml instead."""


@dataclass
class RecordColumns:
    """Top-level Records of one HealthKit type from one block of lines, as text columns."""

    hk_type: str
    source: pa.Array
    unit: pa.Array  # null where the record has no unit attribute
    value: pa.Array
    start: pa.Array
    end: pa.Array
    created: pa.Array
    line: np.ndarray


def scan_export(stream: IO[bytes]) -> Iterator[RecordColumns | tuple[Any, int]]:
    """Records in columns; other top-level Record and Workout elements as (element, offset)."""
    data = stream.read(HEAD_BYTES)
    at = data.find(b"<" + ROOT_TAG.encode())
    head_end = data.find(b"\n", at) + 1
    if at < 0 or head_end == 0:
        raise NotCanonical("no <HealthData …> line at the start")
    yield from _head(data[:head_end])
    lines_before = data.count(b"\n", 0, head_end)
    carry, ended, seen, others = data[head_end:], False, 0, 0
    while True:
        more = stream.read(BLOCK_BYTES)
        block = carry + more
        cut = len(block) if not more else block.rfind(b"\n") + 1
        if not more and block and not block.endswith(b"\n"):
            block, cut = block + b"\n", cut + 1
        state = _Chunk(block[:cut], lines_before, ended)
        yield from state.read()
        seen, others = seen + state.lines_done, others + state.others
        if seen >= PROBE_LINES and others * 2 > seen:  # lxml alone reads these faster
            raise NotCanonical(f"{others:,} of the first {seen:,} lines are not the app's layout")
        lines_before += state.lines_done
        carry, ended = block[state.bytes_done :], state.ended
        if len(carry) > MAX_CARRY_BYTES:
            raise NotCanonical("an element longer than the carry limit")
        if not more:
            if carry.strip() or not ended:
                raise NotCanonical("the document ends before </HealthData>")
            return


def _head(head: bytes) -> Iterator[tuple[Any, int]]:
    """The prologue up to the root's start-tag line: it must parse as a whole document."""
    try:
        root = etree.fromstring(head + _END, etree.XMLParser(**PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise NotCanonical(f"head: {exc}") from None
    docinfo = root.getroottree().docinfo
    if root.tag != ROOT_TAG or (docinfo.encoding or "UTF-8").upper() != "UTF-8":
        raise NotCanonical("another root or encoding")
    dtd = docinfo.internalDTD
    if dtd is not None and (
        any(True for _ in dtd.iterentities())
        or any(a.type != "cdata" for e in dtd.iterelements() for a in e.iterattributes())
    ):
        raise NotCanonical("the internal DTD declares entities or typed attributes")
    yield from ((child, 0) for child in root if child.tag in ("Record", "Workout"))


class _Chunk:
    """One block of whole lines: its records, its other elements, what is left for the next."""

    def __init__(self, chunk: bytes, lines_before: int, ended: bool) -> None:
        self.chunk, self.lines_before, self.ended = chunk, lines_before, ended
        self.buf = np.frombuffer(chunk, np.uint8)
        newlines = np.flatnonzero(self.buf == 10)
        self.n = len(newlines)
        self.ends = newlines + 1
        self.starts = np.concatenate(([0], self.ends[:-1])).astype(np.int64)
        self.lines_done = self.bytes_done = self.others = 0

    def read(self) -> Iterator[RecordColumns | tuple[Any, int]]:
        if self.n == 0:
            return
        offsets = np.concatenate(([0], self.ends)).astype(np.int32)
        lines = pa.Array.from_buffers(
            pa.binary(), self.n, [None, pa.py_buffer(offsets), pa.py_buffer(self.chunk)]
        )
        try:
            text = lines.cast(pa.string())
        except pa.ArrowInvalid:
            raise NotCanonical("not UTF-8") from None
        kinds = _kinds(text)
        if self.ended:
            if (kinds != BLANK).any():
                raise NotCanonical("content after </HealthData>")
            self.lines_done, self.bytes_done = self.n, len(self.chunk)
            return
        taken = np.zeros(self.n, bool)
        self.others = int((kinds == OTHER).sum())
        limit = yield from self._blocks(kinds, taken)
        limit = self._check(kinds, taken, limit)
        top = kinds[:limit]
        rows = np.flatnonzero(((top == SELF) | (top == OPEN)) & ~taken[:limit])
        if len(rows):
            yield from _records(self.buf, self.starts[rows], self.ends[rows],
                                self.lines_before + rows + 1)  # fmt: skip
        self.lines_done = limit
        self.bytes_done = len(self.chunk) if limit == self.n else int(self.starts[limit])

    def _blocks(self, kinds: np.ndarray, taken: np.ndarray) -> Iterator[Any]:
        """Other lines: each starts an element lxml parses (neighbours together). Returns the
        lines done: all, or up to an element that continues in the next block."""
        opens = np.flatnonzero(kinds == OPEN)
        depth = np.cumsum((kinds == OPEN).astype(np.int64) - (kinds == CLOSE))
        spans: list[list[int]] = []  # [first, last] lines of elements next to each other
        done = self.n
        for i in np.flatnonzero(kinds == OTHER):
            if taken[i]:
                continue
            if self.ended:
                raise NotCanonical("content after </HealthData>")
            line = self.chunk[self.starts[i] : self.ends[i]].strip()
            inside = depth[i] > 0
            if line == _END and not inside:
                if (kinds[i + 1 :] != BLANK).any():
                    raise NotCanonical("content after </HealthData>")
                self.ended = True
                taken[i:] = True
                break
            first = int(opens[np.searchsorted(opens, i) - 1]) if inside else int(i)
            tag = _TAG.match(self.chunk, int(self.starts[first]))
            if tag is None:
                raise NotCanonical(f"line {self.lines_before + i + 1}: not an element")
            last = self._block_end(first, tag.group(1), line.endswith(b"/>") and not inside)
            if last is None:
                done = first  # the element continues in the next block
                break
            taken[first : last + 1] = True
            if spans and (kinds[spans[-1][1] + 1 : first] == BLANK).all():
                spans[-1][1] = last
            else:
                spans.append([first, last])
        for first, last in spans:
            block = self.chunk[self.starts[first] : self.ends[last]]
            yield from _fragment(block, self.lines_before + first)
        return done

    def _block_end(self, first: int, tag: bytes, one_line: bool) -> int | None:
        if one_line:
            return first
        closing, at = b"</" + tag + b">", int(self.ends[first])
        while (at := self.chunk.find(closing, at)) >= 0:
            i = int(np.searchsorted(self.starts, at, side="right")) - 1
            if self.chunk[self.starts[i] : self.ends[i]].strip() == closing:
                return i
            at += 1
        return None

    def _check(self, kinds: np.ndarray, taken: np.ndarray, limit: int) -> int:
        """Records and their children, outside the blocks, nest as the app writes them."""
        kinds = np.where(taken[:limit], BLANK, kinds[:limit])
        opened = np.cumsum((kinds == OPEN).astype(np.int64) - (kinds == CLOSE))
        if len(opened) and opened[-1] > 0:  # a record's children continue in the next block
            limit = int(np.flatnonzero(kinds == OPEN)[-1])
            kinds, opened = kinds[:limit], opened[:limit]
            if len(opened) and opened[-1] != 0:
                raise NotCanonical(f"line {self.lines_before + limit + 1}: nested records")
        inside = opened - (kinds == OPEN) + (kinds == CLOSE)
        listed = np.cumsum((kinds == HRV_OPEN).astype(np.int64) - (kinds == HRV_CLOSE))
        in_list = listed - (kinds == HRV_OPEN) + (kinds == HRV_CLOSE)
        top = (kinds == SELF) | (kinds == OPEN)
        child = (kinds >= META) & (kinds <= CLOSE)
        listed_child = (kinds == IBPM) | (kinds == HRV_CLOSE)
        bad = (top & (inside != 0)) | (child & (inside != 1))
        bad |= (listed_child & (in_list != 1)) | (child & ~listed_child & (in_list != 0))
        if bad.any():
            line = self.lines_before + int(np.flatnonzero(bad)[0]) + 1
            raise NotCanonical(f"line {line}: unexpected nesting")
        return limit


def _kinds(text: pa.Array) -> np.ndarray:
    kinds = np.full(len(text), OTHER, np.int8)
    self_closed = pc.match_substring_regex(text, SELF_CLOSED).to_numpy(zero_copy_only=False)
    kinds[self_closed] = SELF
    rest = np.flatnonzero(~self_closed)
    if len(rest):
        lines = pc.take(text, pa.array(rest))
        known = pc.match_substring_regex(lines, OTHER_KNOWN).to_numpy(zero_copy_only=False)
        trimmed = pc.utf8_ltrim(lines, " \t").view(pa.binary())
        leads = pc.binary_slice(trimmed, 0, 3).dictionary_encode()
        codes = [_LEADS.get(lead, BLANK) for lead in leads.dictionary.to_pylist()]
        lead = np.asarray(codes, np.int8)[leads.indices.to_numpy(zero_copy_only=False)]
        kinds[rest] = np.where(known, lead, OTHER)
    return kinds


def _fragment(block: bytes, lines_before: int) -> Iterator[tuple[Any, int]]:
    """Top-level Record and Workout elements of a block of whole elements (lxml)."""
    try:
        root = etree.fromstring(b"<" + ROOT_TAG.encode() + b">" + block + _END,
                                etree.XMLParser(**PARSER_OPTIONS))  # fmt: skip
    except etree.XMLSyntaxError as exc:
        raise NotCanonical(f"line {lines_before + 1}: {exc}") from None
    yield from ((child, lines_before) for child in root if child.tag in ("Record", "Workout"))


def _records(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, line: np.ndarray) -> Any:
    """Attribute values cut at the quote positions (a value holds no quote), per type."""
    quotes = np.flatnonzero(buf == 34)
    offsets = np.concatenate(([0], quotes + 1)).astype(np.int32)
    # piece k: the bytes after quote k-1 up to quote k included, a value and its closing quote
    pieces = pa.Array.from_buffers(
        pa.binary(), len(quotes), [None, pa.py_buffer(offsets), pa.py_buffer(buf)]
    )
    first, last = np.searchsorted(quotes, starts), np.searchsorted(quotes, ends)

    def value(at: np.ndarray) -> pa.Array:
        taken = pc.take(pieces, pa.array(at))
        return pc.binary_slice(taken, 0, -1).view(pa.string())

    name_at = quotes[last - 11] + 1  # the name of the attribute before creationDate
    has_unit = (quotes[last - 10] - name_at == 6) & (buf[name_at + 1] == ord("u"))
    unit = value(np.where(has_unit, last - 9, first + 1))
    columns = {
        "source": value(first + 3), "value": value(last - 1), "end": value(last - 3),
        "start": value(last - 5), "created": value(last - 7),
        "unit": pc.if_else(pa.array(has_unit), unit, pa.scalar(None, pa.string())),
    }  # fmt: skip
    types = value(first + 1).dictionary_encode()
    names = types.dictionary.to_pylist()
    indices = types.indices.to_numpy(zero_copy_only=False)
    for code, hk_type in enumerate(names):
        if len(names) == 1:
            yield RecordColumns(hk_type, line=line, **columns)
            return
        mask = pa.array(indices == code)
        yield RecordColumns(hk_type, line=line[indices == code],
                            **{k: pc.filter(v, mask) for k, v in columns.items()})  # fmt: skip
