"""The warehouse resource: PostgreSQL plus the local folders, read from the environment."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

import dagster as dg
import dlt
import psycopg2
from pydantic import PrivateAttr

from dlt_sources.common.token_store import TokenStore
from fitelt.inbox.store import Inbox
from fitelt.loading.dlt_pipelines import exclusive_pipeline
from fitelt.settings import Settings
from fitelt.warehouse import Warehouse, resolve_warehouse
from fitelt.warehouse.athletes import Athlete, ensure_athlete, list_athletes
from fitelt.warehouse.locks import pipeline_lock


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse plus the local folders (inbox, archive, dlt state, secrets).

    Unset fields are read from the environment when a run starts (FITELT_DATA_DIR,
    DATABASE_URL, ...), so one code location serves `fitelt`, the daemon and the tests alike.
    """

    data_dir: str | None = None
    database_url: str | None = None

    _warehouse: Warehouse | None = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        settings = Settings.from_env()
        return replace(
            settings,
            data_dir=Path(self.data_dir) if self.data_dir else settings.data_dir,
            database_url=self.database_url or settings.database_url,
        )

    @property
    def default_timezone(self) -> str:
        return self.settings.default_timezone

    def warehouse(self) -> Warehouse:
        if self._warehouse is None:
            self._warehouse = resolve_warehouse(self.settings)
        return self._warehouse

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # An unreachable warehouse must not fail the run here, before any step could retry:
        # the steps resolve it again inside their retry blocks (assets/retries.py).
        try:
            self.export_dbt_env()
        except psycopg2.OperationalError as exc:
            context.log.warning("warehouse unreachable at run start (%s)", type(exc).__name__)

    def export_dbt_env(self) -> None:
        """dbt runs as a subprocess and reads its profile from these variables."""
        os.environ.update(self.warehouse().admin.libpq_env(prefix="FITELT_PG"))

    def exclusive_pipeline(self, name: str) -> AbstractContextManager[dlt.Pipeline]:
        """The dlt pipeline `name` for this run alone (lock, own folder): see dlt_runs.py."""
        return exclusive_pipeline(self.settings, self.warehouse().admin, name)

    def writer_lock(self, name: str) -> AbstractContextManager[None]:
        """The warehouse-wide lock of writer `name` (a dlt pipeline, `dbt`): one holder at once."""
        return pipeline_lock(self.warehouse().admin, name)

    def inbox(self) -> Inbox:
        settings = self.settings
        return Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)

    def token_store(self) -> TokenStore:
        return TokenStore.open(self.settings.secrets_dir, self.settings.tokens_dir)

    def athlete(self, athlete_id: str) -> Athlete:
        return ensure_athlete(self.warehouse().admin, athlete_id, self.default_timezone)[0]

    def athletes(self) -> list[Athlete]:
        return list_athletes(self.warehouse().admin)
