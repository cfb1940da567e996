"""The Dockerfile (not built here: no Docker engine) installs what every role needs.

Code server and run workers: the project, dbt, npm for the site build; webserver: the
dagster-webserver package; daemon: dagster-postgres and the run launchers (dagster-docker,
dagster-k8s) from deploy/requirements-containers.lock, at the versions requirements.lock pins.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"
CONTAINER_LOCK = ROOT / "deploy/requirements-containers.lock"


def pins(path: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s]+)", path.read_text(), flags=re.MULTILINE)
    return {name.lower(): version for name, version in found}


def test_container_lock_agrees_with_requirements_lock() -> None:
    base, extra = pins(LOCK), pins(CONTAINER_LOCK)
    differ = {n: (base[n], v) for n, v in extra.items() if n in base and base[n] != v}
    assert not differ, f"run `make lock-containers`: {differ}"
    assert extra["dagster-docker"] == extra["dagster-k8s"] == base["dagster-postgres"]
    assert extra["dagster"] == base["dagster"]


def test_image_installs_every_role() -> None:
    base = pins(LOCK)
    for package in ("dagster", "dagster-webserver", "dagster-postgres", "dbt-postgres"):
        assert package in base, package
    text = DOCKERFILE.read_text()
    install = re.search(r"uv pip install --system --no-cache (.+)", text).group(1)
    assert "-r requirements.lock" in install
    assert "-r deploy/requirements-containers.lock" in install
    assert "nodejs npm" in text  # the run worker builds the Evidence site
    assert "dbt parse" in text
    # The npm postinstall runs scripts/patch-duckdb-settings.mjs: it must be where it looks.
    package = (ROOT / "reports/package.json").read_text()
    script = re.search(r"postinstall\": \"node (\S+)\"", package).group(1)
    assert (ROOT / "reports" / script).is_file()
    folder = Path(script).parent
    assert f"COPY reports/{folder}/ reports/{folder}/" in text


def test_build_context_keeps_secrets_and_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".data/", ".venv/", "reports/node_modules/", ".git"):
        assert entry in ignored, entry
