"""The rooms hold: the application imports no Dagster, sources and ml import neither, files stay
small, and loading the definitions costs no heavy library (pandas, scikit-learn)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("fitelt", "orchestration", "dlt_sources", "ml")


def _modules(package: str) -> list[str]:
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / package).rglob("*.py")
    )


def _imported_after(modules: list[str]) -> set[str]:
    """Top-level packages in sys.modules after importing `modules` in a fresh interpreter."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(done.stdout.split())


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("fitelt", {"dagster", "dagster_dbt", "dagster_dlt", "orchestration"}),
        ("dlt_sources", {"dagster", "orchestration", "fitelt"}),
        ("ml", {"dagster", "orchestration", "fitelt", "dlt"}),
    ],
)
def test_a_package_imports_nothing_of_the_rooms_above_it(package: str, forbidden: set) -> None:
    assert not _imported_after(_modules(package)) & forbidden


def test_loading_the_definitions_imports_no_heavy_library() -> None:
    loaded = _imported_after(["orchestration.definitions"])
    assert not loaded & {"pandas", "sklearn", "scipy", "ml"}


def test_no_source_file_passes_400_lines() -> None:
    too_long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 400
    ]
    assert too_long == []
