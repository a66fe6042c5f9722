"""Suite-wide test lanes: which tests ``make test-fast`` leaves to the full ``make test``.

Markers are given here, from what a test uses, so a new test lands in the right lane without anyone
remembering to mark it:

* ``bench``: every test under ``benchmarks/``;
* ``reasoner``: its module runs HermiT, Pellet or the OWL API's JVM itself, or it reads the release that
  ``tests/conftest.py`` builds with reasoning (the ``release_dir`` fixture defined there);
* ``engine``: it runs against a real external engine (a fixture parametrised ``oxigraph`` or ``virtuoso``,
  or a module that starts one), the behaviour the embedded run of the same test already checks;
* ``slow``: it waits by design (the hostile-client module's time-outs, kills and slow clients, a parse
  that must reach the recursion limit) or builds and installs the wheel.

``browser`` is marked by its module. The markers are registered in ``pyproject.toml``.
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


# Modules whose every test starts the Oxigraph server, Virtuoso or HAProxy itself.
_ENGINE_MODULES = frozenset(
    {
        "tests/linked/test_engines_agree.py",
        "tests/server/test_bulk_publish.py",
        "tests/server/test_publish.py",
        "tests/server/test_remote_engine.py",
        "tests/server/test_replicas.py",
    }
)
_ENGINES = frozenset({"oxigraph", "virtuoso"})
# Tests that wait seconds on purpose: time-outs, worker kills and replacements, slow clients.
_SLOW_MODULES = frozenset({"tests/server/test_hostile.py", "tests/test_packaging.py"})
_SLOW_TESTS = frozenset({"test_deep_nesting_is_a_clear_message_not_a_recursion_error"})


def _on_an_engine(item: pytest.Item, where: str) -> bool:
    """Whether the test runs against a real external engine rather than the embedded store."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    return where in _ENGINE_MODULES or any(isinstance(v, str) and v in _ENGINES for v in params)


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
        if _on_an_engine(item, where):
            item.add_marker(pytest.mark.engine)
        if where in _SLOW_MODULES or getattr(item, "originalname", item.name) in _SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
