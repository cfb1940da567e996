"""Planted secrets (client secrets, access/refresh tokens, the database password, the token-store
key, the reader password) never appear in logs, Dagster's event log (messages, metadata, error
texts), the data folder outside `secrets/`, or any table — through good runs, retries,
rate limits, a revoked grant and a failed run.
"""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
import pytest
from dagster._serdes import serialize_value

from dlt_sources.common.token_store import TokenStore
from fitelt.warehouse.athletes import ensure_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from orchestration.resources.vendor_apis import StravaApiResource, WithingsApiResource
from tests.conftest import query
from tests.fakes import FakeStrava, FakeWithings, Fault, make_withings_groups, withings_error
from tests.reliability.helpers import load

PLANTED = {
    "withings_secret": "withings-secret-PLANTED-1f9c",
    "withings_refresh": "withings-refresh-PLANTED-0",
    "withings_access": "withings-access-PLANTED-0",
    "strava_secret": "strava-secret-PLANTED-77aa",
    "strava_refresh": "strava-refresh-PLANTED-0",
    "strava_access": "strava-access-PLANTED-0",
    "db_password": "db-pass-PLANTED-42",
    "secret_key": "secret-key-PLANTED-99",
    "reader_password": "reader-pass-PLANTED-5",
}


@pytest.mark.slow
def test_no_planted_secret_leaks_anywhere(
    fresh_db, tmp_path: Path, monkeypatch, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    caplog.set_level(logging.DEBUG)
    data_dir = tmp_path / "data"
    db = fresh_db.as_user("postgres", PLANTED["db_password"])  # trust auth: any password works
    for name, value in {
        "FITELT_DATA_DIR": str(data_dir), "DATABASE_URL": db.url(),
        "FITELT_SECRET_KEY": PLANTED["secret_key"],
        "FITELT_READER_PASSWORD": PLANTED["reader_password"], "FITELT_RETRY_DELAY_S": "0",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    ensure_layout(db, PLANTED["reader_password"])
    for athlete in ("demo", "bob"):
        ensure_athlete(db, athlete, "Europe/Paris")
    store = TokenStore.open(data_dir / "secrets")
    groups = make_withings_groups([(1_740_000_000 + i * 86_400, {1: 80.0}) for i in range(5)])
    withings = FakeWithings(
        groups, client_secret=PLANTED["withings_secret"],
        refresh_token=PLANTED["withings_refresh"], access_token=PLANTED["withings_access"],
    )  # fmt: skip
    strava = FakeStrava(
        client_secret=PLANTED["strava_secret"], refresh_token=PLANTED["strava_refresh"],
        access_token=PLANTED["strava_access"],
    )  # fmt: skip
    instance = dg.DagsterInstance.ephemeral()
    run_ids = []
    with withings, strava:
        store.put("withings", "demo", {"refresh_token": PLANTED["withings_refresh"]})
        store.put("withings", "bob", {"refresh_token": "revoked-PLANTED-refresh"})  # revoked
        store.put("strava", "demo", {"refresh_token": PLANTED["strava_refresh"]})
        resources = {
            "withings_api": WithingsApiResource(
                client_id=withings.client_id, client_secret=PLANTED["withings_secret"],
                base_url=withings.url,
            ),
            "strava_api": StravaApiResource(
                client_id=strava.client_id, client_secret=PLANTED["strava_secret"],
                base_url=strava.url,
            ),
        }  # fmt: skip
        withings.inject("/measure", Fault(status=503))  # a retry, logged
        strava.inject("/api/v3/athlete/activities", Fault(status=429))  # a clean stop, logged
        good = load("withings/measures", "strava/activities", instance=instance,
                    resources=resources)  # fmt: skip
        assert good.success
        run_ids.append(good.run_id)
        withings.inject("/measure", withings_error(2555, "An unknown error"), times=10)
        bad = load("withings/measures", instance=instance, resources=resources)
        assert not bad.success  # a failed run: its error text is scanned too
        run_ids.append(bad.run_id)
        secrets = {**PLANTED, "rotated_withings": withings.current_refresh_token,
                   "rotated_access": withings.current_access_token}  # fmt: skip
    assert query(db, "select count(*) from raw.withings_measures")[0][0] == 5

    places: dict[str, str] = {
        "python logs": "\n".join(r.getMessage() for r in caplog.records
                                 if not r.name.startswith("tests.fakes")),
        "stdout/stderr": "".join(capfd.readouterr()),
        "dagster event log": "\n".join(
            serialize_value(entry) for run_id in run_ids for entry in instance.all_logs(run_id)
        ),
    }  # fmt: skip
    for path in data_dir.rglob("*"):
        if path.is_file() and "secrets" not in path.relative_to(data_dir).parts:
            places[f"file {path.relative_to(data_dir)}"] = path.read_bytes().decode("latin-1")
    for schema, table in query(
        db, "select table_schema, table_name from information_schema.tables where "
            "table_schema not in ('pg_catalog', 'information_schema')",
    ):  # fmt: skip
        rows = query(db, f'select t::text from "{schema}"."{table}" t')
        places[f"table {schema}.{table}"] = "\n".join(r[0] for r in rows)
    assert "needs reconnect" in places["python logs"]  # the scan covers the error paths
    assert "2555" in places["dagster event log"]
    # dlt keeps no state on disk after a run (its working folder is per run and deleted): the
    # state, traces and schemas it stores are in raw._dlt_* tables, scanned with every table.
    assert not any(name.startswith(("file dlt/", "file work/")) for name in places)
    assert any(name == "table raw._dlt_pipeline_state" for name in places)
    leaks = [(name, what) for name, text in places.items() for what, secret in secrets.items()
             if secret and secret in text]  # fmt: skip
    assert leaks == []
    stored = b"".join(p.read_bytes() for p in (data_dir / "secrets").rglob("*.bin"))
    assert secrets["rotated_withings"].encode() not in stored  # encrypted at rest
