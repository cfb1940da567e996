"""A bounded pool of decoder processes (`worker.py`) for the activity files of one run.

Each worker is a fresh interpreter (`python -m dlt_sources.activity_files.worker`, exec'd like
multiprocessing's 'spawn': nothing of the reading process is forked, not its database
connections, not its threads) that decodes one job at a time; a thread of the reading process
feeds it and waits for its answer. One job per worker means a worker that dies (a decoder
crash, the kernel's OOM killer) is known to have died on that job: the job is tried once more
in a fresh worker, and fails alone when that one dies too. Workers that cannot start at all
do not fail any file: their jobs come back `unavailable` and are decoded in-process.

Workers die with the reading process: `close` ends them (end of input, SIGKILL for a busy
one or after CLOSE_WAIT_S), an interpreter that exits without `close` kills them, and one
that is killed outright (SIGKILL) closes their input and re-parents them, which each notices.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import Any

from .decoding import DecodeJob
from .settings import CLOSE_WAIT_S, DECODE_WORKERS, WORKER_MARKER, WORKERS_VARIABLE
from .worker import read_frame, write_frame

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # holds the dlt_sources package
Result = tuple[str, Any, list[tuple[str, int, str]]]  # (status, tables or reason, log records)


def decode_workers(setting: int | None = None) -> int:
    """Decoder processes for a run: the setting (FITELT_DECODE_WORKERS, else DECODE_WORKERS)
    capped by the CPUs this process may use; 1 or less means decoding in-process."""
    if setting is None:
        raw = os.environ.get(WORKERS_VARIABLE) or str(DECODE_WORKERS)
        if not raw.strip().isdigit():
            raise ValueError(f"{WORKERS_VARIABLE} must be a whole number, not {raw!r}")
        setting = int(raw)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, setting))


class WorkerGone(Exception):
    """The decoder process ended (or never started); the message says how."""


class Pending:
    """A submitted job; `wait` gives its result once a worker sent it."""

    def __init__(self, job: DecodeJob) -> None:
        self.job = job
        self._done = threading.Event()
        self._result: Result | None = None

    def resolve(self, result: Result) -> None:
        self._result = result
        self._done.set()

    def wait(self) -> Result:
        self._done.wait()
        assert self._result is not None
        return self._result


class _Worker:
    def __init__(self, level: int) -> None:
        env = dict(os.environ)
        env[WORKER_MARKER] = str(os.getpid())
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                          env.get("PYTHONPATH")]))  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"{__package__}.worker", str(os.getpid()), str(level)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        try:
            hello = self._receive()
        finally:
            if self.process.poll() is not None:
                self.kill()  # reaped, pipes closed
        if not (isinstance(hello, tuple) and hello[0] == "ready"):
            self.kill()
            raise WorkerGone(f"decoder process sent {hello!r} instead of ready")

    def run(self, job: DecodeJob) -> Result:
        try:
            write_frame(self.process.stdin, job)
        except OSError as exc:
            raise WorkerGone(self._ended()) from exc
        return self._receive()

    def _receive(self) -> Any:
        try:
            return read_frame(self.process.stdout)
        except (EOFError, OSError) as exc:
            raise WorkerGone(self._ended()) from exc

    def _ended(self) -> str:
        try:
            code = self.process.wait(timeout=CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            return "the decoder process stopped answering"
        if code < 0:
            try:
                return f"the decoder process was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"the decoder process was killed by signal {-code}"
        return f"the decoder process exited with code {code}"

    def stop(self) -> None:
        """End of input, then the process ends; killed if it does not within CLOSE_WAIT_S."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=CLOSE_WAIT_S)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def kill(self) -> None:
        _kill(self.process)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()


def _kill_all(processes: set[subprocess.Popen]) -> None:
    for process in list(processes):
        _kill(process)


class DecodePool:
    """`workers` decoder processes, started now (in the background); jobs served in turn."""

    def __init__(self, workers: int, level: int = logging.INFO) -> None:
        self._level = level
        self._jobs: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closing = False
        self._serving = workers  # threads whose worker is up or starting
        self.unavailable: str | None = None  # why no worker could start
        self._busy: dict[int, _Worker] = {}  # thread ident → its worker while on a job
        self._processes: set[subprocess.Popen] = set()
        self._finalizer = weakref.finalize(self, _kill_all, self._processes)
        self._threads = [
            threading.Thread(target=self._serve, name=f"decoder-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: DecodeJob) -> Pending:
        pending = Pending(job)
        with self._lock:
            if self.unavailable is None and not self._closing:
                self._jobs.put(pending)
                return pending
        pending.resolve(("unavailable", self.unavailable, []))
        return pending

    def close(self) -> None:
        """Stop every worker: idle ones at once, a busy one (a job nobody waits for) killed."""
        with self._lock:
            self._closing = True
            busy = list(self._busy.values())
        for worker in busy:  # its thread sees the end of the pipe, reaps it and stops
            worker.process.kill()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=2 * CLOSE_WAIT_S)
        self._finalizer()  # whatever is still running

    def pids(self) -> list[int]:
        return [p.pid for p in list(self._processes) if p.poll() is None]

    def _serve(self) -> None:
        worker = self._start()
        while worker is not None:
            pending = self._jobs.get()
            if pending is None:
                worker.stop()
                self._processes.discard(worker.process)
                return
            if self._closing:  # queued before `close`: nobody waits for it any more
                pending.resolve(("unavailable", "the pool is closing", []))
                continue
            worker = self._run(worker, pending)

    def _run(self, worker: _Worker, pending: Pending) -> _Worker | None:
        """Serve one job; the worker to go on with (a fresh one when this one died)."""
        ident, reason = threading.get_ident(), ""
        for attempt in (1, 2):
            self._busy[ident] = worker
            try:
                result = worker.run(pending.job)
            except WorkerGone as exc:
                reason = str(exc)
            except Exception as exc:  # not the decoder's doing: the reader decodes it itself
                log.exception("decoder pool: %s", pending.job.version.source_file)
                self._retire(worker)
                pending.resolve(("unavailable", f"{type(exc).__name__}: {exc}", []))
                return self._start()
            else:
                pending.resolve(result)
                return worker
            finally:
                self._busy.pop(ident, None)
            self._retire(worker)
            if self._closing:
                pending.resolve(("unavailable", reason, []))
                return None
            log.warning("%s while decoding %s%s", reason, pending.job.version.source_file,
                        "; trying it once more" if attempt == 1 else "")  # fmt: skip
            worker = self._start()
            if worker is None:
                pending.resolve(("unavailable", reason, []))
                return None
        pending.resolve(("failed", f"{reason} twice while decoding it", []))
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.kill()  # reaped, pipes closed
        self._processes.discard(worker.process)

    def _start(self) -> _Worker | None:
        """A ready worker; None (and this thread stops serving) when it cannot start."""
        try:
            if self._closing:
                raise WorkerGone("the pool is closing")
            worker = _Worker(self._level)
        except (WorkerGone, OSError) as exc:
            self._stop_serving(str(exc))
            return None
        self._processes.add(worker.process)
        if self._closing:
            worker.kill()
            return None
        return worker

    def _stop_serving(self, reason: str) -> None:
        with self._lock:
            self._serving -= 1
            if self._serving or self._closing:
                return
            self.unavailable = f"no decoder process could start ({reason})"
        log.warning("%s: decoding in-process", self.unavailable)
        while True:  # nobody serves the queue any more: hand its jobs back
            try:
                pending = self._jobs.get_nowait()
            except queue.Empty:
                return
            if pending is not None:
                pending.resolve(("unavailable", self.unavailable, []))
