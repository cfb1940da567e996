"""The process tree of one `fitelt serve`: its members found in /proc, stopped in order.

Members are the processes that descend from `fitelt serve`, share its process group, or carry
``FITELT_SERVE_ID=<id>`` in their environment (orphans re-parented to init keep it). `stop`
sends SIGINT, SIGTERM after a third of the grace time, SIGKILL at its end; code servers and the
resource tracker (LAST_TO_KILL) are killed LAST_KILL_S later, so that a code server can still
record the runs of its killed workers as failed.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("fitelt")

SERVE_ID_VAR = "FITELT_SERVE_ID"
GRACE_S = 20.0  # SIGINT, SIGTERM after a third of it, SIGKILL at the end
LAST_KILL_S = 5.0  # what code servers get after the rest to mark the killed runs failed
# Killed last: a code server marks the runs of its dead workers failed (a run left "started"
# would hold its source's concurrency slot for good); the tracker exits with its users.
LAST_TO_KILL = ("dagster api grpc", "dagster code-server", "multiprocessing.resource_tracker")
PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, process group, session) of a process, None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rindex(b")") + 2 :].split()  # the command name may contain spaces
    return fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[3])


def _has_marker(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:  # gone, or not ours to read
        return False


class ProcessTree:
    """The live processes started by one `fitelt serve` (itself excluded), found in /proc."""

    def __init__(self, serve_id: str, root: int | None = None, group: int | None = None) -> None:
        self.marker = f"{SERVE_ID_VAR}={serve_id}".encode()
        self.root = root  # the serve process: its descendants are members
        self.group = group  # the children's process group: its members are members

    def members(self) -> dict[int, str]:
        """pid → command line of every live member. Zombies are not processes any more, and a
        session leader has detached on purpose (the embedded PostgreSQL): neither is a member."""
        stats = {}
        if not PROC.is_dir():
            return {}
        for entry in os.scandir(PROC):
            if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[0] != "Z":
                stats[int(entry.name)] = stat
        children: dict[int, list[int]] = {}
        for pid, (_, ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        below: set[int] = set()
        todo = list(children.get(self.root, [])) if self.root else []
        while todo:  # descendants of the serve process
            pid = todo.pop()
            below.add(pid)
            todo.extend(children.get(pid, []))
        found = set()
        for pid, (_, _, pgrp, sid) in stats.items():
            if sid == pid or pid in (self.root, os.getpid()):
                continue
            if pid in below or pgrp == self.group or _has_marker(pid, self.marker):
                found.add(pid)
        return {pid: cmdline_of(pid) for pid in sorted(found)}

    def stop(
        self,
        grace: float = GRACE_S,
        force: threading.Event | None = None,
        reap: Iterable[subprocess.Popen] = (),
    ) -> dict[int, str]:
        """Stop every member: SIGINT, SIGTERM after grace/3, SIGKILL after grace (at once when
        `force` is set). Code servers only get the SIGINT, which makes them wait for their runs,
        and SIGKILL LAST_KILL_S after the others: they record the runs whose workers were killed
        as failed, then exit by themselves. Returns what was killed."""
        reap = list(reap)
        if not PROC.is_dir():
            return self._stop_group(grace, force, reap)
        start = time.monotonic()
        kill_at: float | None = None
        sent: dict[int, signal.Signals] = {}  # pid → last signal sent
        killed: dict[int, str] = {}
        while True:
            for child in reap:
                child.poll()  # our own children would stay zombies otherwise
            members = self.members()
            if not members:
                return killed
            now = time.monotonic()
            if kill_at is None and (now - start >= grace or (force and force.is_set())):
                kill_at = now
            for pid, cmd in members.items():
                last = _last(cmd)
                if kill_at is not None and now - kill_at >= (LAST_KILL_S if last else 0):
                    sig = signal.SIGKILL
                    killed[pid] = cmd
                elif not last and (kill_at is not None or now - start >= grace / 3):
                    sig = signal.SIGTERM
                else:  # a second interrupt would make a code server stop waiting for its runs
                    sig = signal.SIGINT
                if sent.get(pid) != sig:
                    _signal(pid, sig)
                    sent[pid] = sig
            if kill_at is not None and now - kill_at >= LAST_KILL_S + 5:
                log.error("still alive after SIGKILL: %s", members)
                return killed
            time.sleep(0.2)

    def _stop_group(
        self, grace: float, force: threading.Event | None, reap: list[subprocess.Popen]
    ) -> dict[int, str]:
        """Without /proc (not Linux): the same signals to the process group only."""
        start = time.monotonic()
        for sig, after in (
            (signal.SIGINT, 0.0),
            (signal.SIGTERM, grace / 3),
            (signal.SIGKILL, grace),
        ):
            while time.monotonic() - start < after and not (force and force.is_set()):
                if all(child.poll() is not None for child in reap) and not self._group_alive():
                    return {}
                time.sleep(0.2)
            if self.group and self._group_alive():
                os.killpg(self.group, sig)
        for child in reap:
            child.wait()
        return {self.group: "process group"} if self.group else {}

    def _group_alive(self) -> bool:
        if not self.group:
            return False
        try:
            os.killpg(self.group, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True


def label_of(cmdline: str) -> str:
    """A short name for a member: "dagster-daemon", "run worker", …"""
    if "multiprocessing.spawn" in cmdline:
        return "run worker"
    if "multiprocessing.resource_tracker" in cmdline:
        return "resource tracker"
    words = [Path(w).name for w in cmdline.split() if not w.startswith("-")]
    if words[:1] and words[0].startswith("python"):
        words = words[1:]
    return " ".join(words[:3]) if words[:1] == ["dagster"] else (words or ["?"])[0]


def _last(cmdline: str) -> bool:
    return any(part in cmdline for part in LAST_TO_KILL)


def cmdline_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
