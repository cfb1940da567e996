"""Show a source's own `logging` lines (progress, quarantine counts, rate limits) in the run log.

dlt sources log with the standard library, knowing nothing of Dagster; while an asset runs,
their records are forwarded to `context.log` so they appear in the Dagster UI with the run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


class _ToRunLog(logging.Handler):
    def __init__(self, run_log: logging.Logger) -> None:
        super().__init__(level=logging.INFO)
        self._run_log = run_log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._run_log.log(record.levelno, "%s: %s", record.name, record.getMessage())
        except Exception:  # a logging failure must never fail the load
            self.handleError(record)


@contextmanager
def source_logs_in_run_log(context: dg.AssetExecutionContext, *logger_names: str) -> Iterator[None]:
    """Forward INFO+ records of `logger_names` (and their children) to the run log."""
    handler = _ToRunLog(context.log)
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:  # e.g. a run worker's WARNING root
            logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
