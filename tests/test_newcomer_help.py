"""What a new user reads first: every option's default in ``--help``, and the README's first steps.

Issue 20 item 12: the port, ``--release`` / ``--no-release``, ``mkg build --tables`` / ``--ontology``,
the defaults of ``--timeout``, ``--workers`` and ``--row-limit``, the browser tests' ``chromium-driver``
and what ``make bench`` writes were missing or had to be guessed.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from kg.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.mark.parametrize("command", ["build", "serve", "query", "validate", "publish"])
def test_every_option_with_a_default_shows_it_in_help(command: str) -> None:
    """An option whose default is a value (not off, not unset) says ``(default: …)`` in ``--help``."""
    sub = _subcommands()[command]
    silent = []
    for action in sub._actions:
        if not action.option_strings or action.help in (None, argparse.SUPPRESS):
            continue
        if action.default in (None, False, True, [], argparse.SUPPRESS) or action.nargs == 0:
            continue
        help_text = action.help % {"default": action.default, "prog": sub.prog} if action.help else ""
        if "default" not in help_text:
            silent.append(action.option_strings[-1])
    assert not silent, f"mkg {command} --help does not show the default of {', '.join(silent)}"


def test_serve_help_names_the_defaults_a_newcomer_asks_for() -> None:
    """``mkg serve --help`` shows the query time limit, the worker count and the row cap with their values."""
    text = _subcommands()["serve"].format_help()
    flat = re.sub(r"\s+", " ", text)
    for option in ("--timeout", "--workers", "--row-limit", "--port", "--release"):
        assert re.search(re.escape(option) + r" [A-Z_]+ .*?\(default: [^)]+\)", flat), option


def test_build_help_offers_other_tables_and_ontology() -> None:
    """``mkg build --help`` offers ``--tables`` and ``--ontology`` for building from an edited copy."""
    text = _subcommands()["build"].format_help()
    assert "--tables" in text and "--ontology" in text


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("choosing the port", r"make run PORT="),
        ("serving another release folder", r"--release"),
        ("serving only data files", r"--no-release"),
        ("building from edited tables", r"mkg build[^\n]*--tables"),
        ("the browser tests' driver", r"chromium-driver"),
        ("what the bench writes", r"BENCHMARKS\.md"),
        ("data failing the shapes is served with a warning", r"--data[\s\S]{0,200}warning when they fail"),
    ],
)
def test_readme_answers_the_first_questions(what: str, pattern: str) -> None:
    """The README says how to do each thing a new user asked for (a pattern per answer)."""
    assert re.search(pattern, README), f"README.md does not explain {what} (no match for {pattern!r})"
