"""Build the Evidence report site (``reports/``) and publish it atomically.

``build_site`` runs ``npm run sources`` (extract ``marts.*`` to parquet) and then
``npm run build:strict`` in the Evidence project, with the warehouse connection passed through
``EVIDENCE_SOURCE__warehouse__*`` environment variables. The finished ``reports/build`` is moved
to ``<site_root>/releases/<UTC timestamp>`` and ``<site_root>/current`` is swapped to it with
one ``os.replace`` of a symlink, so a server reading ``current`` never sees a half-built site.
The newest ``KEEP_RELEASES`` releases are kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

SOURCE_NAME = "warehouse"
CONN_KEYS = ("host", "port", "database", "user", "password")
ENV_PREFIX = f"EVIDENCE_SOURCE__{SOURCE_NAME}__"

KEEP_RELEASES = 3
MIN_SECRET_LEN = 4  # shorter passwords are placeholders, not masked in the build log
TAIL_LINES = 60

# Offline, `evidence sources` can hang instead of failing (a DuckDB extension download), so each
# step has a deadline; its whole process group is killed when it passes.
NPM_CI_TIMEOUT_S = 900.0
SOURCES_TIMEOUT_S = 600.0
BUILD_TIMEOUT_S = 1800.0

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# Lines worth quoting even when later output (npm's usage text, stack traces) pushes them out
# of the tail.
_NOTABLE = re.compile(r"error|\berr!|✖|\[ ! \]|failed|exception", re.IGNORECASE)
NOTABLE_LINES = 25
RELEASE_NAME = re.compile(r"^\d{8}T\d{12}Z(-\d+)?$")


class ReportBuildError(RuntimeError):
    """A step of the report build failed; the message ends with the tail of its output."""

    def __init__(self, message: str, *, step: str = "", output_tail: str = "") -> None:
        full = f"{message}\n--- last output of {step or 'the step'} ---\n{output_tail}".rstrip()
        super().__init__(full if output_tail else message)
        self.step = step
        self.output_tail = output_tail


def build_site(
    conn: dict[str, str], site_root: Path, reports_dir: Path, log: logging.Logger
) -> Path:
    """Extract sources, build the Evidence site strictly and publish it under ``site_root``.

    ``conn`` has the keys host, port, database, user, password (host may be a unix-socket
    directory). Returns the published release directory. Raises ``ReportBuildError`` with
    Evidence's own output (tail) when a step fails; ``current`` is left untouched then.
    """
    missing = [key for key in CONN_KEYS if key not in conn]
    if missing:
        raise ReportBuildError(f"connection settings lack {', '.join(missing)}")
    reports_dir = Path(reports_dir).resolve()
    site_root = Path(site_root).resolve()
    if not (reports_dir / "package.json").is_file():
        raise ReportBuildError(f"{reports_dir} is not the Evidence project (no package.json)")

    env = _evidence_env(conn)
    secret = str(conn.get("password") or "")
    if len(secret) < MIN_SECRET_LEN:
        # A placeholder (trust auth takes any password, e.g. "x"): masking it would garble
        # every word of the log that contains the letter.
        secret = ""

    def step(cmd: list[str], name: str, timeout_s: float) -> None:
        _run(cmd, reports_dir, env, log, name, timeout_s, secret)

    with _locked(reports_dir / ".evidence" / "fitelt-build.lock"):
        if _needs_npm_ci(reports_dir):
            log.info("report: node_modules missing or older than package-lock.json; npm ci")
            step(
                ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
                "npm ci",
                NPM_CI_TIMEOUT_S,
            )
        _reset_evidence_state(reports_dir)
        step(["npm", "run", "sources", "--", "--strict"], "npm run sources", SOURCES_TIMEOUT_S)
        _repair_empty_parquet(reports_dir / ".evidence" / "template" / "static" / "data", log)
        step(["npm", "run", "build:strict"], "npm run build:strict", BUILD_TIMEOUT_S)
        build_dir = reports_dir / "build"
        if not (build_dir / "index.html").is_file():
            raise ReportBuildError(
                f"npm run build:strict succeeded but {build_dir}/index.html is missing"
            )
        release = publish_release(build_dir, site_root, log)
    return release


def _evidence_env(conn: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_SOURCE__")}
    # The route maps draw the track alone unless a basemap is configured (off: no tile server).
    # Vite hands only VITE_* variables to page code, so ours are passed on under that prefix.
    for name in ("FITELT_SITE_BASEMAP_URL", "FITELT_SITE_BASEMAP_ATTRIBUTION"):
        env.pop(f"VITE_{name}", None)
        if os.environ.get(name):
            env[f"VITE_{name}"] = os.environ[name]
    for key in CONN_KEYS:
        env[ENV_PREFIX + key] = str(conn[key])
    env.update(
        {
            # Telemetry: evidence.settings.json in reports/ is what really turns it off;
            # the variable covers code paths that read no settings file.
            "SEND_ANONYMOUS_USAGE_STATS": "no",
            "NO_COLOR": "1",
            "FORCE_COLOR": "0",
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
        }
    )
    return env


def _needs_npm_ci(reports_dir: Path) -> bool:
    lock = reports_dir / "package-lock.json"
    installed = reports_dir / "node_modules" / ".package-lock.json"  # written by every install
    evidence_bin = reports_dir / "node_modules" / ".bin" / "evidence"
    if not installed.is_file() or not evidence_bin.exists():
        return True
    return lock.is_file() and installed.stat().st_mtime < lock.stat().st_mtime


def _reset_evidence_state(reports_dir: Path) -> None:
    """Start each build clean: no stale output, parquet or query cache.

    Evidence copies its output *into* ``build/`` (stale files would survive), and a crashed
    ``evidence sources`` leaves an empty query-cache JSON that fails every later run.
    """
    for stale in (
        reports_dir / "build",
        reports_dir / ".evidence" / "meta",
        reports_dir / ".evidence" / "template" / "static" / "data",
    ):
        shutil.rmtree(stale, ignore_errors=True)


def _repair_empty_parquet(data_dir: Path, log: logging.Logger) -> None:
    """Write the parquet files Evidence skips for 0-row source queries.

    Evidence 40.1.8 lists a source query that returned no rows (e.g. a fresh install before
    the first weigh-in) in its manifest but writes no parquet file for it, and the build then
    dies with "too small to be a Parquet file". Write a valid 0-row file with the columns of
    its ``.schema.json`` (the types Evidence writes: VARCHAR, DOUBLE, BOOLEAN, TIMESTAMP), so
    the pages can show their empty states instead.
    """
    manifest = data_dir / "manifest.json"
    try:
        rendered = json.loads(manifest.read_text())["renderedFiles"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportBuildError(f"npm run sources wrote no readable {manifest}: {exc}") from exc
    wanted = [
        data_dir / url.split("static/data/", 1)[-1]
        for files in rendered.values()
        for url in files
        if url.endswith(".parquet")
    ]
    missing = [p for p in wanted if not p.is_file() or p.stat().st_size == 0]
    if not missing:
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "string": pa.string(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.timestamp("us"),
    }
    for parquet in missing:
        schema_file = parquet.with_name(parquet.name.removesuffix(".parquet") + ".schema.json")
        try:
            columns = json.loads(schema_file.read_text())
            schema = pa.schema(
                [(c["name"], types.get(c.get("evidenceType"), pa.string())) for c in columns]
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReportBuildError(
                f"source query {parquet.stem} returned no rows and its schema is unreadable: {exc}"
            ) from exc
        parquet.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(schema.empty_table(), parquet)
        log.info("report: source query %s returned no rows; wrote an empty table", parquet.stem)


def _run(
    cmd: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    log: logging.Logger,
    step: str,
    timeout_s: float,
    secret: str,
) -> None:
    """Run ``cmd``, streaming each output line to ``log.info``; raise on failure or timeout."""

    def clean(line: str) -> str:
        line = _ANSI.sub("", line).rstrip()
        return line.replace(secret, "***") if secret else line

    log.info("report: running %s (in %s)", " ".join(cmd), cwd)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    notable: list[str] = []
    started = datetime.now(UTC)
    try:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # own process group, so a timeout kills npm's children too
        )
    except OSError as exc:
        raise ReportBuildError(f"{step}: cannot start {cmd[0]}: {exc}", step=step) from exc

    timed_out = threading.Event()

    def kill_group() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)

    timer = threading.Timer(timeout_s, kill_group)
    timer.daemon = True
    timer.start()
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = clean(raw)
            if line:
                tail.append(line)
                if len(notable) < NOTABLE_LINES and _NOTABLE.search(line):
                    notable.append(line)
                log.info("[%s] %s", step, line)
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            kill_group()
            proc.wait()
    seconds = (datetime.now(UTC) - started).total_seconds()
    if timed_out.is_set() or code != 0:
        what = (
            f"timed out after {timeout_s:.0f} s"
            if timed_out.is_set()
            else (f"failed with exit code {code} after {seconds:.1f} s")
        )
        early = [line for line in notable if line not in tail]
        output = "\n".join(tail)
        if early:
            output = "\n".join([*early, "[...]", output])
        raise ReportBuildError(f"{step} {what}", step=step, output_tail=output)
    log.info("report: %s finished in %.1f s", step, seconds)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_release(
    build_dir: Path, site_root: Path, log: logging.Logger, *, name: str | None = None
) -> Path:
    """Move a built site into ``site_root/releases`` and point ``current`` at it (under the
    publish lock); ``name``: the release's name (default: now, UTC)."""
    site_root.mkdir(parents=True, exist_ok=True)
    with _locked(site_root / ".publish.lock"):
        return _publish(build_dir, site_root, log, name)


def _publish(build_dir: Path, site_root: Path, log: logging.Logger, given: str | None) -> Path:
    releases = site_root / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    current = site_root / "current"
    if current.exists() and not current.is_symlink():
        raise ReportBuildError(f"{current} exists and is not a symlink; refusing to replace it")

    base = given or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name, n = base, 0
    while (releases / name).exists():
        n += 1
        name = f"{base}-{n}"
    staging = releases / f".staging-{name}"
    final = releases / name
    try:
        shutil.move(str(build_dir), str(staging))  # a rename when on the same filesystem
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    link_tmp = site_root / f".current-{secrets.token_hex(6)}"
    try:
        os.symlink(Path("releases") / name, link_tmp)  # relative: site_root stays movable
        os.replace(link_tmp, current)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            link_tmp.unlink()
        raise
    log.info("report: published %s (current -> releases/%s)", final, name)
    _prune(releases, keep=KEEP_RELEASES, current=final, log=log)
    return final


def _prune(releases: Path, keep: int, current: Path, log: logging.Logger) -> None:
    names = sorted(p.name for p in releases.iterdir() if RELEASE_NAME.match(p.name))
    for name in names[:-keep] if keep > 0 else names:
        path = releases / name
        if path == current:
            continue
        shutil.rmtree(path, ignore_errors=True)
        log.info("report: removed old release %s", path)
    for leftover in releases.glob(".staging-*"):  # from a publish that was killed midway
        shutil.rmtree(leftover, ignore_errors=True)
