"""Which activity format a file is, from its first bytes (never its name).

FIT: byte 0 is the header size (12 or 14) and bytes 8..11 are ".FIT". gzip: 1f 8b, and the
decompressed head must itself be an activity file (a gzipped CSV is not ours). zip: a local file
header "PK\\x03\\x04" (or the end record of an empty zip); which members are activities is only
known once it is opened. GPX / TCX: the root element `<gpx` / `<TrainingCenterDatabase`, after
an optional BOM, XML declaration, comments, a DOCTYPE and whitespace.
"""

from __future__ import annotations

import re
import zlib

from .settings import EMPTY_ZIP_MAGIC, FIT_SIGNATURE, GZIP_MAGIC, HEAD_BYTES, ZIP_MAGIC

ACTIVITY_FORMATS = ("fit", "tcx", "gpx")

_PROLOGUE = re.compile(
    rb"\A(?:\s+|<\?xml[^>]{0,500}\?>|<!--.{0,4000}?-->|<!DOCTYPE[^>]{0,2000}>)*", re.DOTALL
)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(gpx|TrainingCenterDatabase)[\s>/]")
_XML_ROOTS = {b"gpx": "gpx", b"TrainingCenterDatabase": "tcx"}


def detect_activity_format(head: bytes) -> str | None:
    """'fit' | 'tcx' | 'gpx' | 'gzip' | 'zip' from a file's first bytes (64 KiB are plenty).

    'gzip' means a gzip whose content is a FIT, TCX, GPX file or a zip; None for anything
    else (a CSV, a gzipped CSV, an image, an empty file).
    """
    if head.startswith(GZIP_MAGIC):
        inner = gunzip_head(head)
        return "gzip" if sniff(inner) in (*ACTIVITY_FORMATS, "zip") else None
    return sniff(head)


def sniff(head: bytes) -> str | None:
    """The format of uncompressed content from its head: fit, tcx, gpx, gzip, zip or None."""
    if len(head) >= 12 and head[0] in (12, 14) and head[8:12] == FIT_SIGNATURE:
        return "fit"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return "zip"
    return _xml_root(head)


def gunzip_head(head: bytes, limit: int = HEAD_BYTES) -> bytes:
    """The first `limit` decompressed bytes of a gzip stream's beginning (as far as it goes)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        return inflater.decompress(head, limit)
    except zlib.error:
        return b""


def _xml_root(head: bytes) -> str | None:
    text = _as_utf8(head[:HEAD_BYTES])
    if text is None:
        return None
    prologue = _PROLOGUE.match(text)
    rest = text[prologue.end() if prologue else 0 :]
    match = _ROOT.match(rest)
    return _XML_ROOTS[match.group(1)] if match else None


def _as_utf8(head: bytes) -> bytes | None:
    """The head as UTF-8 bytes: a UTF-8 BOM dropped, UTF-16 (with its BOM) re-encoded."""
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            usable = head[len(bom) : len(bom) + (len(head) - len(bom)) // 2 * 2]
            return usable.decode(codec, errors="ignore").encode("utf-8")
    return head


def decode_xml_text(data: bytes) -> str:
    """An XML file's text: UTF-8 (BOM dropped) unless a UTF-16 BOM says otherwise."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec)
    return data.decode("utf-8-sig")
