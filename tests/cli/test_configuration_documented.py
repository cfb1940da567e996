"""Every FITELT_* variable the code reads is in README.md and .env.example."""

from __future__ import annotations

import re

from tests.conftest import PROJECT_ROOT

CODE_ROOTS = ("fitelt", "orchestration", "dlt_sources", "ml")
# Set by the program for its own processes, not by users: markers and a prefix.
INTERNAL = {"FITELT_DECODER_OF", "FITELT_SERVE_ID", "FITELT_PG"}


def _variables_in_code() -> set[str]:
    found: set[str] = set()
    for root in CODE_ROOTS:
        for path in (PROJECT_ROOT / root).rglob("*.py"):
            found |= set(re.findall(r"[\"'](FITELT_[A-Z0-9_]+)[\"']", path.read_text()))
    return found - INTERNAL


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    variables = _variables_in_code()
    assert "FITELT_DECODE_WORKERS" in variables  # the scan finds what it should
    readme = (PROJECT_ROOT / "README.md").read_text()
    example = (PROJECT_ROOT / ".env.example").read_text()
    assert sorted(v for v in variables if v not in readme) == []
    listed = set(re.findall(r"^#? ?(FITELT_[A-Z0-9_]+)=", example, re.MULTILINE))
    assert sorted(variables - listed) == []
