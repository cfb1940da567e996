"""Is a file an Apple Health export? Judged from its first bytes (64 KiB), never its name.

export.xml: an XML prologue (BOM, declaration, the export's long internal DOCTYPE, comments)
and a `<HealthData` root. export.zip: a zip whose first member is under `apple_health_export/`
(how the Health app writes it), or whose first member is an `export.xml` whose inflated head
has that root.
"""

from __future__ import annotations

import re
import struct
import zlib

from .settings import EXPORT_FOLDER, EXPORT_MEMBER, ROOT_TAG

_ZIP_LOCAL = b"PK\x03\x04"
_ROOT = re.compile(rb"<" + ROOT_TAG.encode() + rb"[\s>/]")
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+" + ROOT_TAG.encode() + rb"[\s\[>]")
_PROLOGUE_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<")


def is_apple_health_export(head: bytes) -> bool:
    """True for the head of an export.xml or an export.zip of the Health app."""
    if head.startswith(_ZIP_LOCAL):
        return _zip_holds_export(head)
    return is_health_xml(head)


def is_health_xml(head: bytes) -> bool:
    if not _PROLOGUE_START.match(head):
        return False
    return bool(_DOCTYPE.search(head) or _ROOT.search(head))


def _zip_holds_export(head: bytes) -> bool:
    if len(head) < 30:
        return False
    _, _, flags, method, _, _, _, compressed, _, name_len, extra_len = struct.unpack(
        "<4sHHHHHIIIHH", head[:30]
    )
    name = head[30 : 30 + name_len].decode("utf-8", "replace")
    if name.startswith(EXPORT_FOLDER):
        return True
    if name.rsplit("/", 1)[-1] != EXPORT_MEMBER:
        return False
    start = 30 + name_len + extra_len
    data = head[start:] if flags & 0x08 else head[start : start + compressed]
    if method == 0:
        return is_health_xml(data)
    if method != 8:
        return False
    try:
        return is_health_xml(zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, 64 * 1024))
    except zlib.error:
        return False
