"""Hypothesis strategies for the parser property tests: what the parsers are fed.

Nasty text (NUL, lone surrogates, BOM, non-ASCII digits, CRLF, huge numbers), any JSON-like
value, the sample exports cut short and damaged by random edits (`mutated`), and CSV files of the
real header followed by records of plausible and nasty cells (`structured`). The contract the
parsers must keep on them is in parser_contract.py.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import strategies as st

from dlt_sources.strava.settings import EXPORT_HEADER

ROOT = Path(__file__).resolve().parents[2]
NASTY = [
    "\x00", "\ud83d", "\udce8", "\ufeff", "²", "١٢", "\u202f", "\r\n", "\r", '"', ",", ";",
    " ", "9" * 30, "1e400", "nan", "inf", "-0", "0", "-1", "1_000", "\n",
]  # fmt: skip
texts = st.one_of(
    st.text(max_size=20),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=4), st.sampled_from(NASTY),
              st.text(max_size=4)),
)  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), texts,
    st.sampled_from([2**63, -(2**63) - 1, 10**30, 10**400, float("nan"), float("inf")]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def either(*specific: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly a plausible value (to get past the first check), sometimes any JSON."""
    return st.one_of(*specific, json_values)


ZONES = st.sampled_from(
    ["UTC", "Europe/Paris", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
)


def _sample(name: str, lines: int = 14) -> bytes:
    return b"".join((ROOT / "sample_data" / name).read_bytes().splitlines(True)[:lines])


SAMPLES = {
    "withings": _sample("withings/weight.csv"),
    "strava": _sample("strava/activities.csv"),
    "crossfit": _sample("crossfit/crossfit_log.csv"),
}
INSERTS = [
    b'"', b",", b"\r", b"\n", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xe8", b"\xff\xfe", b"\xc3",
    b'""', b'"\n', b";", b"\t", "\u202f".encode(),
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    """A real export cut short, then damaged by a few random edits."""
    lines = sample.splitlines(True)
    data = bytearray(b"".join(lines[: draw(st.integers(0, len(lines)))]))
    for _ in range(draw(st.integers(0, 5))):
        op = draw(st.sampled_from(
            ["flip", "insert", "delete", "dup", "swap", "truncate", "bom", "crlf", "latin1",
             "quote", "huge"]
        ))  # fmt: skip
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS) | st.binary(min_size=1, max_size=6))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op in ("dup", "swap"):
            rows = bytes(data).splitlines(True)
            if len(rows) >= 2:
                i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(rows) - 1))
                if op == "dup":
                    rows.insert(j, rows[i])
                else:
                    rows[i], rows[j] = rows[j], rows[i]
                data = bytearray(b"".join(rows))
        elif op == "truncate":
            del data[at:]
        elif op == "bom":
            data[0:0] = b"\xef\xbb\xbf"
        elif op == "crlf":
            data = bytearray(bytes(data).replace(b"\n", b"\r\n"))
        elif op == "latin1":
            data = bytearray(bytes(data).decode("utf-8", "replace").encode("latin-1", "replace"))
        elif op == "quote":
            data[at:at] = b'"'
        elif op == "huge":  # over Python's default csv field limit (128 KiB)
            data[at:at] = b'"' + b"x" * 140_000 if draw(st.booleans()) else b"y" * 140_000
    return bytes(data)


def _csv_line(cells: list[str], end: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerow(cells)
    return buffer.getvalue()


W_HEADER = (
    'Date,"Weight (kg)","Fat mass (kg)","Bone mass (kg)","Muscle mass (kg)","Hydration (kg)",'
    "Comments"
)
W_CELLS = st.one_of(
    st.sampled_from(["2025-05-01 07:10:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59",
                     "2025-02-29 07:10:00", "80.10", "80,10", "16", "", "4000", "1e400", "nan"]),
    texts,
)  # fmt: skip
S_CELLS = st.one_of(
    st.sampled_from(["9000000001", "9" * 25, "0", "-5", "Jan 1, 0001, 12:00:00 AM",
                     "Dec 31, 9999, 11:59:59 PM", "Feb 30, 2020, 1:00:00 AM",
                     "May 1, 2025, 6:00:00\u202fAM", "Run", "Trail Run", "3000.0", "1e400", ""]),
    texts,
)  # fmt: skip
C_CELLS = st.one_of(
    st.sampled_from(["2025-05-01", "0001-01-01", "31.12.9999", "01 Jan 0001", "Deadlift", "5",
                     "140", "95,5", "lb", "kg", "stone", "1e400", "0", "", "7.5", "10.5"]),
    texts,
)  # fmt: skip
HEADERS = {
    "withings": W_HEADER,
    "strava": _csv_line(EXPORT_HEADER, ""),
    "crossfit": "Date,Exercise,Sets,Reps,Weight,Unit,Notes,RPE,Duration (min)",
}
WIDTHS = {"withings": 7, "strava": len(EXPORT_HEADER), "crossfit": 9}
CELLS = {"withings": W_CELLS, "strava": S_CELLS, "crossfit": C_CELLS}


@st.composite
def structured(draw: st.DrawFn, source: str) -> bytes:
    """The real header, then records of plausible and nasty cells (the right width, mostly)."""
    end = draw(st.sampled_from(["\n", "\r\n"]))
    width = WIDTHS[source]
    out = [HEADERS[source] + end]
    for _ in range(draw(st.integers(0, 6))):
        n = draw(st.sampled_from([width, width, width, width - 1, width + 1]))
        # Strava rows: the first cells matter (id, date, name, type), the rest mostly empty.
        cells = [draw(CELLS[source]) if i < 8 or source != "strava" else "" for i in range(n)]
        if source == "strava" and n > 20 and draw(st.booleans()):
            cells[15:22] = [draw(CELLS[source]) for _ in range(7)]
        out.append(_csv_line(cells, end))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
    return "".join(out).encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace")
