"""``mkg serve``: registered into the ``mkg`` CLI through the ``mkg.commands`` entry point."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.config import ServerConfig

_D = ServerConfig.__dataclass_fields__


def _default(name: str) -> object:
    field = _D[name]
    return field.default_factory() if callable(field.default_factory) else field.default


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser(
        "serve",
        help="serve the release over HTTP: SPARQL endpoint, linked data, REST API, query page",
        description="Serve a release (or --data files, or an existing SPARQL engine) under gunicorn. Paths are"
        " resolved against the current folder once, at start-up. A missing release is an error unless --build"
        " is given; a release older than the ontology or tables it was built from is served with a warning"
        " (with --build: rebuilt first).",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="TCP port, 0 for any free one (default: %(default)s)")
    p.add_argument("--base-url", help="public URL the server is reached at (default: http://HOST:PORT)")
    p.add_argument("--release", type=Path, default=Path("build/release"), help="release folder (default: %(default)s)")
    p.add_argument(
        "--build", action="store_true", help="build the release first when it is missing or older than its inputs"
    )
    p.add_argument("--no-release", action="store_true", help="serve only the --data files")
    p.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="extra RDF to serve beside the release (repeatable; checked before anything starts)",
    )
    p.add_argument(
        "--engine",
        metavar="URL",
        help="answer queries with this SPARQL 1.1 query endpoint instead of the embedded store",
    )
    p.add_argument("--queries", type=Path, help="example queries for the query page (default: the library)")
    p.add_argument(
        "--timeout",
        type=float,
        default=_default("timeout"),
        help="query time limit in seconds; past it the client gets a 503 (default: %(default)s)",
    )
    p.add_argument("--access-log", metavar="FILE", help="write an access log line per request ('-': stderr)")
    procs = p.add_argument_group("processes", "gunicorn's arbiter supervises the worker processes")
    procs.add_argument(
        "--workers",
        type=int,
        default=_default("workers"),
        help="worker processes, each with its own copy of the store (default: %(default)s)",
    )
    procs.add_argument(
        "--threads",
        type=int,
        default=_default("threads"),
        help="request threads per worker: queries run concurrently on every core (default: %(default)s)",
    )
    procs.add_argument(
        "--max-requests",
        type=int,
        default=_default("max_requests"),
        help="replace a worker after this many requests, 0 never (default: %(default)s)",
    )
    procs.add_argument(
        "--worker-memory-mb",
        type=int,
        default=_default("worker_memory_mb"),
        help="stop the queries of a worker past this resident size and replace it (default: %(default)s)",
    )
    limits = p.add_argument_group("limits", "protection against expensive or hostile requests")
    limits.add_argument(
        "--row-limit",
        type=int,
        default=_default("row_limit"),
        help="result rows before truncation (default: %(default)s)",
    )
    limits.add_argument(
        "--max-query-length",
        type=int,
        default=_default("max_query_length"),
        help="query length in characters (default: %(default)s)",
    )
    limits.add_argument(
        "--max-nesting",
        type=int,
        default=_default("max_nesting"),
        help="bracket nesting depth of a query (default: %(default)s)",
    )
    limits.add_argument(
        "--max-body",
        type=int,
        default=_default("max_body"),
        help="request body size in bytes, larger gets 413 (default: %(default)s)",
    )
    limits.add_argument(
        "--read-timeout",
        type=float,
        default=_default("request_read_timeout"),
        help="seconds a client may take to send one whole request (default: %(default)s)",
    )
    limits.add_argument(
        "--idle-timeout",
        type=int,
        default=_default("idle_timeout"),
        help="seconds a kept-alive connection may stay idle (default: %(default)s)",
    )
    limits.add_argument(
        "--queue-timeout",
        type=float,
        default=_default("queue_timeout"),
        help="seconds a request may wait for a free thread before a 503 with Retry-After (default: %(default)s)",
    )
    limits.add_argument(
        "--max-connections",
        type=int,
        default=_default("connection_limit"),
        help="open connections per worker; past it the longest-idle one is closed (default: %(default)s)",
    )
    limits.add_argument(
        "--cache-mb", type=int, default=64, help="memory for cached results per worker, in MiB (default: %(default)s)"
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from server.serving.run import run_serve

    return run_serve(args)
