"""JSON-LD profiles (JSON-LD 1.1, section 9.1) on graph results and linked-data resources.

``Accept: application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"`` on a CONSTRUCT or
DESCRIBE gives compacted JSON-LD with the KG's context; without a profile the endpoint keeps expanded
JSON-LD. Resource pages keep compacted JSON-LD and give expanded on request. Either way the document
expands to exactly the graph the query gives as N-Triples.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from werkzeug.test import TestResponse

from server.config import ServerConfig
from server.web.app import create_app

COMPACTED = 'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"'
EXPANDED = 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"'
CONSTRUCT = """PREFIX mkg: <https://w3id.org/metastasis-kg/>
CONSTRUCT { ?fact ?p ?o } WHERE { ?fact mkg:subject mkg:BreastCancer ; ?p ?o }"""
DESCRIBE = "DESCRIBE <https://w3id.org/metastasis-kg/BreastCancer>"


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Iterator[flask.testing.FlaskClient]:
    """A test client of the app serving the session's release."""
    app = create_app(ServerConfig(release=release_dir, workers=1))
    yield app.test_client()
    app.extensions["mkg"].close()


def _graph_of_jsonld(document: Any, context: dict[str, Any] | None) -> rdflib.Graph:
    """Expand with pyoxigraph's parser, the context given inline (nothing is fetched)."""
    if context is not None:
        document = dict(document, **{"@context": context})
    quads = ox.parse(json.dumps(document).encode(), format=ox.RdfFormat.JSON_LD)
    ntriples = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=ntriples or b"", format="nt")


def _sparql(client: flask.testing.FlaskClient, query: str, accept: str) -> TestResponse:
    reply = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert reply.status_code == 200, reply.data
    return reply


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE])
def test_the_compacted_profile_uses_the_context_and_expands_to_the_same_graph(
    client: flask.testing.FlaskClient, query: str
) -> None:
    """Compacted JSON-LD names /context.jsonld, keys by its terms, and expands to the N-Triples result's graph."""
    context = client.get("/context.jsonld").get_json(force=True)["@context"]
    reply = _sparql(client, query, COMPACTED)
    assert reply.headers["Content-Type"].startswith(COMPACTED)
    assert "Accept" in reply.headers["Vary"]
    document = reply.get_json(force=True)
    assert document["@context"] == "http://localhost/context.jsonld"
    keys = {key for node in document["@graph"] for key in node}
    assert {"label", "subject", "object"} & keys, keys
    assert all(key.startswith("@") or key in context or ":" in key for key in keys)
    ntriples = _sparql(client, query, "application/n-triples").data
    expected = rdflib.Graph().parse(data=ntriples, format="nt")
    assert len(expected) > 5 and isomorphic(_graph_of_jsonld(document, context), expected)


@pytest.mark.parametrize("accept", ["application/ld+json", EXPANDED])
def test_without_the_profile_graph_results_stay_expanded(client: flask.testing.FlaskClient, accept: str) -> None:
    """Plain application/ld+json (or the expanded profile) is expanded JSON-LD: full IRIs, no context."""
    reply = _sparql(client, CONSTRUCT, accept)
    document = reply.get_json(force=True)
    assert isinstance(document, list) and "@context" not in reply.data.decode()
    assert any(key.startswith("https://w3id.org/metastasis-kg/") for node in document for key in node)
    expected = rdflib.Graph().parse(data=_sparql(client, CONSTRUCT, "application/n-triples").data, format="nt")
    assert isomorphic(_graph_of_jsonld(document, None), expected)
    assert _sparql(client, CONSTRUCT, COMPACTED).headers["ETag"] != reply.headers["ETag"]


def test_resource_json_ld_is_compacted_unless_expanded_is_asked_for(client: flask.testing.FlaskClient) -> None:
    """/BreastCancer.jsonld is compacted with the context; the expanded profile gives the same graph expanded."""
    context = client.get("/context.jsonld").get_json(force=True)["@context"]
    compacted = client.get("/BreastCancer.jsonld", headers={"Accept": COMPACTED})
    plain = client.get("/BreastCancer.jsonld")
    assert compacted.get_json(force=True) == plain.get_json(force=True)
    expanded = client.get("/BreastCancer", headers={"Accept": EXPANDED})
    assert expanded.status_code == 200 and isinstance(expanded.get_json(force=True), list)
    assert expanded.headers["ETag"] != compacted.headers["ETag"]
    assert isomorphic(
        _graph_of_jsonld(expanded.get_json(force=True), None),
        _graph_of_jsonld(compacted.get_json(force=True), context),
    )
