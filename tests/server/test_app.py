"""The app factory's contract for other blueprints: ``app.extensions["mkg"].run_query`` with every guard."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import flask
import pyoxigraph as ox
import pytest
import rdflib

from server.config import ServerConfig
from server.engine.service import QueryService
from server.web.app import create_app

STORED = """PREFIX mkg: <https://w3id.org/metastasis-kg/>
SELECT ?cancer ?site WHERE { ?cancer mkg:spreadsTo ?site } ORDER BY ?site"""


@pytest.fixture(scope="module")
def app(release_dir: Path) -> Iterator[flask.Flask]:
    """An in-process app with one extra blueprint registered the way the REST API will be."""
    application = create_app(ServerConfig(release=release_dir, workers=1, row_limit=3))
    stored = flask.Blueprint("stored", __name__)

    @stored.route("/api/sites/<name>")
    def sites(name: str) -> flask.Response:
        service: QueryService = flask.current_app.extensions["mkg"]
        outcome = service.run_query(
            STORED,
            bindings={"cancer": ox.NamedNode(f"https://w3id.org/metastasis-kg/{name}")},
            accept=flask.request.headers.get("Accept"),
            if_none_match=flask.request.headers.get("If-None-Match"),
        )
        return outcome.to_response()

    application.register_blueprint(stored)
    yield application
    application.extensions["mkg"].close()


def test_stored_query_with_bindings_goes_through_the_executor(app: flask.Flask) -> None:
    """A blueprint binds ?cancer and gets the same negotiated, ETagged results as /sparql would give."""
    client = app.test_client()
    reply = client.get("/api/sites/BreastCancer")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    sites = [b["site"]["value"] for b in json.loads(reply.data)["results"]["bindings"]]
    assert sites == ["https://w3id.org/metastasis-kg/Bone", "https://w3id.org/metastasis-kg/Liver"]
    csv = client.get("/api/sites/LungCancer", headers={"Accept": "text/csv"})
    assert csv.data.decode().splitlines()[1:] == [
        "https://w3id.org/metastasis-kg/LungCancer,https://w3id.org/metastasis-kg/Brain"
    ]
    again = client.get("/api/sites/BreastCancer", headers={"If-None-Match": reply.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/api/sites/BreastCancer", headers={"Accept": "text/turtle"}).status_code == 406


def test_run_query_applies_guards_caps_and_cache(app: flask.Flask) -> None:
    """run_query refuses SERVICE and updates, caps rows, and answers a repeat from the cache."""
    service: QueryService = app.extensions["mkg"]
    with app.test_request_context("/"):
        assert service.run_query("SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }").status == 400
        assert service.run_query("INSERT DATA { <urn:a> <urn:b> <urn:c> }").status == 403
        capped = service.run_query("SELECT * WHERE { ?s ?p ?o }")
        assert capped.status == 200 and capped.truncated and capped.rows == 3
        hits = service.cache.hits
        assert service.run_query("SELECT * WHERE { ?s ?p ?o }").body == capped.body
        assert service.cache.hits == hits + 1
        graph = service.run_query("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", accept="text/turtle")
        assert len(rdflib.Graph().parse(data=graph.body, format="turtle")) == 2
        literal = service.run_query(
            "SELECT ?c ?l WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
            bindings={"l": rdflib.Literal("bone", lang="en")},
        )
        assert json.loads(literal.body)["results"]["bindings"][0]["c"]["value"].endswith("/Bone")
        assert service.run_query("SELECT ?x WHERE {}", bindings={"x": object()}).status == 400


def test_a_malformed_query_outcome_carries_its_position_for_json_bodies(app: flask.Flask) -> None:
    """The 400 outcome of a syntax error has ``problem`` (line, column, near, hint) beside its one-line text."""
    service: QueryService = app.extensions["mkg"]
    with app.test_request_context("/"):
        outcome = service.run_query("SELECT * WHERE {\n  ?s owl:sameAs ?o .\n  ?s ?p }")
    assert outcome.status == 400 and outcome.problem is not None
    fields = outcome.problem.as_dict()
    assert (fields["line"], fields["column"], fields["near"]) == (3, 6, "?p }")
    assert outcome.body.decode() == fields["message"] + "\n"
