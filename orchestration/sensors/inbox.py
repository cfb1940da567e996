"""Sensors: a new export file in the inbox triggers its source's job."""

from __future__ import annotations

import hashlib

import dagster as dg

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from orchestration.jobs.sources import API_ONLY_SOURCES, SOURCE_JOBS


def _inbox_sensor(source: str, job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{source}_inbox",
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Materialise {source} when an export file lands in inbox/{source}/.",
    )
    def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        settings = Settings.from_env()
        pending = Inbox(settings.inbox_dir, settings.archive_dir).pending(source)
        if not pending:
            return dg.SkipReason(f"no {source} files in the inbox")
        # The key covers content and drop time: a re-dropped duplicate still gets a run (which
        # loads nothing and clears it), a file still waiting does not get a second one.
        fingerprint = "|".join(f"{f.sha256}:{f.path.stat().st_mtime_ns}" for f in pending)
        run_key = f"{source}:{hashlib.sha256(fingerprint.encode()).hexdigest()[:24]}"
        names = ", ".join(f.path.name for f in pending)
        context.log.info("%s: %d file(s) waiting: %s", source, len(pending), names)
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key=run_key)])

    return inbox_sensor


SENSORS = [
    _inbox_sensor(source, job)
    for source, job in SOURCE_JOBS.items()
    if source not in API_ONLY_SOURCES
]
