"""Fitness ELT's Dagster definitions: assets, resources, jobs, schedules and sensors only.

The application they call (warehouse, inbox, web, notifications, admin) is the `fitelt` package.
"""

import fitelt  # noqa: F401  (its import switches every tool's telemetry off)
