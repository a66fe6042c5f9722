"""``mkg serve``: registered into the ``mkg`` CLI through the ``mkg.commands`` entry point."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.config import default_fronts, default_workers


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser("serve", help="serve the release over HTTP: SPARQL endpoint, linked data, query page")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    p.add_argument("--base-url", help="public URL the server is reached at (default: http://HOST:PORT)")
    p.add_argument("--release", type=Path, default=Path("build/release"), help="release folder; built if missing")
    p.add_argument("--data", type=Path, action="append", default=[], metavar="FILE", help="extra RDF to serve")
    p.add_argument("--no-release", action="store_true", help="serve only the --data files")
    p.add_argument("--queries", type=Path, help="example queries for the query page (default: the library)")
    p.add_argument("--timeout", type=float, default=10.0, help="query wall-clock timeout in seconds")
    limits = p.add_argument_group("limits", "protection against expensive or hostile requests")
    limits.add_argument(
        "--workers", type=int, default=default_workers(), help="query worker processes in all (at least 2 per front)"
    )
    limits.add_argument(
        "--fronts", type=int, default=default_fronts(), help="HTTP front processes (default: %(default)s)"
    )
    limits.add_argument("--threads", type=int, default=16, help="HTTP worker threads (default: %(default)s)")
    limits.add_argument("--row-limit", type=int, default=100_000, help="result rows before truncation")
    limits.add_argument("--max-query-length", type=int, default=100_000, help="query length in characters")
    limits.add_argument("--max-nesting", type=int, default=100, help="bracket nesting depth of a query")
    limits.add_argument("--max-body", type=int, default=1024 * 1024, help="request body size in bytes (413)")
    limits.add_argument(
        "--read-timeout", type=float, default=20.0, help="seconds a client may take to send one request"
    )
    limits.add_argument(
        "--worker-recycle-mb",
        type=int,
        default=512,
        help="replace a query worker once it holds this much unshared memory (default: %(default)s)",
    )
    limits.add_argument("--cache-mb", type=int, default=64, help="memory for cached results, in MiB")
    limits.add_argument(
        "--slow-query-ms",
        type=int,
        default=100,
        help="each front keeps one worker for queries not shaped like one that lately ran longer than"
        " this, so lookups never queue behind scans; 0: no such worker (default: %(default)s)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from server.serve import run_serve

    return run_serve(args)
