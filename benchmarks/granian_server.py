"""The cheapest Python-hosted endpoint on this engine: a bare WSGI function on granian's native HTTP server.

Run as ``python -m benchmarks.granian_server --data kg.nq --port P [--workers N]``. It bounds what any
design that runs Python for each request on pyoxigraph can reach: HTTP is parsed and written by granian
(Rust, hyper), the Python part is one function call that reads the query and calls
:func:`benchmarks.bare.answer`, and there is one process per core, each with its own copy of the store,
so no query waits for another's GIL. It has no Flask, no timeout, no row cap, no guard and no
isolation of one query from another, so it is a ceiling for `mkg`, not a rival to it: whatever it
cannot reach against the native Oxigraph server, no Flask endpoint with guards can.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from benchmarks.bare import answer, dataset_options, load

# The data file reaches granian's worker processes through their environment: each worker imports
# the app factory by name and calls it with no arguments.
DATA_VARIABLE = "MKG_BENCH_GRANIAN_DATA"
_FACTORY = "benchmarks.granian_server:create_app"

StartResponse = Callable[..., Any]


def _params(environ: dict[str, Any]) -> tuple[str, dict[str, list[str]]]:
    """The query text and the protocol parameters of a GET, form POST or direct POST."""
    url_params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("REQUEST_METHOD") != "POST":
        return (url_params.get("query") or [""])[0], url_params
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode("utf-8") if length > 0 else ""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip() == "application/sparql-query":
        return body, url_params
    form = parse_qs(body, keep_blank_values=True)
    return (form.get("query") or [""])[0], form


def create_app() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI function over the store named by :data:`DATA_VARIABLE` (called once per worker)."""
    store = load(Path(os.environ[DATA_VARIABLE]))

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        text, params = _params(environ)
        options = dataset_options(params.get("default-graph-uri", []), params.get("named-graph-uri", []))
        status, media_type, body = answer(store, text, options)
        start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}",
                       [("Content-Type", media_type), ("Content-Length", str(len(body)))])  # fmt: skip
        return [body]

    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the data with granian until terminated."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    parser = argparse.ArgumentParser(prog="python -m benchmarks.granian_server")
    parser.add_argument("--data", type=Path, required=True, help="N-Quads file to serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)), help="processes (default: cores)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, not {args.workers}")
    if not args.data.is_file():
        parser.error(f"--data {args.data}: no such file")
    os.environ[DATA_VARIABLE] = str(args.data.resolve())
    Granian(
        _FACTORY,
        address="127.0.0.1",
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=1,  # the GIL runs one Python call at a time anyway; the cores come from workers
        websockets=False,
        factory=True,
        log_level=LogLevels.warning,
    ).serve()


if __name__ == "__main__":
    main()
