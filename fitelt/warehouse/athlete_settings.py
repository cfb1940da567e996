"""Athlete settings (`fitelt athlete set|show|list`): validated, stored in raw.athletes.

Every rule is checked here, with a one-line message, before the row changes; raw.athletes'
CHECK constraints repeat the ranges and the order so no other writer can break them:

* time zone: an IANA name known to zoneinfo (e.g. Europe/Paris);
* birth year: 1900 to the current year;
* heart rates (bpm): max 100–230, resting 25–120, threshold 80–230, and resting < threshold <
  max among those known, stored values included (setting max 150 fails when threshold is 160).

`None` for a clearable setting (sex, birth year, heart rates) sets it back to unset; the name
and time zone always have a value. An unknown athlete id is created (name = id, time zone =
FITELT_DEFAULT_TIMEZONE) and then changed, in the same transaction.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import fields, replace
from datetime import date

import psycopg2

from fitelt.warehouse.athletes import (
    ATHLETE_COLUMNS,
    HR_RANGES,
    Athlete,
    ensure_athletes_table,
)
from fitelt.warehouse.conninfo import ConnInfo

SEXES = ("female", "male")  # what the CLI offers; the table also accepts 'other'
CLEARABLE = ("sex", "birth_year", "max_hr", "resting_hr", "threshold_hr")
MAX_NAME = 100
HR_LABELS = {"resting_hr": "resting HR", "threshold_hr": "threshold HR", "max_hr": "max HR"}

# What the marts use while a setting is unset (issue 17; the marts flag the value as estimated).
DEFAULT_RULES = {
    "max_hr": "the highest heart rate observed in the last 12 months, "
    "else Tanaka 208 - 0.7 x age (age from the birth year)",
    "resting_hr": "from wellness data when present, else 60",
    "threshold_hr": "none: nothing is derived from it while unset",
}


class SettingsError(ValueError):
    """A setting refused: the message says which and what is allowed (one line)."""


def check_timezone(text: str) -> str:
    if text not in zoneinfo.available_timezones():
        raise SettingsError(f"unknown time zone {text!r}: use an IANA name such as Europe/Paris")
    return text


def check_birth_year(value: int) -> int:
    this_year = date.today().year
    if not 1900 <= value <= this_year:
        raise SettingsError(f"birth year {value} is not plausible: use 1900 to {this_year}")
    return value


def check_heart_rate(setting: str, value: int) -> int:
    low, high = HR_RANGES[setting]
    if not low <= value <= high:
        raise SettingsError(f"{HR_LABELS[setting]} {value} bpm is not plausible: use {low}-{high}")
    return value


def check_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise SettingsError(f"name must be 1 to {MAX_NAME} printable characters")
    return name


def check_sex(text: str) -> str:
    if text not in SEXES:
        raise SettingsError(f"sex {text!r}: use {' or '.join(SEXES)}")
    return text


def check_order(athlete: Athlete, changed: set[str]) -> None:
    """resting < threshold < max among the known values; names the stored ones it compared."""
    ordered = [(k, getattr(athlete, k)) for k in ("resting_hr", "threshold_hr", "max_hr")]
    known = [(k, v) for k, v in ordered if v is not None]
    for (low_key, low), (high_key, high) in zip(known, known[1:], strict=False):
        if low >= high:

            def shown(key: str, value: int) -> str:
                stored = "" if key in changed else " (stored)"
                return f"{HR_LABELS[key]} {value}{stored}"

            raise SettingsError(
                f"{shown(low_key, low)} must be below {shown(high_key, high)}: "
                "resting < threshold < max"
            )


def _validated(athlete: Athlete, changes: dict[str, object]) -> Athlete:
    unknown = set(changes) - {f.name for f in fields(Athlete)} - {"athlete_id"}
    if unknown or "athlete_id" in changes:
        raise SettingsError(f"not a setting: {', '.join(sorted(unknown or {'athlete_id'}))}")
    for key, value in changes.items():
        if value is None and key not in CLEARABLE:
            raise SettingsError(f"{key} cannot be cleared, only changed")
    updated = replace(athlete, **changes)
    check_order(updated, set(changes))
    return updated


def set_athlete(
    conn: ConnInfo, athlete_id: str, changes: dict[str, object], default_timezone: str
) -> tuple[Athlete, bool]:
    """Apply `changes` (setting → value, None clears) to the athlete, creating it when unknown.

    Returns the athlete as stored and True when it was created. Values are expected checked by
    the check_* functions (the CLI's argument types); the order of heart rates is checked here
    against the stored ones, under a row lock so two concurrent `set`s cannot pass it together.
    """
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        ensure_athletes_table(cur)
        cur.execute(
            "insert into raw.athletes (athlete_id, display_name, timezone) values (%s, %s, %s) "
            "on conflict (athlete_id) do nothing returning athlete_id",
            (athlete_id, athlete_id, default_timezone),
        )
        created = cur.fetchone() is not None
        cur.execute(
            f"select {ATHLETE_COLUMNS} from raw.athletes "  # noqa: S608
            "where athlete_id = %s for update",
            (athlete_id,),
        )
        updated = _validated(Athlete(*cur.fetchone()), changes)
        if changes:
            columns = [f.name for f in fields(Athlete) if f.name != "athlete_id"]
            assignments = ", ".join(f"{c} = %s" for c in columns)
            cur.execute(
                f"update raw.athletes set {assignments} where athlete_id = %s",  # noqa: S608
                (*(getattr(updated, c) for c in columns), athlete_id),
            )
    db.close()
    return updated, created


def get_athlete(conn: ConnInfo, athlete_id: str) -> Athlete | None:
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        ensure_athletes_table(cur)
        cur.execute(
            f"select {ATHLETE_COLUMNS} from raw.athletes where athlete_id = %s",  # noqa: S608
            (athlete_id,),
        )
        row = cur.fetchone()
    db.close()
    return Athlete(*row) if row else None


def describe(athlete: Athlete) -> list[tuple[str, str]]:
    """(label, value) lines for `fitelt athlete show`: unset settings say what the marts use."""
    lines = [
        ("athlete", athlete.athlete_id),
        ("name", athlete.display_name),
        ("timezone", athlete.timezone),
        ("sex", athlete.sex or "unset"),
        ("birth year", str(athlete.birth_year) if athlete.birth_year else "unset (age unknown)"),
    ]
    for key in ("max_hr", "resting_hr", "threshold_hr"):
        value = getattr(athlete, key)
        estimated = "" if key == "threshold_hr" else "estimated, "
        unset = f"unset: {estimated}{DEFAULT_RULES[key]}"
        lines.append((HR_LABELS[key], f"{value} bpm" if value else unset))
    return lines
