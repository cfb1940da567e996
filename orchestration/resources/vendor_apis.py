"""Dagster resources for the vendor APIs (Withings, Strava, Oura, Google Sheets): credentials."""

from __future__ import annotations

import os

import dagster as dg

from dlt_sources.common.token_store import TokenStore
from dlt_sources.crossfit import SheetsClient
from dlt_sources.crossfit.settings import DEFAULT_API_BASE as SHEETS_API_BASE
from dlt_sources.crossfit.settings import DEFAULT_RANGE
from dlt_sources.oura import OuraClient
from dlt_sources.oura.settings import DEFAULT_API_BASE as OURA_API_BASE
from dlt_sources.strava import RateBudget, StravaClient
from dlt_sources.strava.settings import BUDGET_RESERVE
from dlt_sources.strava.settings import DEFAULT_API_BASE as STRAVA_API_BASE
from dlt_sources.withings.helpers import WithingsClient
from dlt_sources.withings.settings import DEFAULT_API_BASE
from orchestration.resources.warehouse import WarehouseResource


class OAuthAppResource(dg.ConfigurableResource):
    """An API app's OAuth credentials; API mode is on when both are set and a grant is stored."""

    client_id: str | None = None
    client_secret: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def granted(
        self, warehouse: WarehouseResource, source: str, seed_var: str | None = None
    ) -> tuple[TokenStore, list[str]]:
        """The token store and the athletes with a stored `source` grant. A refresh token in
        the environment variable `seed_var` becomes the default athlete's grant if it has none."""
        store = warehouse.token_store()
        seed = os.environ.get(seed_var) if seed_var else None
        default_athlete = warehouse.settings.default_athlete
        if seed and store.get(source, default_athlete) is None:
            warehouse.athlete(default_athlete)
            store.put(source, default_athlete, {"refresh_token": seed, "expires_at": 0})
        athletes = [
            athlete.athlete_id
            for athlete in warehouse.athletes()
            if store.get(source, athlete.athlete_id) is not None
        ]
        return store, athletes


class StravaApiResource(OAuthAppResource):
    """Strava API app credentials; API mode is on when they are set and a grant is stored.

    `budget_reserve` requests of every 15-minute window are left unused (Strava's limits are
    per app, so another tool sharing the app can keep some).
    """

    base_url: str = STRAVA_API_BASE
    budget_reserve: int = BUDGET_RESERVE

    def clients(self, warehouse: WarehouseResource) -> list[StravaClient]:
        """One client per athlete with a stored Strava grant, all sharing one rate budget."""
        if not self.configured:
            return []
        store, athletes = self.granted(warehouse, "strava", "STRAVA_REFRESH_TOKEN")
        budget = RateBudget(reserve=self.budget_reserve)
        return [
            StravaClient(
                base_url=self.base_url,
                client_id=str(self.client_id),
                client_secret=str(self.client_secret),
                athlete_id=athlete_id,
                store=store,
                budget=budget,
            )
            for athlete_id in athletes
        ]


class SheetsApiResource(dg.ConfigurableResource):
    """The CrossFit log's Google Sheet, read with an API key (the sheet shared by link).

    The sheet belongs to `athlete_id` (default: FITELT_DEFAULT_ATHLETE). One spreadsheet per
    installation for now; a service account for private sheets is future work.
    """

    api_key: str | None = None
    spreadsheet_id: str | None = None
    range: str = DEFAULT_RANGE
    base_url: str = SHEETS_API_BASE
    athlete_id: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.api_key and self.spreadsheet_id)

    def clients(self, warehouse: WarehouseResource) -> list[SheetsClient]:
        if not self.configured:
            return []
        athlete = warehouse.athlete(self.athlete_id or warehouse.settings.default_athlete)
        return [
            SheetsClient(
                base_url=self.base_url,
                api_key=str(self.api_key),
                spreadsheet_id=str(self.spreadsheet_id),
                range=self.range,
                athlete_id=athlete.athlete_id,
            )
        ]


class WithingsApiResource(OAuthAppResource):
    """Withings API app credentials; API mode is on when they are set and a grant is stored."""

    base_url: str = DEFAULT_API_BASE

    def clients(self, warehouse: WarehouseResource) -> list[WithingsClient]:
        """One client per athlete with a stored Withings grant."""
        if not self.configured:
            return []
        store, athletes = self.granted(warehouse, "withings", "WITHINGS_REFRESH_TOKEN")
        return [
            WithingsClient(
                base_url=self.base_url,
                client_id=str(self.client_id),
                client_secret=str(self.client_secret),
                athlete_id=athlete_id,
                store=store,
            )
            for athlete_id in athletes
        ]


class OuraApiResource(OAuthAppResource):
    """Oura API app credentials; API mode is on when they are set and a grant is stored
    (`fitelt connect oura`). Without them the Oura assets load nothing."""

    base_url: str = OURA_API_BASE

    def clients(self, warehouse: WarehouseResource) -> list[OuraClient]:
        """One client per athlete with a stored Oura grant."""
        if not self.configured:
            return []
        store, athletes = self.granted(warehouse, "oura")
        return [
            OuraClient(
                base_url=self.base_url,
                client_id=str(self.client_id),
                client_secret=str(self.client_secret),
                athlete_id=athlete_id,
                store=store,
            )
            for athlete_id in athletes
        ]
