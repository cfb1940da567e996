"""`fitelt athlete set|show|list`: the athlete's name, time zone, sex, birth year, heart rates.

Every value is checked while the arguments are parsed (one line, exit 2, before the warehouse
starts); the order resting < threshold < max is then checked against the stored values (one
line, exit 2). `none` clears a setting that may be unset: `--max-hr none`, `--sex none`,
`--birth-year none`. `set` on an unknown id creates the athlete.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from fitelt.cli.arguments import athlete_id

log = logging.getLogger("fitelt")

CLEAR = "none"  # the value that clears a setting: --max-hr none
_UNSET = object()  # an option not given (None means `none`: clear it)


def _checked(check: Callable[[str], object], clearable: bool) -> Callable[[str], object]:
    """An argparse type running `check` (a SettingsError is the one-line refusal)."""
    from fitelt.warehouse.athlete_settings import SettingsError

    def parse(text: str) -> object:
        if clearable and text.strip().lower() == CLEAR:
            return None
        try:
            return check(text)
        except SettingsError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = "setting"
    return parse


def _integer(what: str, then: Callable[[int], int]) -> Callable[[str], int]:
    from fitelt.warehouse.athlete_settings import SettingsError

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            shown = repr(text) if len(text) <= 40 else repr(text[:37] + "...")
            raise SettingsError(f"{what} {shown} is not a whole number (or '{CLEAR}')") from None
        return then(value)

    return parse


def _settings(args: argparse.Namespace) -> dict[str, object]:
    """The settings given on the command line (absent ones are left out, `none` is None)."""
    names = {
        "name": "display_name",
        "timezone": "timezone",
        "sex": "sex",
        "birth_year": "birth_year",
        "max_hr": "max_hr",
        "resting_hr": "resting_hr",
        "threshold_hr": "threshold_hr",
    }
    return {
        column: getattr(args, option)
        for option, column in names.items()
        if getattr(args, option) is not _UNSET
    }


def _print_athlete(athlete) -> None:
    from fitelt.warehouse.athlete_settings import describe

    lines = describe(athlete)
    width = max(len(label) for label, _ in lines)
    sys.stdout.write("".join(f"{label:<{width}}  {value}\n" for label, value in lines))


def cmd_set(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from fitelt.warehouse.athlete_settings import SettingsError, set_athlete

    changes = _settings(args)
    ctx = open_context()
    try:
        athlete, created = set_athlete(
            ctx.warehouse.admin, args.athlete_id, changes, ctx.settings.default_timezone
        )
    except SettingsError as exc:
        log.error("%s", exc)
        return 2
    if created:
        log.info("athlete %s created", args.athlete_id)
    log.info("athlete %s: %d setting(s) changed", args.athlete_id, len(changes))
    _print_athlete(athlete)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from fitelt.warehouse.athlete_settings import get_athlete

    athlete = get_athlete(open_context().warehouse.admin, args.athlete_id)
    if athlete is None:
        log.error("unknown athlete %r: see `fitelt athlete list`", args.athlete_id)
        return 1
    _print_athlete(athlete)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from fitelt.cli.context import open_context
    from fitelt.warehouse.athletes import list_athletes

    header = ("id", "name", "timezone", "sex", "birth", "max_hr", "rest_hr", "thr_hr")
    rows = [
        tuple("-" if v is None else str(v) for v in (
            a.athlete_id, a.display_name, a.timezone, a.sex, a.birth_year,
            a.max_hr, a.resting_hr, a.threshold_hr,
        ))
        for a in list_athletes(open_context().warehouse.admin)
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        sys.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        sys.stdout.write("\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `fitelt athlete` and its sub-commands to the `fitelt` parser."""
    from fitelt.warehouse import athlete_settings as rules

    athlete = sub.add_parser("athlete", help="athlete settings: set, show, list")
    commands = athlete.add_subparsers(dest="athlete_command", required=True)

    p = commands.add_parser("set", help="change settings (creates an unknown athlete)")
    p.add_argument("athlete_id", type=athlete_id)
    p.set_defaults(func=cmd_set)
    p.add_argument("--name", type=_checked(rules.check_name, False), default=_UNSET)
    p.add_argument(
        "--timezone", type=_checked(rules.check_timezone, False), default=_UNSET,
        metavar="TZ", help="IANA time zone, e.g. Europe/Paris",
    )  # fmt: skip
    p.add_argument(
        "--sex", type=_checked(rules.check_sex, True), default=_UNSET,
        metavar="female|male|none",
    )  # fmt: skip
    p.add_argument(
        "--birth-year", type=_checked(_integer("birth year", rules.check_birth_year), True),
        default=_UNSET, metavar="YEAR|none",
    )  # fmt: skip
    for setting, option in (
        ("max_hr", "--max-hr"), ("resting_hr", "--resting-hr"), ("threshold_hr", "--threshold-hr")
    ):  # fmt: skip
        low, high = rules.HR_RANGES[setting]

        def check(value: int, setting: str = setting) -> int:
            return rules.check_heart_rate(setting, value)

        p.add_argument(
            option, type=_checked(_integer(rules.HR_LABELS[setting], check), True),
            default=_UNSET, metavar="BPM|none", help=f"{low}-{high} bpm; 'none' clears it",
        )  # fmt: skip

    p = commands.add_parser("show", help="every setting, and what the marts use while unset")
    p.add_argument("athlete_id", type=athlete_id)
    p.set_defaults(func=cmd_show)

    p = commands.add_parser("list", help="every athlete and their settings")
    p.set_defaults(func=cmd_list)
