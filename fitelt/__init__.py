"""Fitness ELT, the application: warehouse, inbox, web server and read API, notifications,
admin, site build and the `fitelt` command line. Imports nothing of Dagster; the Dagster
definitions live in `orchestration/` and call into this package.
"""

import os

# Offline by design: no usage telemetry from any tool, whichever process imports us first.
for _name, _value in {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_name, _value)
