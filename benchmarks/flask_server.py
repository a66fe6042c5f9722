"""A bare Flask app calling pyoxigraph in its own process: the issue's "Flask + pyoxigraph" contender.

Run as ``python -m benchmarks.flask_server --data kg.nq --port P``. The issue measured such an app at
0.95x (mixed) and 0.85x (selective) of the Oxigraph server. It is here so the benchmark measures that
figure in the same run: it shows what Python and Flask cost on their own, before any of `mkg`'s guards
(query timeout, row cap, worker processes, lexical guard, caching). It is served by waitress with 16
threads, as `mkg`'s fronts are, and answers only what the benchmark asks: a query by GET, form POST or
direct POST, with the default graph as the union of the named graphs unless the request names a
dataset, as SPARQL JSON results or N-Triples; the query itself is :func:`benchmarks.bare.answer`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bare import answer, dataset_options, load


def create_app(nquads: Path) -> Any:
    """The Flask app over a store loaded from ``nquads``."""
    from flask import Flask, Response, request

    store = load(nquads)
    app = Flask(__name__)

    @app.route("/query", methods=["GET", "POST"])
    def query() -> Response:
        if request.method == "POST" and request.mimetype == "application/sparql-query":
            text, params = request.get_data(as_text=True), request.args
        else:
            text, params = request.values.get("query", ""), request.values
        options = dataset_options(params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))
        status, media_type, body = answer(store, text, options)
        return Response(body, status=status, mimetype=media_type)

    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Load the data, then serve it until terminated."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flask_server")
    parser.add_argument("--data", type=Path, required=True, help="N-Quads file to serve")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    from waitress import serve

    serve(create_app(args.data), host="127.0.0.1", port=args.port, threads=16, ident="flask-pyoxigraph")


if __name__ == "__main__":
    main()
