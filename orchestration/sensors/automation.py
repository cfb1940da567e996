"""Declarative automation: assets with an automation condition (the report site, the forecast)
re-materialise when their inputs update, evaluated by this one sensor."""

import dagster as dg

automation_sensor = dg.AutomationConditionSensorDefinition(
    "fitelt_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
)
