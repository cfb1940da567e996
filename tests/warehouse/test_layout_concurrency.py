"""Many processes bootstrapping one warehouse at once all succeed (CI found the race).

Every `fitelt` process runs `ensure_layout` on start. Two of them GRANTing on one object at
the same moment used to fail with "tuple concurrently updated"; the layout lock makes them
take turns. Real processes, a real server: threads in one process would share nothing useful.
"""

from __future__ import annotations

import multiprocessing

from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout

PROCESSES = 6
ROUNDS = 8


def _bootstrap_repeatedly(url: str, start) -> str:
    start.wait()
    try:
        for _ in range(ROUNDS):
            ensure_layout(ConnInfo.from_url(url), reader_password="reader-pw")
    except Exception as exc:  # reported to the parent, which fails the test with it
        return f"{type(exc).__name__}: {exc}"
    return ""


def test_concurrent_bootstraps_of_one_warehouse_all_succeed(fresh_db: ConnInfo) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Event()
        with context.Pool(PROCESSES) as pool:
            pending = [
                pool.apply_async(_bootstrap_repeatedly, (fresh_db.url(), start))
                for _ in range(PROCESSES)
            ]
            start.set()
            errors = [result.get(timeout=120) for result in pending]
    assert [error for error in errors if error] == []
