"""Strava activities: bulk-export files from the inbox and, when configured, the API."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.strava import ACTIVITIES_HINTS, strava_source
from orchestration.lib.retries import retry_transient
from orchestration.lib.source_load import load_source
from orchestration.lib.translator import SourceTableTranslator
from orchestration.resources.vendor_apis import StravaApiResource
from orchestration.resources.warehouse import WarehouseResource

SOURCE = "strava"


@dlt_assets(
    dlt_source=strava_source(),
    dlt_pipeline=dlt.pipeline(pipeline_name=SOURCE, destination="postgres", dataset_name="raw"),
    name=SOURCE,
    dagster_dlt_translator=SourceTableTranslator(),
    op_tags={"fitelt/source": SOURCE},
)
def strava_assets(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
    strava_api: StravaApiResource,
) -> Iterator[Any]:
    """Load Strava activities (inbox exports + API) into raw.strava_activities."""
    with retry_transient(context):  # e.g. the warehouse restarting
        clients = strava_api.clients(warehouse)
    yield from load_source(
        context,
        dlt,
        warehouse,
        name=SOURCE,
        make_source=lambda files: strava_source(files=files, clients=clients),
        accounts=clients,
        table_hints=[ACTIVITIES_HINTS],
    )
