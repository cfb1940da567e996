"""A dlt pipeline for one run: the pipeline's lock, a private working folder, state from SQL.

The warehouse is the source of truth for pipeline state (dlt keeps state and schemas in
`raw._dlt_pipeline_state` / `raw._dlt_version`). Each run gets its own disposable working folder
under `<data>/work/`, restores state from the warehouse and deletes the folder when it ends, so
no run depends on another run's local disk, and a killed run's half-written load package can
never wedge the source: the next holder of the lock finds it orphaned, drops it and says so.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dlt

from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.locks import pipeline_lock

log = logging.getLogger(__name__)

RAW_DATASET = "raw"
STALE_AFTER_S = 24 * 3600  # any working folder this old belongs to no live run


@contextmanager
def exclusive_pipeline(
    settings: Settings, admin: ConnInfo, name: str, *, timeout_s: float | None = None
) -> Iterator[dlt.Pipeline]:
    """The pipeline `name`, held by this run alone, with its state restored from the warehouse."""
    with pipeline_lock(admin, name, timeout_s=timeout_s), run_pipeline(settings, admin, name) as p:
        yield p


@contextmanager
def run_pipeline(settings: Settings, admin: ConnInfo, name: str) -> Iterator[dlt.Pipeline]:
    """The pipeline in a fresh working folder, deleted afterwards; the caller holds the lock."""
    work_root = settings.data_dir / "work"
    work_root.mkdir(parents=True, exist_ok=True)
    drop_orphans(work_root, name, settings.data_dir / "dlt")
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work_root))
    try:
        pipeline = dlt.pipeline(
            pipeline_name=name,
            pipelines_dir=str(folder),
            destination=dlt.destinations.postgres(credentials=admin.url()),
            dataset_name=RAW_DATASET,
            progress="log",
        )
        pipeline.sync_destination()  # state and schema of the last committed load
        yield pipeline
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def drop_orphans(work_root: Path, name: str, legacy_dir: Path) -> None:
    """Remove working folders no live run owns: this pipeline's (we hold its lock), old ones."""
    now = time.time()
    for folder in work_root.iterdir():
        mine = folder.name.startswith(f"{name}-")
        try:
            stale = now - folder.stat().st_mtime > STALE_AFTER_S
        except FileNotFoundError:
            continue
        if mine or stale:
            log.warning(
                "dropped %s, the working folder of a run that did not finish; its state is "
                "restored from the warehouse and its uncommitted data reloads from the source",
                folder.name,
            )
            shutil.rmtree(folder, ignore_errors=True)
    pipeline_dir = legacy_dir / name
    if pipeline_dir.is_dir():  # the shared folder of earlier versions: a cache, never truth
        log.warning("dropped the shared dlt folder %s (state now lives in the warehouse)", name)
        shutil.rmtree(pipeline_dir, ignore_errors=True)
