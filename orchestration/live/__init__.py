"""Live streams: foot-pressure sensors and bike telemetry, their alerts, report and read API.

`registry` lists what `definitions.py` adds: assets, jobs, schedules, sensors and resources.
"""
