"""The source jobs: load one source and rebuild everything downstream of it."""

from __future__ import annotations

import dagster as dg

SOURCES = ("withings", "strava", "crossfit", "activity_files", "apple_health", "oura")
# Sources read only from an API: nothing of theirs lands in the inbox, so no inbox sensor.
API_ONLY_SOURCES = ("oura",)


def source_job(source: str) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        name=f"{source}_refresh",
        # The report site is left to its eager automation condition: it rebuilds once all of
        # its marts exist, whereas one source's job cannot build the other sources' marts.
        selection=dg.AssetSelection.groups(source).downstream()
        - dg.AssetSelection.assets("report_site"),
        description=f"Load {source} and rebuild its marts and the forecast.",
        tags={"fitelt/source": source},
    )


SOURCE_JOBS = {source: source_job(source) for source in SOURCES}
