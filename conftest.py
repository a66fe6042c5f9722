"""Suite-wide test lanes: which tests ``make test-fast`` leaves to the full ``make test``.

Markers are given here, from what a test uses, so a new test lands in the right lane without anyone
remembering to mark it: every test under ``benchmarks/`` is ``bench``; a test is ``reasoner`` when its
module runs HermiT or Pellet (or the OWL API's JVM) itself, or when it reads the release that
``tests/conftest.py`` builds with reasoning (the ``release_dir`` fixture defined there). ``browser`` is
marked by its module. The markers are registered in ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parent
# Modules that start a reasoner's JVM or a whole reasoned build themselves.
_REASONER_MODULES = frozenset(
    {
        "tests/test_abox.py",
        "tests/test_build.py",
        "tests/test_hpo_import.py",
        "tests/test_owlapi.py",
        "tests/test_reason.py",
        "tests/test_release_switch.py",
    }
)


def _builds_the_release(item: pytest.Item) -> bool:
    """Whether the test's ``release_dir`` is the reasoned build of ``tests/conftest.py``."""
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.get("release_dir", ()) if info is not None else ()
    return bool(defs) and defs[-1].baseid == "tests"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each collected test with its lane."""
    for item in items:
        where = item.path.resolve().relative_to(_ROOT).as_posix()
        if where.startswith("benchmarks/"):
            item.add_marker(pytest.mark.bench)
        elif where in _REASONER_MODULES or _builds_the_release(item):
            item.add_marker(pytest.mark.reasoner)
