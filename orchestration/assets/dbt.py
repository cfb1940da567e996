"""dbt models as assets and dbt tests as asset checks (one graph with the dlt tables)."""

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from fitelt.settings import PROJECT_ROOT
from orchestration.lib.retries import retry_transient
from orchestration.lib.translator import LayeredDbtTranslator
from orchestration.resources.warehouse import WarehouseResource

log = logging.getLogger(__name__)

dbt_project = DbtProject(
    project_dir=PROJECT_ROOT / "dbt_project",
    profiles_dir=PROJECT_ROOT / "dbt_project",
)
if not dbt_project.manifest_path.exists():  # prepared once by `make install` (dbt parse)
    raise RuntimeError(
        f"{dbt_project.manifest_path} is missing: run `make install`, or "
        "`cd dbt_project && ../.venv/bin/dbt parse --profiles-dir .`"
    )


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LayeredDbtTranslator(),
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Build staging views and marts with dbt and run their tests.

    One dbt build at a time across every run and machine (the `dbt` writer lock): the source
    jobs' builds overlap (they share marts such as training_load_daily), and two builds swapping
    the same table in at once would fail each other.
    """
    with ExitStack() as held:
        with retry_transient(context):  # the warehouse may have been unreachable at run start
            warehouse.export_dbt_env()
            held.enter_context(warehouse.writer_lock("dbt"))
        yield from dbt.cli(["build"], context=context).stream()
