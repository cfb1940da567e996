"""Materialise assets in-process against the installation's Dagster instance."""

from __future__ import annotations

import logging

import dagster as dg

log = logging.getLogger("fitelt")


def materialize(selection: str | None = None, instance: dg.DagsterInstance | None = None) -> bool:
    """Run the selected assets (all by default) with their checks; True when all succeeded."""
    from ..definitions import defs

    graph = defs.resolve_asset_graph()
    chosen = dg.AssetSelection.from_string(selection) if selection else dg.AssetSelection.all()
    keys = chosen.resolve(graph)
    if not keys:
        log.error("selection %r matches no asset", selection)
        return False
    job = defs.resolve_implicit_global_asset_job_def()
    with instance or dg.DagsterInstance.get() as active:
        result = job.execute_in_process(
            instance=active, asset_selection=sorted(keys, key=str), raise_on_error=False
        )
    failed = [event.step_key for event in result.all_events if event.is_step_failure]
    failed_checks = [
        evaluation.check_name
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed
    ]
    for step in failed:
        log.error("step failed: %s", step)
    for check in failed_checks:
        log.error("check failed: %s", check)
    log.info(
        "materialised %d asset(s): %s", len(keys), "ok" if result.success and not failed_checks else "FAILED"
    )
    return result.success and not failed_checks
