"""Real-socket fakes of the vendor APIs the pipeline talks to (Withings, Strava, Sheets)."""

from .base import FakeServer, Fault, RecordedRequest, Response
from .sheets import FakeSheets, google_error, google_fault
from .strava import FakeStrava, make_strava_activity
from .withings import (
    FakeWithings,
    decode_measure,
    encode_measure,
    make_withings_groups,
    withings_envelope,
    withings_error,
)

__all__ = [
    "FakeServer",
    "FakeSheets",
    "FakeStrava",
    "FakeWithings",
    "Fault",
    "RecordedRequest",
    "Response",
    "decode_measure",
    "encode_measure",
    "google_error",
    "google_fault",
    "make_strava_activity",
    "make_withings_groups",
    "withings_envelope",
    "withings_error",
]
