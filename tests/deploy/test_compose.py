"""docker-compose.yml and its Docker-launcher overlay, checked offline.

`docker-compose config -q` (Debian's docker-compose 1.29, installed by `make install-compose`)
parses, interpolates and validates both against the Compose schema; no Docker engine is needed.
The rest is static: what the files pass is documented, no secret value is written in them, the
Dagster instance files validate against Dagster's own config schema and agree with the instance
`fitelt serve` writes, and the workspace points at the code-server service.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fitelt.cli.dagster_home import CODE_LOCATION, DAGSTER_YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
OVERLAY = ROOT / "docker-compose.docker-launcher.yml"
INSTANCE = ROOT / "deploy/compose/instance/dagster.yaml"
DOCKER_INSTANCE = ROOT / "deploy/compose/docker-launcher/dagster.yaml"
WORKSPACE = ROOT / "deploy/compose/workspace.yaml"
IMAGE_ROOT = "/app/"  # WORKDIR of the Dockerfile: the checkout is copied there

# Values the test's .env gives the variables docker-compose requires (`${VAR:?…}`).
REQUIRED = {"POSTGRES_PASSWORD": "compose-check", "FITELT_SITE_PASSWORD": "compose-check"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|API_KEY")
# DockerRunLauncher's config keys in dagster-docker 0.29 (image, registry, network from its own
# schema; networks, env_vars, container_kwargs from the shared Docker config).
DOCKER_LAUNCHER_KEYS = {"image", "registry", "network", "networks", "env_vars", "container_kwargs"}


def env_example_keys() -> list[str]:
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def compose_in(tmp_path: Path, env: dict[str, str]) -> Path:
    """A copy of what `docker-compose config` reads, with a .env made from .env.example."""
    for name in (COMPOSE, OVERLAY, ROOT / "Dockerfile"):
        shutil.copy(name, tmp_path / name.name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    values = {key: "" for key in env_example_keys()} | env
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return tmp_path


def docker_compose(cwd: Path, *files: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose is missing: run `make install-compose` (Debian's package)")
    args = [exe]
    for f in files:
        args += ["-f", f.name]
    return subprocess.run(
        [*args, "config", "-q"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("files", [(COMPOSE,), (COMPOSE, OVERLAY)], ids=["compose", "overlay"])
def test_compose_files_validate_offline(tmp_path: Path, files: tuple[Path, ...]) -> None:
    result = docker_compose(compose_in(tmp_path, REQUIRED), *files)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_run_without_its_secrets(tmp_path: Path, missing: str) -> None:
    env = {k: v for k, v in REQUIRED.items() if k != missing}
    result = docker_compose(compose_in(tmp_path, env), COMPOSE)
    assert result.returncode != 0
    assert missing in result.stderr


def services(path: Path) -> dict[str, dict]:
    return yaml.safe_load(path.read_text())["services"]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def test_every_variable_passed_or_interpolated_is_documented() -> None:
    documented = (ROOT / "README.md").read_text() + (ROOT / ".env.example").read_text()
    undocumented = set()
    for path in (COMPOSE, OVERLAY):
        for service in services(path).values():
            for key in environment(service):
                if not key.startswith("POSTGRES_") and key not in documented:
                    undocumented.add(key)
        for key in re.findall(r"\$\{([A-Z][A-Z0-9_]*)", path.read_text()):
            if key not in documented:
                undocumented.add(key)
    assert not undocumented, f"document these in README.md or .env.example: {undocumented}"


def test_no_secret_value_is_written_in_the_deployment_files() -> None:
    for path in (COMPOSE, OVERLAY):
        for name, service in services(path).items():
            if "env_file" in service:
                assert service["env_file"] == ".env", name
            for key, value in environment(service).items():
                if SECRET_NAME.search(key):
                    assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", value), (name, key, value)
                for password in re.findall(r"://[^:/@\s]+:([^@\s]*)@", value):
                    assert password.startswith("${"), (name, key, "password in a URL")
    for path in (COMPOSE, OVERLAY, INSTANCE, DOCKER_INSTANCE, WORKSPACE):
        text = "\n".join(line.split(" #")[0] for line in path.read_text().splitlines())
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert not re.search(r"(?i)password\w*\s*[:=]\s*(?!\$\{)['\"]?\w", text), path


def instance(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def class_config_errors(section: dict) -> list[str]:
    """Dagster's validation of a configurable class's config (as the instance does at start)."""
    from dagster._config import process_config, resolve_to_config_type

    module = section["module"].replace("dagster.core", "dagster._core", 1)  # legacy alias
    cls = getattr(importlib.import_module(module), section["class"])
    result = process_config(resolve_to_config_type(cls.config_type()), section.get("config", {}))
    return [error.message for error in result.errors or []]


@pytest.mark.parametrize("path", [INSTANCE, DOCKER_INSTANCE], ids=["instance", "docker-launcher"])
def test_instance_config_validates_against_dagster(tmp_path: Path, path: Path) -> None:
    from dagster._core.instance.config import dagster_instance_config

    shutil.copy(path, tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))  # raises on any unknown or mistyped key
    assert "postgres" in config["storage"]
    for key in ("run_coordinator", "local_artifact_storage", "compute_logs"):
        assert class_config_errors(config[key]) == [], key


def test_instance_matches_what_fitelt_serve_writes() -> None:
    ours, fitelt = instance(INSTANCE), yaml.safe_load(DAGSTER_YAML)
    assert {k: v for k, v in ours.items() if k in fitelt} == fitelt
    docker = instance(DOCKER_INSTANCE)
    assert {k: v for k, v in docker.items() if k != "run_launcher"} == ours


def test_docker_launcher_shares_network_volume_and_environment() -> None:
    launcher = instance(DOCKER_INSTANCE)["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_docker", "DockerRunLauncher")
    config = launcher["config"]
    try:
        import dagster_docker  # noqa: F401  (in the image: deploy/requirements-containers.lock)
    except ImportError:
        assert set(config) <= DOCKER_LAUNCHER_KEYS, set(config) - DOCKER_LAUNCHER_KEYS
    else:
        assert class_config_errors(launcher) == []
    compose = yaml.safe_load(COMPOSE.read_text())
    assert config["network"] in {(n or {}).get("name", k) for k, n in compose["networks"].items()}
    volume_names = {(v or {}).get("name", k): k for k, v in compose["volumes"].items()}
    app_mount = next(m for m in services(COMPOSE)["code-server"]["volumes"] if m.endswith(":/data"))
    for mount in config["container_kwargs"]["volumes"]:
        name, target = mount.split(":")[:2]
        assert volume_names.get(name) == app_mount.split(":")[0] and target == "/data", mount
    forwarded = set(config["env_vars"])
    missing = set(env_example_keys()) - forwarded - {"POSTGRES_PASSWORD"}
    assert not missing, (
        f"run containers would not see {sorted(missing)}: add them to env_vars in {DOCKER_INSTANCE}"
    )
    known = set(env_example_keys()) | set(environment(services(COMPOSE)["code-server"]))
    assert forwarded <= known, forwarded - known


def test_workspace_points_at_the_code_server_service() -> None:
    (entry,) = yaml.safe_load(WORKSPACE.read_text())["load_from"]
    server = entry["grpc_server"]
    code_server = services(COMPOSE)[server["host"]]
    command = code_server["command"]
    assert command[:3] == ["dagster", "code-server", "start"]
    assert command[command.index("--port") + 1] == str(server["port"])
    assert command[command.index("--location-name") + 1] == server["location_name"]
    assert server["location_name"] == CODE_LOCATION  # history and schedule state carry over
    assert command[command.index("--module-name") + 1] == "orchestration.definitions"


def test_files_the_services_name_in_the_image_exist() -> None:
    named = set()
    for path in (COMPOSE, OVERLAY):
        named |= set(re.findall(rf"{IMAGE_ROOT}[\w./-]+", path.read_text()))
    assert named
    for in_image in named:
        local = ROOT / in_image.removeprefix(IMAGE_ROOT)
        assert local.exists(), in_image
        if local.is_dir():  # a DAGSTER_HOME
            assert (local / "dagster.yaml").is_file(), in_image
