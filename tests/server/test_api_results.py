"""Stored-query results as an app reads them, on every engine: only the answer's columns, pages, JSON errors.

The fixture library's ``sites-of-cancer`` has one parameter, ``?_cancer_iri``, projected only so it can be
bound (default ``mkg:Cancer``): four rows over three cancers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from serverkit import Server

QUERY = "/api/queries/sites-of-cancer"
ROWS = [
    ("breast cancer", "bone"),
    ("breast cancer", "liver"),
    ("lung cancer", "brain"),
    ("prostate cancer", "bone"),
]
_LINK = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')


def _links(reply_header: str | None) -> dict[str, str]:
    return {rel: url for url, rel in _LINK.findall(reply_header or "")}


def _pairs(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["cancer"]["value"], b["site"]["value"]) for b in body["results"]["bindings"]]


def test_parameter_columns_are_left_out_of_every_format(server: Server) -> None:
    """?_cancer_iri is bound, not answered: no JSON, XML, CSV or TSV result names it, on any engine."""
    json_reply = server.request("GET", QUERY)
    assert json_reply.status == 200, json_reply.text
    body = json_reply.json()
    assert body["head"]["vars"] == ["cancer", "site"]
    assert _pairs(body) == ROWS
    assert all(set(b) <= {"cancer", "site"} for b in body["results"]["bindings"])
    csv_reply = server.request("GET", QUERY, headers={"Accept": "text/csv"})
    table = list(csv.reader(io.StringIO(csv_reply.text)))
    assert table[0] == ["cancer", "site"] and [tuple(r) for r in table[1:]] == ROWS
    tsv_reply = server.request("GET", QUERY, headers={"Accept": "text/tab-separated-values"})
    assert tsv_reply.text.splitlines()[0] == "?cancer\t?site"
    xml_reply = server.request("GET", QUERY, headers={"Accept": "application/sparql-results+xml"})
    xml = ox.parse_query_results(xml_reply.body, format=ox.QueryResultsFormat.XML)
    assert isinstance(xml, ox.QuerySolutions)
    assert [v.value for v in xml.variables] == ["cancer", "site"] and len(list(xml)) == len(ROWS)
    bound = server.request("GET", QUERY + "?" + urlencode({"cancer": "https://w3id.org/metastasis-kg/LungCancer"}))
    assert bound.json()["head"]["vars"] == ["cancer", "site"] and _pairs(bound.json()) == [("lung cancer", "brain")]


def test_two_pages_are_the_whole_result_with_next_and_prev_links(server: Server) -> None:
    """limit/offset cut pages from the whole result; Link rel=next/prev lead through it, in order, no overlap."""
    first = server.request("GET", QUERY + "?limit=2")
    assert first.status == 200, first.text
    assert first.header("MKG-Result-Total") == "4"
    links = _links(first.header("Link"))
    assert "prev" not in links and links["describedby"].endswith("/api/openapi.json")
    second = server.request("GET", links["next"])
    assert second.status == 200, second.text
    assert _pairs(first.json()) + _pairs(second.json()) == ROWS
    back = _links(second.header("Link"))
    assert "next" not in back
    assert _pairs(server.request("GET", back["prev"]).json()) == _pairs(first.json())
    assert _pairs(server.request("GET", QUERY + "?limit=4").json()) == ROWS
    kept = server.request("GET", QUERY + "?" + urlencode({"cancer": "mkg:BreastCancer", "limit": 1}))
    assert "cancer=mkg%3ABreastCancer" in _links(kept.header("Link"))["next"]
    beyond = server.request("GET", QUERY + "?limit=2&offset=10")
    assert beyond.status == 200 and _pairs(beyond.json()) == [] and "next" not in _links(beyond.header("Link"))


def test_a_page_larger_than_the_maximum_is_a_400_naming_limit(server: Server) -> None:
    """The limit is bounded (10000) and whole: 0, 10001 and 'ten' are 400s whose problem details name 'limit'."""
    for value in ("0", "10001", "ten", "-1"):
        reply = server.request("GET", QUERY + "?limit=" + value, headers={"Accept": "application/json"})
        assert reply.status == 400, value
        assert reply.media_type == "application/problem+json"
        assert reply.json()["parameter"] == "limit" and value in reply.json()["detail"]


def test_errors_are_problem_details_when_json_is_preferred_else_text(server: Server) -> None:
    """RFC 9457 bodies (type, title, status, detail, instance + our fields) for JSON clients; text for the rest."""
    missing = server.request("GET", "/api/queries/nope", headers={"Accept": "application/json"})
    assert missing.status == 404 and missing.media_type == "application/problem+json"
    problem = missing.json()
    assert problem["type"] == "about:blank" and problem["title"] == "Not Found" and problem["status"] == 404
    assert "no stored query 'nope'" in problem["detail"] and problem["instance"] == "/api/queries/nope"
    unknown = server.request("GET", QUERY + "?colour=red", headers={"Accept": "application/problem+json"})
    assert unknown.status == 400 and unknown.json()["parameter"] == "colour"
    refused = server.request("GET", QUERY, headers={"Accept": "text/turtle"})
    assert refused.status == 406 and refused.media_type == "text/plain"
    malformed = server.request(
        "GET", "/sparql?" + urlencode({"query": "SELECT * WHERE {\n  ?s ?p }"}), headers={"Accept": "application/json"}
    )
    assert malformed.status == 400 and malformed.media_type == "application/problem+json"
    fields = malformed.json()
    assert (fields["status"], fields["line"], fields["instance"]) == (400, 2, "/sparql")
    assert fields["detail"].startswith("malformed query at line 2")
    sparql_client = server.get("SELECT * WHERE { ?s ?p }", accept="application/sparql-results+json")
    assert sparql_client.media_type == "application/problem+json"  # a JSON client, whatever JSON it asked for
    for accept in (None, "*/*", "text/html,application/xhtml+xml,*/*;q=0.8", "text/plain, application/json"):
        plain = server.get("SELECT * WHERE { ?s ?p }", accept=accept)
        assert plain.status == 400 and plain.media_type == "text/plain", accept
        assert plain.text.startswith("malformed query at line 1")


def test_compacted_json_ld_is_the_same_graph_on_every_engine(server: Server) -> None:
    """A CONSTRUCT asked for with the compacted profile uses /context.jsonld and expands to the N-Triples graph."""
    query = "CONSTRUCT { ?fact ?p ?o } WHERE { ?fact a <https://w3id.org/metastasis-kg/SpreadAssociation> ; ?p ?o }"
    compacted = server.get(query, accept='application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"')
    assert compacted.status == 200, compacted.text
    document = compacted.json()
    assert document["@context"] == server.base + "/context.jsonld"
    assert any("quote" in node for node in document["@graph"])  # the context's term for mkg:quote
    context = server.request("GET", "/context.jsonld").json()["@context"]
    inline = json.dumps(dict(document, **{"@context": context})).encode()
    expanded = {str(ox.Triple(q.subject, q.predicate, q.object)) for q in ox.parse(inline, format=ox.RdfFormat.JSON_LD)}
    ntriples = server.get(query, accept="application/n-triples").body
    assert expanded == {str(t) for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)} and len(expanded) > 20
