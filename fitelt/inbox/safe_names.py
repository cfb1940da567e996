"""File names any file system or object store can hold, keeping what a person recognises."""

from __future__ import annotations

import unicodedata

MAX_NAME_BYTES = 120  # + 64 hex + "__" stays far below the 255-byte limit of file systems
_UNSAFE = set('/\\:*?"<>|')


def safe_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """`name` with control, undecodable and path characters replaced by '_', shortened.

    The extension(s) survive shortening (`…_end.csv.gz`), so the kind stays visible.
    """
    cleaned = "".join(_safe_char(c) for c in unicodedata.normalize("NFC", name)).strip(" .")
    cleaned = cleaned or "file"
    if len(cleaned.encode()) <= max_bytes:
        return cleaned
    stem, suffix = _split_suffix(cleaned)
    room = max_bytes - len(suffix.encode()) - 1
    short = stem.encode()[:room].decode("utf-8", "ignore")
    return f"{short}~{suffix}"


def _safe_char(char: str) -> str:
    if char in _UNSAFE or unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
        return "_"
    return char


def _split_suffix(name: str) -> tuple[str, str]:
    """('report', '.csv.gz') for 'report.csv.gz'; suffixes of up to 8 characters each, two."""
    stem, suffix = name, ""
    for _ in range(2):
        dot = stem.rfind(".")
        if dot <= 0 or len(stem) - dot > 9:
            break
        stem, suffix = stem[:dot], stem[dot:] + suffix
    return stem, suffix
