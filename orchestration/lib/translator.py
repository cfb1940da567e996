"""Asset keys are a contract: a dlt table's key is the key of the dbt source that reads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData


class SourceTableTranslator(DagsterDltTranslator):
    """dlt resource `measures` of source `withings` → asset key `withings/measures`.

    dagster-dbt keys a dbt source table as [source name, table name], so naming each dbt source
    after its dlt source and each source table after its dlt resource makes one lineage graph.
    """

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        resource = data.resource
        return spec.replace_attributes(
            key=dg.AssetKey([resource.source_name, resource.name]),
            deps=[],
            group_name=resource.source_name,
            kinds={"dlt", "postgres"},
        )


class LayeredDbtTranslator(DagsterDbtTranslator):
    """Groups dbt models by layer (staging, marts) so the UI reads left to right."""

    def __init__(self) -> None:
        # Duplicate source keys: the three activity_files tables are one dlt asset (see the
        # dbt source's yml); every other source table keeps a key of its own.
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True, enable_duplicate_source_asset_keys=True
            )
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 1:
            return str(fqn[1])
        return super().get_group_name(dbt_resource_props)
