"""``mkg validate``: check a user's own RDF against the project's SHACL shapes and ontology."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    p = sub.add_parser("validate", help="validate RDF files against the shapes and the ontology")
    p.add_argument("files", nargs="+", type=Path, help="Turtle, TriG, N-Triples, N-Quads, RDF/XML or JSON-LD")
    p.add_argument("--format", choices=["text", "turtle"], default="text", help="report format (default: %(default)s)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kg.checks.validate import run_validate

    return run_validate(args)
