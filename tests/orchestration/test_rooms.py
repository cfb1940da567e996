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


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """Project modules `path` imports at module level (imports inside functions are lazy)."""
    import ast

    found = set()
    for node in ast.parse(path.read_text()).body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found |= {name for name in names if name in known}
    return found


def test_no_import_cycles() -> None:
    modules = {name: path for package in PACKAGES for name, path in _paths(package).items()}
    known = set(modules)
    graph = {name: _top_level_imports(path, known) - {name} for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for child in sorted(graph[name]):
            if state.get(child) == 1 and not any(child in c for c in cycles):
                cycles.append([*trail[trail.index(child) :], child])
            elif child not in state:
                visit(child, [*trail, child])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # A package importing its own submodule in __init__ is not a cycle of concepts.
    real = [c for c in cycles if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]
    assert real == []


def _paths(package: str) -> dict[str, Path]:
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for p in (ROOT / package).rglob("*.py")
    }
