"""Transient failures retried by Dagster; revoked grants surfaced in the asset metadata.

A load that fails because PostgreSQL restarted, the network dropped or a vendor API kept
answering 5xx after the client's own retries is raised again as `dg.RetryRequested`: the step
re-runs (max 2 retries, exponential backoff from FITELT_RETRY_DELAY_S, default 10 s). Loads are
idempotent (merge on natural keys, files archived only after the commit, cursors only advanced
by a completed load), so a retry never duplicates or skips. Any other failure fails the step.

`dlt_assets` takes no `retry_policy`, hence this explicit RetryRequested.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg2
import requests
from dlt.common.exceptions import TransientException

from dlt_sources.common.token_store import TokenStore, TokenStoreError
from orchestration.resources.warehouse import WarehouseResource

MAX_RETRIES = 2
TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    psycopg2.OperationalError,  # server restarting, connection refused or terminated
    requests.ConnectionError,
    requests.Timeout,
    ConnectionError,
    TimeoutError,
    TransientException,  # dlt's own transient destination errors
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and dlt's wrapped `exception` attributes."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = getattr(current, "exception", None)
        stack += [current.__cause__, current.__context__]
        if isinstance(wrapped, BaseException):
            stack.append(wrapped)


def is_transient(exc: BaseException) -> bool:
    return any(
        getattr(item, "transient", False) is True or isinstance(item, TRANSIENT_TYPES)
        for item in _chain(exc)
    )


def retry_delay(retry_number: int) -> float:
    base = float(os.environ.get("FITELT_RETRY_DELAY_S", "10"))
    return base * 2**retry_number  # 10 s, then 20 s


@contextmanager
def retry_transient(context: dg.AssetExecutionContext) -> Iterator[None]:
    """Turn a transient failure of the block into a Dagster step retry."""
    try:
        yield
    except dg.RetryRequested:
        raise
    except Exception as exc:
        if not is_transient(exc):
            raise
        wait = retry_delay(context.retry_number)
        kinds = " ← ".join(type(item).__name__ for item in _chain(exc))
        context.log.warning(
            "transient failure (%s): retry %d of %d in %.0f s",
            kinds[:300],
            context.retry_number + 1,
            MAX_RETRIES,
            wait,
        )
        raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait) from exc


def reconnect_metadata(warehouse: WarehouseResource, source: str) -> dict[str, dg.MetadataValue]:
    """`needs_reconnect`: athletes whose stored grant for `source` was revoked or is unreadable.

    Present only for sources with stored OAuth grants; `[]` when every grant works.
    """
    settings = warehouse.settings
    if not settings.tokens_dir.is_dir():
        return {}
    store = TokenStore.open(settings.secrets_dir, settings.tokens_dir)
    found = False
    athletes: list[str] = []
    for athlete in warehouse.athletes():
        try:
            document = store.get(source, athlete.athlete_id)
        except TokenStoreError:
            found = True
            athletes.append(athlete.athlete_id)
            continue
        if document is not None:
            found = True
            if document.get("needs_reconnect"):
                athletes.append(athlete.athlete_id)
    return {"needs_reconnect": dg.MetadataValue.json(athletes)} if found else {}
