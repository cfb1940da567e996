"""'YYYY-MM-DD HH:MM:SS +HHMM' texts → UTC instants and their offsets, vectorised.

Every date of an export has this fixed width, so a batch is read as a matrix of digits in numpy.
A text that is not strictly such a time (another width, a day the month lacks, second 60, an
offset beyond ±14:00) goes through arrow's strptime, which decided every time before; its
offset is read from the text as before.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .settings import OFFSET_AT, TIME_FORMAT

TIMESTAMP = pa.timestamp("us", tz="UTC")
WIDTH = 25
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 21, 22, 23, 24]
_SEPARATORS = {4: ord("-"), 7: ord("-"), 10: ord(" "), 13: ord(":"), 16: ord(":"), 19: ord(" ")}
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def parse_times(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """UTC timestamps (us; null where missing or malformed) and seconds east of UTC (0)."""
    count = len(texts)
    micros = np.zeros(count, np.int64)
    offsets = np.zeros(count, np.int64)
    strict = np.zeros(count, bool)
    matrix = _matrix(texts)
    if matrix is not None:
        strict, seconds, offsets = _read(matrix)
        micros = seconds * 1_000_000
    slow = np.flatnonzero(~strict)
    valid = strict.copy()
    if len(slow):
        some = pc.take(texts, pa.array(slow))
        parsed = pc.strptime(some, format=TIME_FORMAT, unit="s", error_is_null=True)
        ok = parsed.is_valid().to_numpy(zero_copy_only=False)
        micros[slow] = parsed.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False) * 10**6
        valid[slow] = ok
        offsets[slow] = _offsets_of(some)
    times = pa.array(micros, pa.int64(), mask=~valid).cast(TIMESTAMP)
    return times, offsets.astype(np.int32)


def _matrix(texts: pa.Array) -> np.ndarray | None:
    """The texts as a (count, 25) byte matrix, when every one is there and 25 bytes long."""
    if texts.null_count or not len(texts):
        return None
    texts = pc.cast(texts, pa.string())
    offsets = np.frombuffer(texts.buffers()[1], np.int32, len(texts) + 1, texts.offset * 4)
    if not (np.diff(offsets) == WIDTH).all():
        return None
    data = np.frombuffer(texts.buffers()[2], np.uint8)
    return data[offsets[0] : offsets[-1]].reshape(len(texts), WIDTH)


def _read(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    digits = matrix[:, _DIGITS].astype(np.int64) - ord("0")
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    for at, char in _SEPARATORS.items():
        ok &= matrix[:, at] == char
    sign = np.where(matrix[:, 20] == ord("-"), -1, 1)
    ok &= (matrix[:, 20] == ord("+")) | (matrix[:, 20] == ord("-"))
    d = digits
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    hour, minute = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11]
    second = d[:, 12] * 10 + d[:, 13]
    off_hours, off_minutes = d[:, 14] * 10 + d[:, 15], d[:, 16] * 10 + d[:, 17]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (year >= 1900) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59) & (off_hours <= 14) & (off_minutes <= 59)
    offset = sign * (off_hours * 3600 + off_minutes * 60)
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return ok, np.where(ok, seconds - offset, 0), np.where(ok, offset, 0)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _offsets_of(texts: pa.Array) -> np.ndarray:
    """The '+HHMM' of each text as seconds east of UTC (0 where malformed)."""
    tails = pc.utf8_slice_codeunits(texts, OFFSET_AT, OFFSET_AT + 8).dictionary_encode()
    seconds = [_offset_seconds(t) for t in tails.dictionary.to_pylist()]
    table = pa.array(seconds, pa.int64())
    return pc.take(table, tails.indices).fill_null(0).to_numpy(zero_copy_only=False)


def _offset_seconds(tail: str | None) -> int:
    if tail is None or len(tail) != 5 or tail[0] not in "+-" or not tail[1:].isdigit():
        return 0
    seconds = int(tail[1:3]) * 3600 + int(tail[3:5]) * 60
    return -seconds if tail[0] == "-" else seconds
