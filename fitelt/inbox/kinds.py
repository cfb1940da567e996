"""Which source an export file belongs to, judged from its first bytes (never the whole file)."""

from __future__ import annotations

import csv
from collections.abc import Callable

from dlt_sources.activity_files.detect import detect_activity_format
from dlt_sources.apple_health.detect import is_apple_health_export
from dlt_sources.common.textfile import header_hint, printable
from dlt_sources.crossfit.helpers import is_crossfit_log
from dlt_sources.strava.export import is_activities_export
from dlt_sources.withings.export import is_weight_export

# Each source says which CSV headers are its exports. New sources add a line here.
DETECTORS: dict[str, Callable[[list[str]], bool]] = {
    "withings": is_weight_export,
    "strava": is_activities_export,
    "crossfit": is_crossfit_log,
}


# Activity files are recognised by their bytes (FIT header, XML root, archive magic).
ACTIVITY_KIND = "activity_files"
# Apple Health exports too: an XML whose root is HealthData, or a zip of apple_health_export/.
APPLE_HEALTH_KIND = "apple_health"


class UnknownExportError(ValueError):
    """The file's header matches no known export format."""


def detect_kind_of_head(head: bytes, name: str) -> str:
    """The source of an export whose first bytes are `head`; UnknownExportError otherwise."""
    if is_apple_health_export(head):  # before activity files: any zip is one of theirs
        return APPLE_HEALTH_KIND
    if _is_activity_file(head):
        return ACTIVITY_KIND
    text = head.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0].rstrip("\r")  # csv's line ends, not str.splitlines
    try:
        header = next(csv.reader([first]), []) if first else []
    except csv.Error:  # e.g. a lone carriage return in binary bytes: not a CSV header at all
        header = []
    for kind, matches in DETECTORS.items():
        if matches(header):
            return kind
    known = ", ".join(
        [*DETECTORS, "FIT/TCX/GPX activity files and their .gz/.zip", "Apple Health export"]
    )
    raise UnknownExportError(
        f"{printable(name)}: header {printable(first.strip())[:120]!r} matches no known export "
        f"({known}){header_hint(first)}"
    )


def _is_activity_file(head: bytes) -> bool:
    # gzip counts only when what it holds is an activity file (a gzipped CSV is not).
    return detect_activity_format(head) is not None
