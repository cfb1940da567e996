"""A decoder process: `python -m dlt_sources.activity_files.worker PARENT_PID LOG_LEVEL`.

It reads `DecodeJob`s from stdin and writes each job's `decoding.outcome` to stdout, one at a
time, as length-prefixed pickles (`write_frame` / `read_frame`), with the log records the
decoders emitted meanwhile (the reading process logs them again, in order). Its first frame
says it is ready (the decoders imported), so a process that cannot even start is told apart
from a file that kills it.

It never outlives the reading process: end of input (the reader closed the pipe, or died and
the kernel closed it) ends it, and a watchdog thread ends it as soon as its parent is gone
(re-parented), even in the middle of a long decode. Ctrl-C is for the reading process to
handle: this one ignores SIGINT (the terminal sends it to the whole process group).
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import struct
import sys
import threading
import time
from typing import IO, Any

HEADER = struct.Struct(">Q")
WATCH_S = 0.2  # how often the watchdog looks for its parent


def write_frame(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next message; EOFError when the other side closed the pipe (or died)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        raise EOFError("pipe closed")
    (size,) = HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("pipe closed mid-message")
    return pickle.loads(data)


class _Captured(logging.Handler):
    """The log records of the current job, as (logger name, level, message)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))

    def take(self) -> list[tuple[str, int, str]]:
        records, self.records = self.records, []
        return records


def _watch(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # the reading process is gone: nobody wants this decode any more
        time.sleep(WATCH_S)


def main(argv: list[str]) -> int:
    parent, level = int(argv[0]), int(argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch, args=(parent,), name="parent-watchdog", daemon=True).start()
    out = os.fdopen(os.dup(1), "wb")  # the results pipe; stray prints go to stderr instead
    os.dup2(2, 1)
    captured = _Captured()
    package = logging.getLogger("dlt_sources")
    package.addHandler(captured)
    package.setLevel(level)
    package.propagate = False

    from .decoding import outcome  # the decoders: a failure here is a failed start

    write_frame(out, ("ready", os.getpid()))
    source = sys.stdin.buffer
    while True:
        try:
            job = read_frame(source)
        except EOFError:
            return 0
        status, value = outcome(job)
        write_frame(out, (status, value, captured.take()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
