"""Argument types and the parser of `fitelt`: every bad value is refused before any work starts.

Each refusal is one line on stderr (`fitelt import: error: argument --athlete: invalid athlete
id '': use …`) and exit status 2, raised while parsing: before the embedded PostgreSQL starts.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn

from fitelt.warehouse.athletes import validate_athlete_id


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block); sub-parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        line = " ".join(message.splitlines())
        self.exit(2, f"{self.prog}: error: {line} (see {self.prog} --help)\n")


def _shown(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:56] + "...'"


def athlete_id(text: str) -> str:
    """An athlete id as raw.athletes accepts it (the rule lives in orchestration/athletes.py)."""
    try:
        return validate_athlete_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def selection(text: str) -> str:
    """A Dagster asset selection: not empty (an empty one used to mean everything)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"empty asset selection {_shown(text)}: give one, e.g. 'group:withings+', "
            "or leave --select out to materialise everything"
        )
    return text.strip()


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An integer type accepting low..high (no upper bound when `high` is None)."""
    allowed = f"from {low} to {high}" if high is not None else f"{low} or more"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not an integer {allowed}")
        return value

    parse.__name__ = "integer"
    return parse


def float_range(low: float, high: float | None = None, *, low_open: bool = False) -> Callable:
    """A finite number >= low (> low when `low_open`) and <= high."""
    bound = f"> {low:g}" if low_open else f">= {low:g}"
    allowed = bound + (f" and <= {high:g}" if high is not None else "")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not a number {allowed}")
        return value

    parse.__name__ = "number"
    return parse


port = int_range(1, 65535)
port_or_zero = int_range(0, 65535)  # 0: a free port chosen by the system
