"""Copying an export into the inbox: hashed first (known content is not copied again), then
copied inside the kernel (local) or uploaded (remote), checked to be what was hashed.

A local copy is checked by the source's identity (inode, size, modification and change times)
before and after, as git and rsync check a file: a copy made by the kernel is not read by this
process, so it is not hashed a second time. An upload reads the file anyway and is hashed again.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from fitelt.storage import StoragePath

COPY_BLOCK = 1 << 20  # bytes read at a time to hash (or upload)


class ChangedWhileImported(ValueError):
    """The file changed between its checksum and its copy: nothing was stored."""


def sha256_rest(source: BinaryIO, head: bytes) -> str:
    """The checksum of the whole file: `head` (already read) and the rest of `source`."""
    digest = hashlib.sha256(head)
    buffer = bytearray(COPY_BLOCK)
    view = memoryview(buffer)
    while size := source.readinto(buffer):
        digest.update(view[:size])
    return digest.hexdigest()


def file_identity(status: os.stat_result) -> tuple[int, int, int, int]:
    return status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def unchanged(path: Path, before: tuple[int, ...], after: tuple[int, ...]) -> None:
    if before != after:
        raise ChangedWhileImported(f"{path}: changed while it was being imported: import it again")


def copy_local(fd: int, target: Path, path: Path, size: int) -> None:
    """Copy the open file `path` (`size` bytes) into `target` (a new file) inside the kernel:
    copy_file_range (a reflink where the file system has them), else sendfile, else read and
    write."""
    offset = 0
    # "x": never write into another drop's partial file
    with target.open("xb") as out:
        for copy in (_copy_file_range, _sendfile, _read_write):
            try:
                while offset < size and (sent := copy(fd, out.fileno(), offset, size - offset)):
                    offset += sent
                break
            except OSError as exc:  # not supported here (file systems, old kernels): next
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                    raise
    if offset != size:
        raise ChangedWhileImported(
            f"{path}: it shrank while it was being imported: import it again"
        )


def _copy_file_range(fd: int, out: int, offset: int, count: int) -> int:
    return os.copy_file_range(fd, out, min(count, 1 << 30), offset, offset)


def _sendfile(fd: int, out: int, offset: int, count: int) -> int:
    os.lseek(out, offset, os.SEEK_SET)
    return os.sendfile(out, fd, offset, min(count, 1 << 30))


def _read_write(fd: int, out: int, offset: int, count: int) -> int:
    block = os.pread(fd, min(count, COPY_BLOCK), offset)
    os.pwrite(out, block, offset)
    return len(block)


def upload(source: BinaryIO, target: StoragePath, sha: str, path: Path) -> None:
    """Write the file to a remote partial object, checking it is still what was hashed."""
    source.seek(0)
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for block in iter(lambda: source.read(COPY_BLOCK), b""):
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != sha:
        raise ChangedWhileImported(f"{path}: changed while it was being imported: import it again")
