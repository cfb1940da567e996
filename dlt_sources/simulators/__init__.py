"""Bundled simulators of the live-stream APIs (foot-pressure sensors, bike telemetry logs).

Standard library HTTP on a loopback address; `fitelt simulate …` runs one in the foreground and
`fitelt serve` embeds both when no real API is configured.
"""
