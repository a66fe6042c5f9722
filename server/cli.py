"""``mkg serve``: registered into the ``mkg`` CLI through the ``mkg.commands`` entry point."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``serve`` subcommand."""
    p = sub.add_parser("serve", help="serve the release over HTTP: SPARQL endpoint, linked data, query page")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    p.add_argument("--base-url", help="public URL the server is reached at (default: http://HOST:PORT)")
    p.add_argument("--release", type=Path, default=Path("build/release"), help="release folder; built if missing")
    p.add_argument("--data", type=Path, action="append", default=[], metavar="FILE", help="extra RDF to serve")
    p.add_argument("--no-release", action="store_true", help="serve only the --data files")
    p.add_argument("--timeout", type=float, default=10.0, help="query wall-clock timeout in seconds")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from server.serve import run_serve

    return run_serve(args)
