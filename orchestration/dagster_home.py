"""DAGSTER_HOME under the data folder, with run/schedule/event storage in PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from .warehouse import Warehouse

DAGSTER_YAML = """\
# Written by fitelt; edits are overwritten. Storage is PostgreSQL so history survives restarts.
storage:
  postgres:
    postgres_url:
      env: FITELT_DAGSTER_PG_URL
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 4
    tag_concurrency_limits:
      # One run per source at a time: two loads of one dlt pipeline must not interleave.
      - key: fitelt/source
        value:
          applyLimitPerUniqueValue: true
        limit: 1
run_retries:
  enabled: true
  max_retries: 2
  retry_on_asset_or_op_failure: false
telemetry:
  enabled: false
nux:
  enabled: false
"""


def prepare_dagster_home(home: Path, warehouse: Warehouse) -> Path:
    """Write dagster.yaml and export DAGSTER_HOME and the storage URL for this process tree."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["FITELT_DAGSTER_PG_URL"] = warehouse.dagster.sqlalchemy_url()
    return home
