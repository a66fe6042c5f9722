"""The answer the two guard-free contenders share: one query on an in-process pyoxigraph store.

The Flask app (:mod:`benchmarks.flask_server`) and the WSGI function on granian
(:mod:`benchmarks.granian_server`) must do exactly the same work per query, so that the benchmark's
difference between them is the web stack alone. Both answer what the benchmark asks and nothing more:
the default graph is the union of the named graphs unless the request names a dataset, and results
come back as SPARQL JSON or N-Triples. There is no timeout, row cap, guard or cache here on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

__all__ = ["answer", "dataset_options", "load"]

RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


def load(nquads: Path) -> ox.Store:
    """An in-memory store holding ``nquads``."""
    store = ox.Store()
    store.load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


def dataset_options(default_graphs: Sequence[str], named_graphs: Sequence[str]) -> dict[str, Any]:
    """``Store.query`` options for the protocol's ``default-graph-uri`` / ``named-graph-uri`` values."""
    if not default_graphs and not named_graphs:
        return {"use_default_graph_as_union": True}
    return {
        "default_graph": [ox.NamedNode(iri) for iri in default_graphs],
        "named_graphs": [ox.NamedNode(iri) for iri in named_graphs],
    }


def answer(store: ox.Store, text: str, options: dict[str, Any]) -> tuple[int, str, bytes]:
    """Status, media type and body for one query: 400 with the engine's message when it refuses."""
    try:
        result = store.query(text, **options)
    except (SyntaxError, ValueError, OSError) as err:
        return 400, "text/plain", str(err).encode()
    if isinstance(result, ox.QueryTriples):
        return 200, NTRIPLES, result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    return 200, RESULTS_JSON, result.serialize(format=ox.QueryResultsFormat.JSON) or b""
