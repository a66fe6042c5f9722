"""``/schema``: every class and property of the ontology with label, domain, range and counts a SPARQL COUNT confirms.

In-process (Flask's test client over the session's release). The expected schema is read from the release's
own ontology file with rdflib, and every count on the page is checked against a COUNT query of its own sent
to ``/sparql``, so the page cannot drift from the data or from the stored queries it renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import flask
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from server.config import ServerConfig
from server.web.app import create_app

BASE = "https://w3id.org/metastasis-kg/"
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Iterator[flask.testing.FlaskClient]:
    """A test client of the app serving the session's release."""
    app = create_app(ServerConfig(release=release_dir, workers=1))
    yield app.test_client()
    app.extensions["mkg"].close()


@pytest.fixture(scope="module")
def ontology(release_dir: Path) -> rdflib.Graph:
    """The released ontology, as the expected schema."""
    return rdflib.Graph().parse(release_dir / "metastasis-kg.ttl", format="turtle")


@dataclass
class _Row:
    """One table row of the page: its term, and each cell's text and link targets by the cell's class."""

    iri: str
    table: str
    text: dict[str, str] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)


class _Rows(HTMLParser):
    """The rows of ``table.schema-classes`` and ``table.schema-properties``, keyed by ``data-iri``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], _Row] = {}
        self._table = ""
        self._row: _Row | None = None
        self._cell = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "table":
            self._table = next((c for c in classes if c.startswith("schema-")), "")
        elif tag == "tr" and self._table and a.get("data-iri"):
            self._row = _Row(a["data-iri"], self._table)
            self.rows[(self._table, a["data-iri"])] = self._row
        elif tag == "td" and self._row is not None:
            self._cell = next((c for c in classes if c != "number"), "")
            self._row.text[self._cell] = ""
            self._row.links[self._cell] = []
        elif tag == "a" and self._row is not None and self._cell:
            self._row.links[self._cell].append(a.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = ""
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = ""

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._cell:
            self._row.text[self._cell] = " ".join((self._row.text[self._cell] + data).split())


def _schema(client: flask.testing.FlaskClient) -> dict[tuple[str, str], _Row]:
    reply = client.get("/schema", headers={"Accept": BROWSER})
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    parser = _Rows()
    parser.feed(reply.data.decode())
    return parser.rows


def _href(iri: str) -> str:
    """Where the page must link a term: its page on this server for the KG's IRIs, else the IRI itself."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri


def _count(client: flask.testing.FlaskClient, where: str) -> int:
    reply = client.get(
        "/sparql",
        query_string={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert reply.status_code == 200, reply.data
    return int(reply.get_json()["results"]["bindings"][0]["n"]["value"])


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_every_class_of_the_ontology_is_listed_with_its_label_and_definition(
    client: flask.testing.FlaskClient, ontology: rdflib.Graph
) -> None:
    """Each owl:Class under the KG's base (HPO's terms live in their own graph) has a row: label, link, definition."""
    rows = _schema(client)
    expected = sorted(str(c) for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(BASE))
    assert len(expected) > 100
    listed = sorted(iri for table, iri in rows if table == "schema-classes")
    assert listed == expected
    for iri in expected:
        row = rows[("schema-classes", iri)]
        labels = {str(label) for label in ontology.objects(rdflib.URIRef(iri), RDFS.label)}
        assert row.text["term"] in labels, f"{iri}: {row.text['term']!r} is not one of its labels {labels}"
        assert row.links["term"] == [_href(iri)]
    breast = rows[("schema-classes", BASE + "BreastCancer")]
    assert breast.text["definition"] == "A malignant neoplasm of the breast."


def test_every_property_of_the_ontology_is_listed_with_its_label_domain_and_range(
    client: flask.testing.FlaskClient, ontology: rdflib.Graph
) -> None:
    """Object, datatype and annotation properties: each has a row whose domain and range link what the ontology says."""
    rows = _schema(client)
    expected = sorted({str(p) for kind in PROPERTY_KINDS for p in ontology.subjects(RDF.type, kind)})
    assert len(expected) > 50
    listed = sorted({iri for table, iri in rows if table == "schema-properties"})
    assert listed == expected
    for iri in expected:
        row = rows[("schema-properties", iri)]
        node = rdflib.URIRef(iri)
        labels = {str(label) for label in ontology.objects(node, RDFS.label)}
        if labels:
            assert row.text["term"] in labels, f"{iri}: {row.text['term']!r} is not one of its labels {labels}"
        domains = sorted(_href(str(d)) for d in ontology.objects(node, RDFS.domain) if isinstance(d, rdflib.URIRef))
        ranges = sorted(_href(str(r)) for r in ontology.objects(node, RDFS.range) if isinstance(r, rdflib.URIRef))
        assert sorted(row.links["domain"]) == domains, iri
        assert sorted(row.links["range"]) == ranges, iri
    spreads = rows[("schema-properties", BASE + "spreadsTo")]
    assert spreads.text["domain"] == "malignant neoplasm" and spreads.text["range"] == "anatomical site"


def test_the_counts_on_the_page_equal_sparql_counts(client: flask.testing.FlaskClient) -> None:
    """Typed nodes and mentions of each class, and triples of each property, equal a COUNT query on /sparql."""
    rows = _schema(client)
    used = 0
    for (table, iri), row in sorted(rows.items()):
        if table == "schema-classes":
            assert _number(row.text["instances"]) == _count(client, f"SELECT DISTINCT ?node {{ ?node a <{iri}> }}"), iri
            mentions = _count(client, f"{{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }}")
            assert _number(row.text["triples"]) == mentions, iri
        else:
            triples = _count(client, f"?s <{iri}> ?o")
            assert _number(row.text["triples"]) == triples, iri
            used += triples > 0
    assert used > 40  # the counts are not all zero
    assert _number(rows[("schema-classes", BASE + "Association")].text["instances"]) > 50


def test_schema_is_html_and_sends_json_clients_to_the_rest_api(client: flask.testing.FlaskClient) -> None:
    """One representation (HTML); the API's JSON of the same queries is announced, and a JSON-only Accept gets 406."""
    reply = client.get("/schema", headers={"Accept": BROWSER})
    links = reply.headers["Link"]
    assert "</api/queries/schema-classes>" in links and "</api/queries/schema-properties>" in links
    assert "Accept" in reply.headers["Vary"]
    refused = client.get("/schema", headers={"Accept": "application/json"})
    assert refused.status_code == 406 and refused.mimetype == "application/problem+json"
    assert "/api/queries/schema-classes" in refused.get_json()["detail"]
    rows = _schema(client)
    for name, table in (("schema-classes", "class"), ("schema-properties", "property")):
        answer = client.get(f"/api/queries/{name}", headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200
        iris = {b[table]["value"] for b in answer.get_json()["results"]["bindings"]}
        assert iris == {iri for t, iri in rows if t == f"schema-{'classes' if table == 'class' else 'properties'}"}


@pytest.mark.parametrize("path", ["/", "/metastasis-kg.owl", "/browse"])
def test_the_home_ontology_and_index_pages_link_the_schema(client: flask.testing.FlaskClient, path: str) -> None:
    """The schema is reachable from the query page, the ontology page and every linked-data page's header."""
    reply = client.get(path, headers={"Accept": BROWSER})
    assert reply.status_code == 200
    assert 'href="/schema"' in reply.data.decode()
