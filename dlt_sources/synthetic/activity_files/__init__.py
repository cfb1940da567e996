"""Real activity files (FIT, TCX, GPX, a Strava bulk-export zip) for the sample athlete's runs.

Each run dict of `simulate_athlete` becomes a second-by-second `Track` (positions, distance,
speed, altitude, heart rate with an optional sensor gap, cadence, power on rides, pauses, 1 km
laps), drawn from a generator seeded by (seed, run index): the same run always gives the same
bytes. Files are written by real encoders: FIT by Garmin's SDK (`garmin_fit_sdk.Encoder`),
GPX by gpxpy, TCX by lxml. The decoder (fitdecode) is a different library.
"""

from .fit import fit_bytes, non_activity_fit_bytes, write_fit
from .sample import write_bulk_archive, write_sample_activity_files
from .track import Track, build_track
from .xml_files import gpx_bytes, tcx_bytes, write_gpx, write_tcx

__all__ = [
    "Track",
    "build_track",
    "fit_bytes",
    "gpx_bytes",
    "non_activity_fit_bytes",
    "tcx_bytes",
    "write_bulk_archive",
    "write_fit",
    "write_gpx",
    "write_sample_activity_files",
    "write_tcx",
]
