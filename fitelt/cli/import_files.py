"""`fitelt import`: store export files in the inbox, or bring rejected files back.

Paths may be files or folders (walked recursively). What cannot be imported is refused with one
line each, and everything else is still imported: hidden files, special files (FIFO, device,
socket), symlinks that lead out of a folder being imported, unknown formats.
"""

from __future__ import annotations

import argparse
import logging
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from fitelt.inbox.embedded_exports import embedded_exports
from fitelt.inbox.kinds import ACTIVITY_KIND
from fitelt.inbox.store import Inbox, RefusedFile, UnknownExportError, reason_of

log = logging.getLogger("fitelt")


def cmd_import(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from fitelt.warehouse.athletes import ensure_athlete

    if not args.paths and not args.retry_rejected:
        log.error("give export files or folders to import, or --retry-rejected")
        return 2
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        log.error("%s: no such file or folder", missing[0])
        return 2
    ctx = open_context()
    settings = ctx.settings
    inbox = Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)
    if args.retry_rejected:
        return retry_rejected(inbox, args.athlete)
    athlete_id = args.athlete or settings.default_athlete
    ensure_athlete(ctx.warehouse.admin, athlete_id, settings.default_timezone)
    status = 0
    for path, refusal in candidates([Path(p) for p in args.paths]):
        if refusal:
            log.error("%s", refusal)
            status = 2
            continue
        if not import_one(inbox, path, athlete_id):
            status = 2
    return status


def import_one(
    inbox: Inbox, path: Path, athlete_id: str, name: str | None = None, shown: str | None = None
) -> bool:
    """Store one file; `name`/`shown`: the member of an archive that `path` is a copy of."""
    shown = shown or str(path)
    try:
        item, new = inbox.store(path, athlete_id, name=name)
    except (UnknownExportError, RefusedFile, ValueError) as exc:
        log.error("%s", exc)
        return False
    except OSError as exc:
        log.error("%s: not imported (%s)", shown, exc.strerror or exc)
        return False
    if inbox.is_archived(item):
        if new:
            item.path.unlink(missing_ok=True)
        log.info("%s: already loaded (same content), nothing to do", shown)
    elif not new:
        log.info("%s: the same content is already waiting as %s", shown, item.original_name)
    else:
        log.info("%s → inbox/%s/%s (%s export)", shown, item.kind, athlete_id, item.kind)
    if item.kind == ACTIVITY_KIND and name is None:
        return _import_embedded(inbox, path, athlete_id)
    return True


def _import_embedded(inbox: Inbox, archive: Path, athlete_id: str) -> bool:
    """The exports inside an activity archive (a Strava bulk export's activities.csv)."""
    ok = True
    try:
        with embedded_exports(archive) as members:
            for member, copy in members:
                name = f"{archive.name}!{member}"
                shown = f"{archive}!{member}"
                ok = import_one(inbox, copy, athlete_id, name=name, shown=shown) and ok
    except (OSError, zipfile.BadZipFile) as exc:
        log.error("%s: its embedded exports were not read (%s)", archive, exc)
        return False
    return ok


def candidates(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """(file, None) for each file to import; (path, reason) for each refused one."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            yield from _walk(path)
        elif path.name.startswith("."):
            yield path, f"{path}: hidden file (name starts with '.'): rename it to import"
        else:
            yield path, None  # Inbox.drop refuses special files on the open descriptor


def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    top = root.resolve()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if name.startswith("."):
                log.info("%s: hidden file skipped", path)
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(top):
                yield path, f"{path}: symlink to {path.resolve()}, outside {root}: not imported"
                continue
            yield path, None


def retry_rejected(inbox: Inbox, athlete_id: str | None) -> int:
    waiting = [i for i in inbox.rejected() if not athlete_id or i.athlete_id == athlete_id]
    if not waiting:
        log.info("no rejected files%s", f" of athlete {athlete_id}" if athlete_id else "")
        return 0
    reasons = {item.path.name: reason_of(item) for item in waiting}
    for item in inbox.retry_rejected(athlete_id):
        log.info(
            "%s (%s, athlete %s) back in the inbox; it was rejected because: %s",
            item.original_name,
            item.kind,
            item.athlete_id,
            reasons.get(item.path.name, "?"),
        )
    return 0
