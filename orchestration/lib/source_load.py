"""What every file/API load asset shares: picking inbox files, archiving them, load metadata."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource

from dlt_sources.common.files import SourceFile
from dlt_sources.common.tables import ensure_tables
from fitelt.inbox.store import Inbox, InboxFile
from fitelt.storage import StoragePath, local_file
from fitelt.warehouse.raw_tables import raw_row_counts, raw_table_exists
from orchestration.lib.retries import reconnect_metadata, retry_transient
from orchestration.lib.run_log import source_logs_in_run_log
from orchestration.resources.warehouse import WarehouseResource

# What the pipeline lock and the working folder say (waits, dropped leftovers) is run news.
PIPELINE_LOGGERS = ("fitelt.loading.dlt_pipelines", "fitelt.warehouse.locks")


def load_source(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
    *,
    name: str,
    make_source: Callable[[list[SourceFile]], Any],
    accounts: Sequence[Any],
    table_hints: Sequence[Any],
) -> Iterator[dg.MaterializeResult]:
    """The body of every source asset: inbox files + API accounts → dlt → archive → metadata.

    The run holds the pipeline's lock from before it lists the inbox until its files are
    archived, so the files it claims are exactly the files it loads and archives (an import
    during the run waits in the inbox for the next one). Files are archived only after dlt
    committed the load, so a failed or killed run leaves them in the inbox; merges on natural
    keys make the retry idempotent. A file rejected as a whole moves to `rejected/`.
    """
    with retry_transient(context):  # a transient failure anywhere here re-runs the step
        tables = [hint["table_name"] for hint in table_hints]
        if (
            not accounts
            and not warehouse.inbox().pending(name)
            and all(raw_table_exists(warehouse.warehouse().admin, table) for table in tables)
        ):
            # Nothing can have changed: no lock, no dlt pipeline (its set-up costs more than
            # the rest of a no-op run). A file imported meanwhile gets the next run.
            context.log.info("%s: no new file and no API account: nothing to load", name)
            files, rejected, results = [], {}, []
        else:
            files, rejected, results = _load(
                context, dlt, warehouse, name, make_source, accounts, table_hints
            )
        extra = {
            **load_metadata(warehouse, name, tuple(tables)),
            **reconnect_metadata(warehouse, name),
        }
        extra["files_loaded"] = dg.MetadataValue.int(len(files) - len(rejected))
        extra["files_rejected"] = dg.MetadataValue.int(len(rejected))
    for result in results:
        yield dg.MaterializeResult(
            asset_key=result.asset_key, metadata={**result.metadata, **extra}
        )
    if not results:
        for key in sorted(context.selected_asset_keys):
            yield dg.MaterializeResult(asset_key=key, metadata=extra)


def _load(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
    name: str,
    make_source: Callable[[list[SourceFile]], Any],
    accounts: Sequence[Any],
    table_hints: Sequence[Any],
) -> tuple[list[SourceFile], dict[StoragePath, str], list[Any]]:
    """Under the pipeline's lock: claim the inbox files, run dlt, archive or set files aside."""
    with (
        source_logs_in_run_log(context, f"dlt_sources.{name}", *PIPELINE_LOGGERS),
        warehouse.exclusive_pipeline(name) as pipeline,
        ExitStack() as local_copies,
    ):
        inbox = warehouse.inbox()
        claimed = claim_files(context, inbox, name)
        rejected: dict[StoragePath, str] = {}
        # Files in an object store are read from a copy in this run's own working folder.
        downloads = Path(pipeline.pipelines_dir) / "inbox"
        files = [
            SourceFile(
                local_copies.enter_context(local_file(item.path, downloads / item.athlete_id)),
                item.athlete_id,
                warehouse.athlete(item.athlete_id).timezone,
                name=item.original_name,
                on_reject=lambda reason, path=item.path: rejected.__setitem__(path, reason),
                checksum=item.sha256,  # its content address: not read again to hash it
            )
            for item in claimed
        ]
        context.log.info("%s: %d file(s), %d API account(s)", name, len(files), len(accounts))
        results: list[Any] = []
        # A pipeline that never ran still runs once, to create its schema and empty tables.
        if files or accounts or pipeline.default_schema_name is None:
            events = dlt.run(context=context, dlt_source=make_source(files), dlt_pipeline=pipeline)
            results = list(events)
        ensure_tables(pipeline, *table_hints)  # staging views need the table before a row
        settle_files(context, inbox, claimed, rejected)
    return files, rejected, results


def claim_files(context: dg.AssetExecutionContext, inbox: Inbox, kind: str) -> list[InboxFile]:
    """Inbox files of `kind` this run loads; one already archived (same checksum) is cleared,
    and so are the partial copies a killed `fitelt import` left."""
    for name in inbox.sweep_partials(kind):
        context.log.warning("%s: removed %s, a partial copy left by an interrupted import",
                            kind, name)  # fmt: skip
    to_load = []
    for item in inbox.pending(kind):
        if inbox.is_archived(item):
            context.log.info(
                "%s: already loaded (checksum %s…), skipped", item.original_name, item.sha256[:12]
            )
            inbox.archive(item)
        else:
            to_load.append(item)
    return to_load


def settle_files(
    context: dg.AssetExecutionContext,
    inbox: Inbox,
    items: list[InboxFile],
    rejected: dict[StoragePath, str],
) -> None:
    """After the load committed: archive each loaded file, set each rejected one aside.

    A file that cannot be archived (the archive is full, unwritable) is set aside as well, with
    that reason: its rows are loaded, and it must not block the inbox.
    """
    for item in items:
        reason = rejected.get(item.path)
        if reason is None:
            try:
                target = inbox.archive(item)
            except OSError as exc:
                reason = f"loaded, but could not be archived: {exc}"
            else:
                context.log.info("archived %s as %s", item.original_name, target.name)
                continue
        target = inbox.reject(item, reason)
        context.log.warning("%s set aside in rejected/: %s", item.original_name, reason)


def load_metadata(
    warehouse: WarehouseResource, source: str, tables: tuple[str, ...] = ()
) -> dict[str, dg.MetadataValue]:
    """Row counts of the source's raw tables (`tables` too) and its quarantine, as metadata."""
    counts = raw_row_counts(warehouse.warehouse().admin, source, tables)
    return {f"rows:{table}": dg.MetadataValue.int(rows) for table, rows in counts.items()}
