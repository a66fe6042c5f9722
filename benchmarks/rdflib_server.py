"""Serve an N-Quads file with rdflib-endpoint, the benchmark's rdflib-based reference server.

Run as ``python -m benchmarks.rdflib_server --data kg.nq --port P``. rdflib-endpoint's own CLI binds
``localhost`` and parses with format guessing; this entry point binds the loopback address the benchmark
chooses, loads the named graphs with the default graph as their union (as the other contenders serve
them), and turns off uvicorn's access log so logging does not count against its speed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the data, then serve it until terminated."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rdflib_server")
    parser.add_argument("--data", type=Path, required=True, help="N-Quads file to serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    dataset.parse(args.data, format="nquads")
    app = SparqlEndpoint(graph=dataset, title="rdflib-endpoint (benchmark reference)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
