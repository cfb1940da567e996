"""deploy/kubernetes/values.yaml for Dagster's Helm chart (dagster/dagster), checked offline.

The chart's JSON schema (values.schema.json) ships only with the chart, which no installed
package carries and nothing may download here, and there is no helm binary: `helm template` is
not run. Instead every key we set must be in CHART_KEYS, written down from the chart's schema
models (helm/dagster/schema/schema/charts/... in dagster-io/dagster, 1.13 line): a misspelt or
invented key fails here instead of being ignored by Helm. Free-form Kubernetes objects (env
entries, volumes, resources) are marked ANY.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from fitelt.cli.dagster_home import DAGSTER_YAML

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "deploy/kubernetes/values.yaml"
ANY = object()  # a Kubernetes object or a free-form map: its inner keys are not the chart's
IMAGE = {"repository": ANY, "tag": ANY, "pullPolicy": ANY}
K8S_LISTS = {"env", "envConfigMaps", "envSecrets", "volumes", "volumeMounts", "envVars"}
POD = {
    key: ANY
    for key in (
        "env", "envConfigMaps", "envSecrets", "annotations", "nodeSelector", "affinity",
        "tolerations", "podSecurityContext", "securityContext", "resources", "livenessProbe",
        "readinessProbe", "startupProbe", "labels", "volumeMounts", "volumes", "schedulerName",
    )
}  # fmt: skip
CHART_KEYS = {
    "global": {
        "postgresqlSecretName": ANY, "dagsterHome": ANY, "serviceAccountName": ANY,
        "celeryConfigSecretName": ANY, "dagsterInstanceConfigMap": ANY,
    },
    "generatePostgresqlPasswordSecret": ANY,
    "postgresql": {
        "enabled": ANY, "image": IMAGE, "postgresqlHost": ANY, "postgresqlUsername": ANY,
        "postgresqlPassword": ANY, "postgresqlDatabase": ANY, "postgresqlParams": ANY,
        "postgresqlScheme": ANY, "service": {"port": ANY},
    },
    "dagster-user-deployments": {
        "enabled": ANY, "enableSubchart": ANY, "imagePullSecrets": ANY,
        "deployments": [
            POD | {
                "name": ANY, "image": IMAGE, "port": ANY, "dagsterApiGrpcArgs": ANY,
                "codeServerArgs": ANY, "includeConfigInLaunchedRuns": {"enabled": ANY},
            }
        ],
    },
    "runLauncher": {
        "type": ANY,
        "config": {
            "k8sRunLauncher": {
                "image": IMAGE, "imagePullPolicy": ANY, "jobNamespace": ANY,
                "loadInclusterConfig": ANY, "kubeconfigFile": ANY, "envConfigMaps": ANY,
                "envSecrets": ANY, "envVars": ANY, "volumeMounts": ANY, "volumes": ANY,
                "labels": ANY, "failPodOnRunFailure": ANY, "resources": ANY,
                "schedulerName": ANY, "securityContext": ANY, "runK8sConfig": ANY,
            },
        },
    },
    "dagsterDaemon": POD | {
        "enabled": ANY, "image": IMAGE, "heartbeatTolerance": ANY, "deploymentLabels": ANY,
        "runMonitoring": ANY, "runRetries": ANY, "sensors": ANY, "schedules": ANY,
        "runCoordinator": {
            "enabled": ANY, "type": ANY,
            "config": {
                "queuedRunCoordinator": {
                    "maxConcurrentRuns": ANY, "dequeueIntervalSeconds": ANY,
                    "dequeueNumWorkers": ANY, "dequeueUseThreads": ANY,
                    "tagConcurrencyLimits": [
                        {"key": ANY, "limit": ANY, "value": ANY},
                    ],
                },
            },
        },
    },
    "dagsterWebserver": ANY, "computeLogManager": ANY, "telemetry": {"enabled": ANY},
    "imagePullSecrets": ANY, "serviceAccount": ANY, "pythonLogs": ANY, "retention": ANY,
    "additionalInstanceConfig": ANY,
}  # fmt: skip
# Keys of dagsterDaemon.runMonitoring / runRetries the chart's dagster.yaml template reads.
RUN_MONITORING = {
    "enabled", "startTimeoutSeconds", "cancelTimeoutSeconds", "maxResumeRunAttempts",
    "pollIntervalSeconds", "freeSlotsAfterRunEndSeconds",
}  # fmt: skip
RUN_RETRIES = {"enabled", "maxRetries"}


def unknown_keys(value: object, allowed: object, path: str = "") -> list[str]:
    if allowed is ANY:
        return []
    if isinstance(allowed, list):
        assert isinstance(value, list), path
        return [bad for item in value for bad in unknown_keys(item, allowed[0], path + "[]")]
    assert isinstance(value, dict) and isinstance(allowed, dict), path
    bad = [f"{path}.{key}".lstrip(".") for key in value if key not in allowed]
    for key, inner in value.items():
        if key in allowed:
            bad += unknown_keys(inner, allowed[key], f"{path}.{key}")
    return bad


def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def test_values_use_only_keys_of_the_chart_schema() -> None:
    ours = values()
    assert unknown_keys(ours, CHART_KEYS) == []
    daemon = ours["dagsterDaemon"]
    assert set(daemon["runMonitoring"]) <= RUN_MONITORING
    assert set(daemon["runRetries"]) <= RUN_RETRIES


def test_external_postgresql_with_the_password_in_a_secret() -> None:
    ours = values()
    assert ours["postgresql"]["enabled"] is False
    assert ours["postgresql"]["postgresqlHost"]
    assert "postgresqlPassword" not in ours["postgresql"]
    assert ours["generatePostgresqlPasswordSecret"] is False
    assert ours["global"]["postgresqlSecretName"]


def test_code_location_runs_our_definitions_and_runs_get_its_secrets_and_data() -> None:
    ours = values()
    (deployment,) = ours["dagster-user-deployments"]["deployments"]
    assert ours["dagster-user-deployments"]["enabled"] is True
    args = deployment["codeServerArgs"]
    assert args[args.index("--module-name") + 1] == "orchestration.definitions"
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    launcher = ours["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    k8s = launcher["config"]["k8sRunLauncher"]
    assert k8s["envSecrets"] == deployment["envSecrets"]
    assert k8s["volumes"] == deployment["volumes"]
    assert k8s["volumeMounts"] == deployment["volumeMounts"]
    assert {"name": "FITELT_DATA_DIR", "value": "/data"} in deployment["env"]
    assert "FITELT_DATA_DIR=/data" in k8s["envVars"]


def test_queue_mirrors_the_project_run_coordinator() -> None:
    project = yaml.safe_load(DAGSTER_YAML)
    queued = values()["dagsterDaemon"]["runCoordinator"]
    assert queued["enabled"] is True and queued["type"] == "QueuedRunCoordinator"
    config = queued["config"]["queuedRunCoordinator"]
    assert project["run_coordinator"]["class"] == "QueuedRunCoordinator"
    theirs = project["run_coordinator"]["config"]
    assert config["maxConcurrentRuns"] == theirs["max_concurrent_runs"]
    assert config["tagConcurrencyLimits"] == theirs["tag_concurrency_limits"]
    monitoring = values()["dagsterDaemon"]["runMonitoring"]
    assert monitoring["startTimeoutSeconds"] == project["run_monitoring"]["start_timeout_seconds"]
    assert (
        values()["dagsterDaemon"]["runRetries"]["maxRetries"]
        == (project["run_retries"]["max_retries"])
    )


def test_no_secret_value_in_the_values() -> None:
    text = VALUES.read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    keys = re.findall(r"^\s*-?\s*([\w-]+):", body, flags=re.MULTILINE)
    allowed = {"postgresqlSecretName", "generatePostgresqlPasswordSecret"}
    assert [key for key in keys if "password" in key.lower() and key not in allowed] == []


def test_pods_keep_nothing_on_disk_that_another_pod_needs() -> None:
    """Runs, the code server and the site have scratch folders; what lasts is in the store."""
    ours = values()
    (deployment,) = ours["dagster-user-deployments"]["deployments"]
    for volume in deployment["volumes"]:
        assert "emptyDir" in volume, f"{volume['name']}: a pod's folder must be scratch"
    site = list(yaml.safe_load_all((ROOT / "deploy/kubernetes/site.yaml").read_text()))
    (spec,) = [doc for doc in site if doc["kind"] == "Deployment"]
    pod = spec["spec"]["template"]["spec"]
    assert all("emptyDir" in volume for volume in pod["volumes"])
    (container,) = pod["containers"]
    assert {"secretRef": {"name": deployment["envSecrets"][0]["name"]}} in container["envFrom"]


def test_the_site_pod_runs_a_real_fitelt_command() -> None:
    from fitelt.cli.main import build_parser

    site = list(yaml.safe_load_all((ROOT / "deploy/kubernetes/site.yaml").read_text()))
    (spec,) = [doc for doc in site if doc["kind"] == "Deployment"]
    (container,) = spec["spec"]["template"]["spec"]["containers"]
    program, *args = container["command"]
    assert program == "fitelt"
    parsed = build_parser().parse_args(args)
    assert parsed.func.__name__ == "cmd_serve_site" and parsed.site_port == 3001
    (service,) = [doc for doc in site if doc["kind"] == "Service"]
    assert service["spec"]["selector"] == spec["spec"]["selector"]["matchLabels"]
