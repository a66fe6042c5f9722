"""``mkg normalize``: rewrite the ontology edit file in canonical Turtle so Protégé saves diff small."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``normalize`` subcommand."""
    p = sub.add_parser("normalize", help="re-serialize the ontology edit file canonically")
    p.add_argument("file", nargs="?", type=Path, help="Turtle file (default: ontology/metastasis-kg-edit.ttl)")
    p.add_argument("--check", action="store_true", help="exit 1 if the file is not normalized; write nothing")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kg.release.turtle import run_normalize

    return run_normalize(args)
