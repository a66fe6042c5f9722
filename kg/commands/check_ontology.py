"""``mkg check-ontology``: the editor's check after a Protégé save, before ``make test``."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``check-ontology`` subcommand."""
    p = sub.add_parser(
        "check-ontology",
        help="check the ontology edit file as the build does, plus the OWL API check where Java is present",
    )
    p.add_argument("file", nargs="?", type=Path, help="ontology file (default: ontology/metastasis-kg-edit.ttl)")
    p.add_argument("--no-owlapi", action="store_true", help="skip the OWL API check even where Java is present")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kg.checks.editcheck import run_check_ontology

    return run_check_ontology(args)
