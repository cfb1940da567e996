"""Materialise assets in-process against the installation's Dagster instance."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import dagster as dg

log = logging.getLogger("fitelt")


def materialize(
    selection: str | None = None,
    *,
    instance: dg.DagsterInstance | None = None,
    resources: Mapping[str, Any] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run the selected assets (all by default) with their checks, logging what failed."""
    from orchestration.definitions import defs

    chosen = check_selection(selection)
    owned = instance is None
    active = instance or dg.DagsterInstance.get()
    try:
        result = dg.materialize(
            assets=list(defs.assets or []),
            selection=chosen,
            instance=active,
            resources={**(defs.resources or {}), **(resources or {})},
            raise_on_error=False,
            tags={"fitelt/trigger": "cli"},
        )
    finally:
        if owned:
            active.dispose()
    for event in result.all_events:
        if event.is_step_failure:
            log.error("step failed: %s", event.step_key)
    failed_checks = failed_check_names(result)
    for check in failed_checks:
        log.error("check failed: %s", check)
    ok = result.success and not failed_checks
    log.info("materialise %s: %s", selection or "all assets", "ok" if ok else "FAILED")
    return result


def check_selection(selection: str | None) -> dg.AssetSelection:
    """The parsed selection (all assets for None); ValueError when it is invalid or empty."""
    from orchestration.definitions import defs

    if selection is None:
        return dg.AssetSelection.all()
    try:
        chosen = dg.AssetSelection.from_string(selection)
        matched = chosen.resolve(defs.resolve_asset_graph())
    except Exception as exc:  # Dagster's parser raises its own error types
        raise ValueError(f"invalid asset selection {selection!r}: {exc}") from None
    if not matched:
        raise ValueError(f"asset selection {selection!r} matches no asset")
    return chosen


def failed_check_names(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]


def succeeded(result: dg.ExecuteInProcessResult) -> bool:
    return result.success and not failed_check_names(result)
