"""The server's own queries (``server/queries/ld-*.rq``), run through the shared :class:`QueryService`.

Pages, search, the JSON-LD context and the linked-data representations all read the store through
the same executor as ``/sparql``: same guards, time limit, worker pool and result cache. The query
texts are data files read once at import (start-up); IRIs reach them only as bound terms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import pyoxigraph as ox

from server.engine.service import QueryOutcome, QueryService

__all__ = ["QUERIES", "QueryFailed", "iri_term", "run_graph", "run_select"]

QUERIES: dict[str, str] = {
    entry.name.removesuffix(".rq"): entry.read_text(encoding="utf-8")
    for entry in files("server").joinpath("queries").iterdir()
    if entry.name.startswith("ld-") and entry.name.endswith(".rq")
}

Row = dict[str, dict[str, str]]


class QueryFailed(Exception):
    """One of the server's own queries did not give a result; ``outcome`` is the response to send."""

    def __init__(self, outcome: QueryOutcome) -> None:
        super().__init__(outcome.body.decode("utf-8", "replace").strip())
        self.outcome = outcome


def iri_term(iri: str) -> dict[str, str]:
    """An IRI as a SPARQL-JSON term, the form :meth:`QueryService.run_query` binds."""
    return {"type": "uri", "value": iri}


def run_select(service: QueryService, name: str, bindings: Mapping[str, Any] | None = None) -> list[Row]:
    """The SPARQL-JSON bindings of SELECT query ``name``; a failure raises :class:`QueryFailed`."""
    outcome = service.run_query(QUERIES[name], bindings=dict(bindings or {}), accept="application/sparql-results+json")
    if outcome.status != 200:
        raise QueryFailed(outcome)
    rows: list[Row] = json.loads(outcome.body)["results"]["bindings"]
    return rows


def run_graph(service: QueryService, name: str, bindings: Mapping[str, Any] | None = None) -> list[ox.Triple]:
    """The triples of CONSTRUCT or DESCRIBE query ``name``; a failure raises :class:`QueryFailed`."""
    outcome = service.run_query(QUERIES[name], bindings=dict(bindings or {}), accept="application/n-triples")
    if outcome.status != 200:
        raise QueryFailed(outcome)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(outcome.body, format=ox.RdfFormat.N_TRIPLES)]
