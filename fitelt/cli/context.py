"""What every command needs first: settings, a running warehouse, the environment for tools."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from fitelt.cli.dagster_home import prepare_dagster_home
from fitelt.settings import Settings
from fitelt.warehouse import Warehouse, resolve_warehouse

log = logging.getLogger("fitelt")


@dataclass(frozen=True)
class CliContext:
    settings: Settings
    warehouse: Warehouse


def open_context() -> CliContext:
    """Resolve the warehouse (starting the embedded one) and export what child tools read."""
    settings = Settings.from_env()
    warehouse = resolve_warehouse(settings)
    os.environ.update(warehouse.admin.libpq_env(prefix="FITELT_PG"))
    prepare_dagster_home(settings.dagster_home, warehouse)
    return CliContext(settings=settings, warehouse=warehouse)
