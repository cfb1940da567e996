"""Where the inbox, archive, rejected files, models and site releases live: one URL.

`FITELT_STORAGE_URL` is a local folder (the default: the data folder) or any fsspec URL, e.g.
`s3://bucket/prefix`. A local root is a `pathlib.Path`; a remote one a `upath.UPath`, which
speaks the same path API (`/`, `glob`, `open`, `stat`, `read_text` …) over fsspec, so the code
that stores files is the same for both. The few operations whose semantics differ (moving a
file, removing a tree, reading a stored file as a local one) are here.

Credentials are fsspec's own: for S3 the standard `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
`AWS_DEFAULT_REGION` and, for MinIO or another S3 API, `AWS_ENDPOINT_URL`. They are never part
of the URL, so they never reach a log line.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from upath import UPath

    StoragePath: TypeAlias = Path | UPath
else:
    StoragePath: TypeAlias = Path

log = logging.getLogger(__name__)

LOCAL_SCHEMES = ("", "file", "local")


class StorageUrlError(ValueError):
    """FITELT_STORAGE_URL cannot be used; the message says why."""


def storage_root(url: str | None, default: Path) -> StoragePath:
    """The storage root for `url` (None or empty: `default`, a local folder)."""
    if not url:
        return default
    scheme = urlsplit(url).scheme
    if len(scheme) <= 1 or scheme in LOCAL_SCHEMES:  # "C:" is a drive, not a scheme
        local = url.removeprefix("file://").removeprefix("local://")
        return Path(local).expanduser().resolve()
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise StorageUrlError(
            "FITELT_STORAGE_URL holds credentials: give them in the environment "
            "(e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), not in the URL"
        )
    try:
        from upath import UPath

        # Listings are not cached: another worker may have moved a file since the last one.
        return UPath(url, use_listings_cache=False)
    except (ImportError, ValueError) as exc:
        raise StorageUrlError(f"FITELT_STORAGE_URL {url!r}: {exc}") from exc


def is_local(path: StoragePath) -> bool:
    return isinstance(path, Path)


def describe(path: StoragePath) -> str:
    """The location for a message (a URL holds no credentials: `storage_root` refuses them)."""
    return str(path)


def move(source: StoragePath, target: StoragePath) -> StoragePath:
    """Move one file; the target's folder is made. Local: a rename. Remote: copy, then delete.

    On an object store the copy is complete or absent, and the source is deleted only after
    it: a move cut short leaves the file in both places, never in neither (content-addressed
    names make the two copies the same bytes).
    """
    if is_local(source) and is_local(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        return target
    if is_local(source):  # a local inbox (FITELT_INBOX_DIR) into remote storage
        target.fs.put_file(str(source), target.path)  # type: ignore[union-attr]
        source.unlink()
    elif is_local(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        source.fs.get_file(source.path, str(target))  # type: ignore[union-attr]
        source.fs.rm_file(source.path)  # type: ignore[union-attr]
    else:
        source.fs.copy(source.path, target.path)  # type: ignore[union-attr]
        source.fs.rm_file(source.path)  # type: ignore[union-attr]
    return target


def remove_tree(path: StoragePath) -> bool:
    """Delete a folder (prefix) and everything under it; False when there was none."""
    if is_local(path):
        if not path.is_dir():
            return False
        shutil.rmtree(path)
        return True
    fs = path.fs  # type: ignore[union-attr]
    found = fs.find(path.path)  # type: ignore[union-attr]
    if found:
        fs.rm(found)
    return bool(found)


@contextmanager
def local_file(path: StoragePath, folder: Path) -> Iterator[Path]:
    """`path` as a local file: itself when local, else a download into `folder`, removed after."""
    if is_local(path):
        yield path
        return
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / path.name
    path.fs.get_file(path.path, str(copy))  # type: ignore[union-attr]
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def upload_tree(local: Path, target: StoragePath) -> None:
    """Copy a local folder's files under `target` (a remote prefix or a local folder)."""
    if is_local(target):
        shutil.copytree(local, target, dirs_exist_ok=True)
        return
    fs = target.fs  # type: ignore[union-attr]
    for file in sorted(p for p in local.rglob("*") if p.is_file()):
        fs.put_file(str(file), (target / file.relative_to(local).as_posix()).path)


def download_tree(source: StoragePath, local: Path) -> int:
    """Copy every file under `source` into the local folder `local`; the number of files."""
    if is_local(source):
        shutil.copytree(source, local, dirs_exist_ok=True)
        return sum(1 for p in local.rglob("*") if p.is_file())
    fs = source.fs  # type: ignore[union-attr]
    prefix = source.path.rstrip("/") + "/"  # type: ignore[union-attr]
    files = fs.find(prefix)
    for key in files:
        relative = key[len(prefix) :]
        destination = local / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(key, str(destination))
    return len(files)
