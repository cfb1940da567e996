"""Site releases in object storage, for a site server on another machine than the build.

With `FITELT_STORAGE_URL` remote, the `report_site` run (in whatever container or pod it was
launched) publishes its release locally as always, then uploads it to
`<storage>/site/releases/<name>/` and, once every file is up, writes the release's name to
`<storage>/site/CURRENT` (one PUT: atomic). A site server follows that pointer: when it names a
release the server does not have, the server downloads it into a hidden folder and publishes
it locally with the same atomic `current` swap, so a reader never sees half a release.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from fitelt.settings import Settings
from fitelt.site.build import KEEP_RELEASES, RELEASE_NAME, publish_release
from fitelt.storage import StoragePath, download_tree, remove_tree, upload_tree

log = logging.getLogger(__name__)

POINTER = "CURRENT"
FOLLOW_EVERY_S = 30.0


def upload_release(release: Path, store: StoragePath, logger: logging.Logger = log) -> None:
    """Upload a published local release, then point `<store>/CURRENT` at it; prune old ones."""
    name = release.name
    upload_tree(release, store / "releases" / name)
    (store / POINTER).write_text(name + "\n")
    logger.info("report: uploaded release %s to %s", name, store)
    _prune(store, keep=KEEP_RELEASES, current=name, logger=logger)


def current_name(store: StoragePath) -> str | None:
    """The release `<store>/CURRENT` names, or None (nothing published yet, or not a name)."""
    pointer = store / POINTER
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    return name if RELEASE_NAME.match(name) else None


def pull_current(store: StoragePath, site_root: Path, logger: logging.Logger = log) -> str | None:
    """Publish the store's current release locally when it is new here; its name, else None."""
    name = current_name(store)
    if name is None or _local_current(site_root) == name:
        return None
    site_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".pull-{name}-", dir=site_root))
    try:
        files = download_tree(store / "releases" / name, staging / "build")
        if not (staging / "build" / "index.html").is_file():
            logger.warning("report: release %s in %s has no index.html: not served", name, store)
            return None
        publish_release(staging / "build", site_root, logger, name=name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("report: now serving release %s (%d files from %s)", name, files, store)
    return name


def _local_current(site_root: Path) -> str | None:
    try:
        return (site_root / "current").resolve(strict=True).name
    except (FileNotFoundError, RuntimeError, OSError):
        return None


def _prune(store: StoragePath, keep: int, current: str, logger: logging.Logger) -> None:
    releases = store / "releases"
    if not releases.is_dir():
        return
    names = sorted(p.name for p in releases.iterdir() if RELEASE_NAME.match(p.name))
    for name in names[:-keep] if keep > 0 else names:
        if name != current and remove_tree(releases / name):
            logger.info("report: removed old release %s from %s", name, store)


def follow_releases(settings: Settings) -> ReleaseFollower | None:
    """With remote storage, a started follower of its releases for `settings.site_dir`."""
    store = settings.site_releases_store
    if store is None:
        return None
    every_s = float(os.environ.get("FITELT_SITE_FOLLOW_S") or FOLLOW_EVERY_S)
    log.info("report: serving the releases published to %s (checked every %g s)", store, every_s)
    return ReleaseFollower(store, settings.site_dir, every_s).start()


class ReleaseFollower:
    """Pulls the store's current release now, then every `every_s` seconds, in a thread."""

    def __init__(self, store: StoragePath, site_root: Path, every_s: float = FOLLOW_EVERY_S):
        self.store, self.site_root, self.every_s = store, site_root, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="site-releases", daemon=True)

    def start(self) -> ReleaseFollower:
        self._pull()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every_s + 5)

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self._pull()

    def _pull(self) -> None:
        try:
            pull_current(self.store, self.site_root)
        except Exception as exc:  # storage unreachable: keep serving what we have, retry later
            log.warning("report: could not check %s for a new release: %s", self.store, exc)
