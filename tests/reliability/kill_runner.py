"""Run the real Withings asset in a subprocess that stops at a chosen phase, to be SIGKILLed.

`python -m tests.reliability.kill_runner` with FITELT_KILL_PHASE and FITELT_KILL_SIGNAL set
(plus the usual FITELT_DATA_DIR, DATABASE_URL, FITELT_SECRET_KEY and, for the API, WITHINGS_*).
When the run reaches the phase, the signal file is written and the process sleeps until the
test kills it:

* `extract`   — some records read (file: 100 lines; API: 12 groups, pages in flight);
* `normalize` — the extracted package normalised into load files, not yet committed;
* `load-jobs` — the first table job of the load package finished, the others not;
* `load`      — every table merged into `raw`, the load not yet recorded in `_dlt_loads`.

Only this test helper is patched; the asset, dlt and Dagster code run unchanged.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PHASE = os.environ["FITELT_KILL_PHASE"]
SIGNAL = Path(os.environ["FITELT_KILL_SIGNAL"])


def hang() -> None:
    SIGNAL.write_text(PHASE)
    time.sleep(600)
    sys.exit(3)  # never reached when the test kills us


def install_hook() -> None:
    from dlt.load.load import Load
    from dlt.normalize.normalize import Normalize

    import dlt_sources.withings as source

    if PHASE == "extract":
        read, rows, seen = source.read_weight_csv, source.group_rows, [0]

        def reading(*args, **kwargs):
            for index, item in enumerate(read(*args, **kwargs)):
                if index == 100:
                    hang()
                yield item

        def grouping(*args, **kwargs):
            seen[0] += 1
            if seen[0] == 12:
                hang()
            return rows(*args, **kwargs)

        source.read_weight_csv, source.group_rows = reading, grouping
    elif PHASE == "normalize":
        spool = Normalize.spool_files

        def spooled(self, *args, **kwargs):
            spool(self, *args, **kwargs)
            hang()

        Normalize.spool_files = spooled
    elif PHASE == "load-jobs":
        complete = Load.complete_jobs

        def completed(self, *args, **kwargs):
            remaining, finalized, error = complete(self, *args, **kwargs)
            if any("withings_measures" in job.file_name() for job in finalized):
                hang()
            return remaining, finalized, error

        Load.complete_jobs = completed
    elif PHASE == "load":
        package = Load.complete_package

        def before_commit(self, *args, **kwargs):
            hang()
            package(self, *args, **kwargs)

        Load.complete_package = before_commit
    else:
        raise SystemExit(f"unknown phase {PHASE}")


def main() -> int:
    import dagster as dg
    from dagster_dlt import DagsterDltResource

    from orchestration.assets.withings import withings_assets
    from orchestration.resources.vendor_apis import WithingsApiResource
    from orchestration.resources.warehouse import WarehouseResource

    install_hook()
    api = WithingsApiResource(
        client_id=os.environ.get("WITHINGS_CLIENT_ID"),
        client_secret=os.environ.get("WITHINGS_CLIENT_SECRET"),
        base_url=os.environ.get("WITHINGS_API_BASE", "http://127.0.0.1:9"),
    )
    result = dg.materialize(
        [withings_assets],
        resources={
            "warehouse": WarehouseResource(),
            "withings_api": api,
            "dlt": DagsterDltResource(),
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
