"""`fitelt grant-athlete | delete-athlete | backup | restore`: access, erasure and backups."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from fitelt.cli.arguments import athlete_id, int_range

log = logging.getLogger("fitelt")


def _confirm(question: str, expected: str) -> bool:
    """True when the user types `expected`; False without a terminal (use --yes there)."""
    if not sys.stdin.isatty():
        log.error("not a terminal: pass --yes to confirm")
        return False
    answer = input(f"{question} Type {expected!r} to confirm: ")
    return answer.strip() == expected


def cmd_grant_athlete(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from fitelt.warehouse.row_security import grant_athlete

    if args.password:
        log.warning("--password is visible to other users (ps): prefer the prompt or "
                    "FITELT_ATHLETE_PASSWORD")  # fmt: skip
    password = args.password or os.environ.get("FITELT_ATHLETE_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            log.error("give --password, FITELT_ATHLETE_PASSWORD or run in a terminal")
            return 2
        password = getpass.getpass(f"password for athlete {args.athlete_id}: ")
    ctx = open_context()
    try:
        role = grant_athlete(ctx.warehouse.admin, args.athlete_id, password)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    log.info("login role %s: sees only athlete %s's rows in marts", role, args.athlete_id)
    return 0


def cmd_delete_athlete(args: argparse.Namespace) -> int:
    from fitelt.admin.erase_athlete import delete_athlete
    from fitelt.cli.context import open_context

    question = (
        f"Delete EVERY row, file, model and credential of athlete {args.athlete_id!r}? "
        "This cannot be undone (backups keep their copy until they rotate out)."
    )
    if not args.yes and not _confirm(question, args.athlete_id):
        log.error("not confirmed: nothing deleted")
        return 1
    ctx = open_context()
    try:
        report = delete_athlete(ctx.settings, ctx.warehouse.admin, args.athlete_id)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    for table, count in sorted(report.rows.items()):
        if count:
            log.info("  %s: %d row(s) deleted", table, count)
    for source, outcome in report.revoked.items():
        log.info("  %s grant: %s", source, outcome)
    for problem in report.problems:
        log.warning("  %s", problem)
    return 1 if report.problems else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from fitelt.admin.backup import BackupError, create_backup
    from fitelt.cli.context import open_context

    ctx = open_context()
    try:
        folder = create_backup(ctx.settings, ctx.warehouse.admin, keep=args.keep)
    except BackupError as exc:
        log.error("%s", exc)
        return 1
    sys.stdout.write(f"{folder}\n")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from fitelt.admin.backup import BackupError, resolve_backup, restore_backup
    from fitelt.cli.context import open_context
    from fitelt.settings import Settings

    try:
        folder = resolve_backup(Settings.from_env(), args.backup)  # before the warehouse starts
    except BackupError as exc:
        log.error("%s", exc)
        return 2 if args.backup else 1  # a wrong name is a usage error; no backup yet is not
    ctx = open_context()
    try:
        question = (
            f"Replace the warehouse ({ctx.warehouse.admin.dbname}: raw, staging, marts) and the "
            f"archive with backup {folder.name}?"
        )
        if not args.yes and not _confirm(question, "restore"):
            log.error("not confirmed: nothing restored")
            return 1
        restore_backup(
            ctx.settings,
            ctx.warehouse.admin,
            folder,
            reader_password=os.environ.get("FITELT_READER_PASSWORD") or None,
        )
    except BackupError as exc:
        log.error("%s", exc)
        return 1
    log.info("restored %s; run `fitelt materialize` to rebuild the report site", folder.name)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands of this module to the `fitelt` parser."""
    p = sub.add_parser("grant-athlete", help="login role that sees only one athlete's marts rows")
    p.add_argument("athlete_id", type=athlete_id)
    p.add_argument("--password", help="(default: FITELT_ATHLETE_PASSWORD, else prompted)")
    p.set_defaults(func=cmd_grant_athlete)

    p = sub.add_parser("delete-athlete", help="delete every row, file and credential of one")
    p.add_argument("athlete_id", type=athlete_id)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_delete_athlete)

    p = sub.add_parser("backup", help="pg_dump + archived files into <data>/backups, rotated")
    p.add_argument(
        "--keep",
        type=int_range(1),
        help="backups to keep, 1 or more (default: FITELT_BACKUP_KEEP or 7)",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup (default: the latest)")
    p.add_argument("backup", nargs="?", help="backup folder or name (default: the latest)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_restore)
