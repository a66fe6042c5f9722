"""Package boundaries, read from the source: `kg` imports neither `server` nor `benchmarks`; `server` no `benchmarks`.

``server`` builds on ``kg``; ``benchmarks`` measures both from the outside and is not in the wheel, so an
import of it from the product would break every installed copy. The scan reads each module's syntax tree
(imports at any depth, in functions too, and ``importlib.import_module`` with a literal name), so an
import that only runs on some path is found as well as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the top-level packages it must never import
FORBIDDEN = {"kg": {"server", "benchmarks", "flask"}, "server": {"benchmarks"}}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name ``path`` imports, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def crossings(package: str, forbidden: set[str]) -> list[str]:
    """``file:line: module`` for each import of a forbidden package under ``ROOT/package``."""
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                out.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_what_builds_on_it(package: str) -> None:
    """No module of ``kg`` imports ``server``, ``benchmarks`` or Flask; none of ``server`` imports ``benchmarks``."""
    assert crossings(package, FORBIDDEN[package]) == []


def test_the_scan_finds_imports_in_functions_and_by_name(tmp_path: Path) -> None:
    """A planted import inside a function, a from-import and an import_module call are each reported."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import importlib\n"
        "def later():\n"
        "    import server.app\n"
        "    from benchmarks.run import run_bench\n"
        "    return importlib.import_module('benchmarks.command')\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    assert sorted(imported_modules(planted)) == [
        (1, "importlib"),
        (3, "server.app"),
        (4, "benchmarks.run"),
        (5, "benchmarks.command"),
    ]
