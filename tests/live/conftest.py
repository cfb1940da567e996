"""Fixtures of the live-stream tests: an installation without live settings, an SMTP sink."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fitelt.warehouse import ConnInfo
from tests.fakes.smtp import SmtpSink
from tests.live.helpers import LIVE_VARS


@pytest.fixture
def live_env(fitelt_env: ConnInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnInfo]:
    """fitelt_env without any live-stream or SMTP setting from the developer's environment."""
    for name in list(os.environ):
        if name in LIVE_VARS or name.startswith(("FITELT_SMTP_", "FITELT_SENSOR_")):
            monkeypatch.delenv(name)
    yield fitelt_env


@pytest.fixture
def smtp_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A local SMTP server, configured as the installation's FITELT_SMTP_*."""
    with SmtpSink() as sink:
        monkeypatch.setenv("FITELT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FITELT_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("FITELT_SMTP_FROM", "fitelt@test.local")
        yield sink
