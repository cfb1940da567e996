"""Peak memory of a process and everything it starts, polled from /proc.

The root's own peak is exact (VmHWM, read until it exits); the tree's is the largest sum of
VmRSS over the root and its descendants seen at one poll (every POLL_S), so a spike shorter
than a poll can be missed there. Descendants' own peaks (VmHWM) are kept too.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

POLL_S = 0.1


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(raw[raw.rindex(b")") + 2 :].split()[1])
    return parents


def _kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in KiB; None once the process is gone (or a zombie)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = dict(line.split(":", 1) for line in lines if ":" in line)
    if "VmRSS" not in values:
        return None
    return int(values["VmRSS"].split()[0]), int(values["VmHWM"].split()[0])


class TreeMemory:
    def __init__(self, root: int) -> None:
        self.root = root
        self.tree_kib = 0
        self.hwm: dict[int, int] = {}  # pid → its VmHWM, last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="tree-memory", daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peaks(self) -> dict:
        """MB: the tree's largest sampled sum, the root's VmHWM, the largest other process."""
        others = [kib for pid, kib in self.hwm.items() if pid != self.root]
        return {
            "tree_mb": self.tree_kib / 1024,
            "main_mb": self.hwm.get(self.root, 0) / 1024,
            "child_mb": max(others, default=0) / 1024,
            "processes": len(self.hwm),
        }

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(POLL_S)

    def _sample(self) -> None:
        parents = _parents()
        children: dict[int, list[int]] = {}
        for pid, parent in parents.items():
            children.setdefault(parent, []).append(pid)
        total, todo = 0, [self.root]
        while todo:
            pid = todo.pop()
            todo += children.get(pid, [])
            sizes = _kib(pid)
            if sizes is None:
                continue
            total += sizes[0]
            self.hwm[pid] = max(self.hwm.get(pid, 0), sizes[1])
        self.tree_kib = max(self.tree_kib, total)
