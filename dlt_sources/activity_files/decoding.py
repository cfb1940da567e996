"""One activity file's bytes → its version's three arrow tables: the work a decoder process does.

The same function runs in-process (a small run) and in the decoder processes of `pool.py`, so
both give the same tables. It raises as the decoders do: `NotAnActivity` for a valid file that
holds no activity, anything else for a file that cannot be decoded. Across a process boundary
those become `outcome` tuples and are raised again in the reading process by `result_of`, with
the message the reader would have recorded in-process (`rejection_reason`).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..common.isolation import rejection_reason
from .arrow_tables import Version, file_table, laps_table, records_table
from .fit import decode_fit
from .gpx import decode_gpx
from .model import DecodedActivity, NotAnActivity
from .settings import SOURCE
from .summary import finish
from .tcx import decode_tcx

log = logging.getLogger(f"dlt_sources.{SOURCE}")  # forwarded to the Dagster run log

DECODERS = {"fit": decode_fit, "tcx": decode_tcx, "gpx": decode_gpx}


@dataclass
class VersionTables:
    """The rows of one decoded file version."""

    files: pa.Table
    records: pa.Table
    laps: pa.Table


@dataclass(frozen=True)
class DecodeJob:
    """What a decoder needs: the content's format and bytes, and whose version it is."""

    kind: str  # fit | tcx | gpx
    data: bytes
    version: Version


class DecodeFailed(ValueError):
    """The content could not be decoded; the message is the reason, as recorded in-process."""


def decode(kind: str, data: Any) -> DecodedActivity:
    return DECODERS[kind](data)


def version_tables(job: DecodeJob) -> VersionTables:
    """The version's tables; raises NotAnActivity, or whatever the decoder raised."""
    activity = finish(decode(job.kind, io.BytesIO(job.data)))
    log.info(
        "%s: %s %s, %d records, %d laps",
        job.version.source_file, activity.source_format, activity.sport, activity.record_count,
        len(activity.laps),
    )  # fmt: skip
    return VersionTables(
        files=file_table(activity, job.version),
        records=records_table(activity, job.version),
        laps=laps_table(activity, job.version),
    )


def outcome(job: DecodeJob) -> tuple[str, Any]:
    """`version_tables` as a picklable result: ("ok", tables), ("not_activity" | "failed", text)."""
    try:
        return "ok", version_tables(job)
    except NotAnActivity as exc:
        return "not_activity", str(exc)
    except Exception as exc:
        return "failed", rejection_reason(exc)


def result_of(status: str, value: Any) -> VersionTables:
    """The tables of an `outcome`, or its exception raised again."""
    if status == "ok":
        return value
    if status == "not_activity":
        raise NotAnActivity(value)
    raise DecodeFailed(value)
