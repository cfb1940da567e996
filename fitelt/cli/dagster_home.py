"""DAGSTER_HOME under the data folder, with run/schedule/event storage in PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fitelt.warehouse import Warehouse

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
run_monitoring:
  # A run whose launch was cut short (fitelt serve stopped between launch and start) is
  # failed after this long instead of holding its source's concurrency slot for good.
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
run_retries:
  enabled: true
  max_retries: 2
  retry_on_asset_or_op_failure: false
telemetry:
  enabled: false
nux:
  enabled: false
"""


# The code location's name: schedule/sensor state and run history are keyed by it, so it stays
# the name Dagster gives `-m orchestration.definitions`.
CODE_LOCATION = "orchestration.definitions"


def write_workspace(home: Path, code_socket: Path) -> Path:
    """workspace.yaml pointing Dagster's webserver and daemon at the one code server that
    `fitelt serve` runs on `code_socket` (instead of each starting its own)."""
    workspace = home / "workspace.yaml"
    workspace.write_text(
        "# Written by fitelt serve at each start; edits are overwritten.\n"
        "load_from:\n"
        "  - grpc_server:\n"
        f"      socket: {json.dumps(str(code_socket))}\n"
        f"      location_name: {json.dumps(CODE_LOCATION)}\n"
    )
    return workspace


def prepare_dagster_home(home: Path, warehouse: Warehouse) -> Path:
    """Write dagster.yaml and export DAGSTER_HOME and the storage URL for this process tree."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["FITELT_DAGSTER_PG_URL"] = warehouse.dagster.sqlalchemy_url()
    return home
