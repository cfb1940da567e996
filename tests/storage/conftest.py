"""An S3 API on 127.0.0.1: moto's server as a real process, one bucket per test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# moto accepts any credentials; these only have to be present (and are no one's secret).
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "fitelt-test",
    "AWS_SECRET_ACCESS_KEY": "fitelt-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a moto S3 server process (HTTP on 127.0.0.1), for the whole session."""
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"moto's S3 server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3_storage(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """FITELT_STORAGE_URL = a new bucket on the moto server (prefix `fitelt`)."""
    import fsspec

    bucket = f"fitelt-{uuid.uuid4().hex[:12]}"
    env = {**S3_ENV, "AWS_ENDPOINT_URL": s3_endpoint}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fsspec.filesystem("s3", skip_instance_cache=True).mkdir(bucket)
    url = f"s3://{bucket}/fitelt"
    monkeypatch.setenv("FITELT_STORAGE_URL", url)
    return url


def s3_keys(url: str) -> list[str]:
    """Every object key under `url` (relative to it), sorted: what the bucket really holds."""
    import fsspec

    fs = fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False)
    prefix = url.removeprefix("s3://").rstrip("/") + "/"
    return sorted(key[len(prefix) :] for key in fs.find(prefix))


def pod_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of one worker "pod": its own local folder, the shared storage."""
    env = {**os.environ, "FITELT_DATA_DIR": str(data_dir), **extra}
    env.pop("DAGSTER_HOME", None)
    return env
