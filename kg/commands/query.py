"""``mkg query``: run a SPARQL query (a file from ``queries/`` by name, a path, or inline text) on a release."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``query`` subcommand."""
    p = sub.add_parser("query", help="run a stored or ad-hoc SPARQL query against the release")
    p.add_argument("query", nargs="?", help="a stored query name (see `mkg query --list`), a .rq path, or SPARQL text")
    p.add_argument("--release", type=Path, default=Path("build/release"), help="release folder (default: %(default)s)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind parameter NAME (?_NAME_type) to VALUE; IRIs may be CURIEs such as mkg:Bone",
    )
    p.add_argument(
        "--format", choices=["table", "csv", "tsv", "json"], default="table", help="output (default: %(default)s)"
    )
    p.add_argument("--list", action="store_true", help="list the stored queries and exit")
    p.add_argument(
        "--no-default-prefixes",
        action="store_true",
        help="do not let the query use the project's prefixes (mkg:, owl:, rdfs:, obo:, ... as in kg/prefixes.tsv)"
        " without declaring them; by default any it uses but does not declare are added (its own PREFIX wins)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kg.library.query import run_query

    return run_query(args)
