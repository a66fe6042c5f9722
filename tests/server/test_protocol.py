"""The SPARQL 1.1 Protocol and Service Description, rule by rule, against a running ``mkg serve``."""

from __future__ import annotations

import csv
import gzip
import io
import json
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import rdflib
from serverkit import GRAPH, Server

SELECT_LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label WHERE { ?c rdfs:label ?label } ORDER BY ?label"""
ASK_BONE = "ASK { <https://w3id.org/metastasis-kg/BreastCancer> <https://w3id.org/metastasis-kg/spreadsTo> ?site }"
CONSTRUCT_SPREAD = """PREFIX mkg: <https://w3id.org/metastasis-kg/>
CONSTRUCT { ?c mkg:spreadsTo ?s } WHERE { ?c mkg:spreadsTo ?s }"""
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


def rdf(body: bytes, fmt: str) -> rdflib.Graph:
    """Parse any RDF answer (pyoxigraph reads every format) into an rdflib graph of its triples."""
    quads = ox.parse(body, format=_OX_FORMATS[fmt])
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def _count(reply_json: dict) -> int:  # type: ignore[type-arg]
    return int(reply_json["results"]["bindings"][0]["n"]["value"])


# -- the three ways to send a query --------------------------------------------------------------


def test_get_query_returns_sparql_json_results(server: Server) -> None:
    """GET /sparql?query=... answers 200 with SPARQL JSON by default, with the labels in order."""
    reply = server.get(SELECT_LABELS)
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/sparql-results+json; charset=utf-8"
    data = reply.json()
    assert data["head"]["vars"] == ["c", "label"]
    labels = [row["label"]["value"] for row in data["results"]["bindings"]]
    assert labels == sorted(labels) and "breast cancer" in labels


def test_post_form_and_direct_post_answer_like_get(server: Server) -> None:
    """POST form-encoded and POST application/sparql-query give the same result as GET."""
    by_get = server.get(SELECT_LABELS).json()
    by_form = server.post_form([("query", SELECT_LABELS)]).json()
    direct = server.request("POST", "/sparql", headers={"Content-Type": "application/sparql-query"}, body=SELECT_LABELS)
    assert direct.status == 200
    assert by_get == by_form == direct.json()


def test_direct_post_takes_dataset_parameters_from_the_url(server: Server) -> None:
    """With a direct POST, default-graph-uri comes from the URL query string."""
    path = "/sparql?" + urlencode({"default-graph-uri": GRAPH + "provenance"})
    reply = server.request(
        "POST", path, headers={"Content-Type": "application/sparql-query; charset=UTF-8"}, body=COUNT_ALL
    )
    assert reply.status == 200
    assert _count(reply.json()) == 5


def test_malformed_query_is_400_with_line_column_and_hint(server: Server) -> None:
    """A syntax error answers 400 with one line: line, column, the text there and a hint, on every engine."""
    reply = server.get("SELECT * WHERE {\n  ?s ?p \n}")
    assert reply.status == 400
    assert reply.text == (
        'malformed query at line 2, column 6 (near "?p"): the triple pattern has no object (add the object before'
        ' the "}")\n'
    )
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    prefix = server.get("SELECT * WHERE {\n  ?s nope:p ?o }")
    assert prefix.status == 400
    assert prefix.text.startswith('malformed query at line 2, column 6 (near "nope:p ?o }"): prefix "nope:" is not')


def test_the_prefix_table_needs_no_declaration(server: Server) -> None:
    """`rdfs:` and `mkg:` work undeclared on every engine (the remote ones get them declared); a PREFIX wins."""
    undeclared = "SELECT ?label WHERE { mkg:Bone rdfs:label ?label }"
    reply = server.get(undeclared)
    assert reply.status == 200, reply.text
    assert [b["label"]["value"] for b in reply.json()["results"]["bindings"]] == ["bone"]
    own = server.get("PREFIX mkg: <http://example.org/> " + undeclared)
    assert own.status == 200 and own.json()["results"]["bindings"] == []
    table = server.request("GET", "/prefixes.json")
    assert table.status == 200 and table.json()["rdfs"] == "http://www.w3.org/2000/01/rdf-schema#"


def test_wrong_body_media_type_is_415(server: Server) -> None:
    """A POST body that is neither a form nor application/sparql-query is refused with 415."""
    for content_type in ("text/plain", "application/json", "application/sparql-results+json"):
        reply = server.request("POST", "/sparql", headers={"Content-Type": content_type}, body=COUNT_ALL)
        assert reply.status == 415, content_type
        assert "application/sparql-query" in (reply.header("Accept-Post") or "")
    missing = server.request("POST", "/sparql", body=COUNT_ALL)
    assert missing.status == 415


def test_two_queries_or_query_with_update_is_400_or_refused(server: Server) -> None:
    """Two query parameters are 400 (GET, form, and URL plus direct body); query with update is refused."""
    assert server.request("GET", "/sparql?" + urlencode([("query", COUNT_ALL)] * 2)).status == 400
    assert server.post_form([("query", COUNT_ALL), ("query", ASK_BONE)]).status == 400
    both = server.request(
        "POST",
        "/sparql?" + urlencode({"query": COUNT_ALL}),
        headers={"Content-Type": "application/sparql-query"},
        body=ASK_BONE,
    )
    assert both.status == 400
    assert server.post_form([("query", COUNT_ALL), ("update", "CLEAR ALL")]).status in (400, 403)
    assert server.get(COUNT_ALL, update="CLEAR ALL").status in (400, 403)


def test_post_without_query_is_400(server: Server) -> None:
    """A form POST with no query parameter is a client error, not a service description."""
    reply = server.post_form([("default-graph-uri", GRAPH + "asserted")])
    assert reply.status == 400


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, "CLEAR ALL"),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, "update=DROP+ALL"),
        ("GET", "/sparql?update=DROP%20ALL", {}, None),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, "INSERT DATA { <a:a> <a:b> <a:c> }"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, "DELETE WHERE { ?s ?p ?o }"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, "LOAD <file:///etc/passwd>"),
        ("PUT", "/sparql", {"Content-Type": "text/turtle"}, "<a:a> <a:b> <a:c> ."),
        ("DELETE", "/sparql", {}, None),
        ("PATCH", "/sparql", {"Content-Type": "application/sparql-update"}, "CLEAR ALL"),
        ("POST", "/update", {"Content-Type": "application/sparql-update"}, "CLEAR ALL"),
        ("POST", "/sparql/update", {"Content-Type": "application/sparql-update"}, "CLEAR ALL"),
        ("PUT", "/rdf-graph-store?default", {"Content-Type": "text/turtle"}, "<a:a> <a:b> <a:c> ."),
    ],
)
def test_updates_are_refused_by_any_method_or_route(server: Server, method, path, headers, body) -> None:  # type: ignore[no-untyped-def]
    """Every way of sending an update gets a 4xx, and the data stay exactly the fixture's."""
    reply = server.request(method, path, headers=headers, body=body)
    assert 400 <= reply.status < 500, (reply.status, reply.text)
    server.assert_data_unchanged(workers=2)


def test_head_and_options_are_answered(server: Server) -> None:
    """HEAD gives the GET headers without a body; OPTIONS lists the methods and CORS preflight headers."""
    path = "/sparql?" + urlencode({"query": COUNT_ALL})
    head = server.request("HEAD", path)
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Type") == "application/sparql-results+json; charset=utf-8"
    options = server.request(
        "OPTIONS",
        "/sparql",
        headers={"Origin": "https://tool.example", "Access-Control-Request-Method": "POST"},
    )
    assert options.status == 200
    allowed = {m.strip() for m in (options.header("Allow") or "").split(",")}
    assert {"GET", "POST", "HEAD", "OPTIONS"} <= allowed
    assert options.header("Access-Control-Allow-Origin") == "*"
    assert "POST" in (options.header("Access-Control-Allow-Methods") or "")
    assert "Content-Type" in (options.header("Access-Control-Allow-Headers") or "")


# -- content negotiation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*;q=0.3, text/tab-separated-values;q=0.8, */*;q=0.1", "text/tab-separated-values"),
        ("application/sparql-results+json;q=0, */*;q=0.5", "application/sparql-results+xml"),
        ("application/sparql-results+json; charset=utf-8", "application/sparql-results+json"),
    ],
)
def test_select_results_follow_accept_with_q_values_and_wildcards(server: Server, accept, content_type) -> None:  # type: ignore[no-untyped-def]
    """SELECT answers in the format the Accept header ranks highest, with charset, and Vary: Accept."""
    reply = server.get(SELECT_LABELS, accept=accept)
    assert reply.status == 200
    assert reply.header("Content-Type") == f"{content_type}; charset=utf-8"
    assert "Accept" in (reply.header("Vary") or "")


def test_select_formats_carry_the_same_rows(server: Server) -> None:
    """JSON, XML, CSV and TSV hold the same labels."""
    json_labels = [b["label"]["value"] for b in server.get(SELECT_LABELS).json()["results"]["bindings"]]
    xml = server.get(SELECT_LABELS, accept="application/sparql-results+xml").body
    parsed = ox.parse_query_results(xml, format=ox.QueryResultsFormat.XML)
    xml_labels = [solution["label"].value for solution in parsed]
    rows = list(csv.DictReader(io.StringIO(server.get(SELECT_LABELS, accept="text/csv").text)))
    tsv = server.get(SELECT_LABELS, accept="text/tab-separated-values").text.splitlines()
    assert tsv[0] == "?c\t?label"
    assert json_labels == xml_labels == [r["label"] for r in rows]
    assert len(tsv) - 1 == len(json_labels)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_ask_answers_a_boolean_in_each_results_format(server: Server, accept, content_type) -> None:  # type: ignore[no-untyped-def]
    """ASK answers true in every SPARQL results format."""
    reply = server.get(ASK_BONE, accept=accept)
    assert reply.status == 200
    assert reply.header("Content-Type") == f"{content_type}; charset=utf-8"
    assert b"true" in reply.body


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/trig", "application/trig", "trig"),
        ("*/*", "text/turtle", "turtle"),
        ("application/json", "application/ld+json", "json-ld"),
        ("text/plain", "application/n-triples", "nt"),
    ],
)
def test_construct_results_follow_accept_in_every_rdf_format(
    server: Server, accept, content_type, rdflib_format
) -> None:  # type: ignore[no-untyped-def]
    """CONSTRUCT answers in Turtle, N-Triples, JSON-LD, RDF/XML, N-Quads and TriG, parseable, same triples."""
    reply = server.get(CONSTRUCT_SPREAD, accept=accept)
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type") == f"{content_type}; charset=utf-8"
    graph = rdf(reply.body, rdflib_format)
    spreads = rdflib.URIRef("https://w3id.org/metastasis-kg/spreadsTo")
    assert len(graph) == 4 == len(set(graph.triples((None, spreads, None))))


def test_describe_is_a_graph_result(server: Server) -> None:
    """DESCRIBE answers an RDF graph about the resource (Turtle by default)."""
    reply = server.get("DESCRIBE <https://w3id.org/metastasis-kg/fact/1>")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=reply.body, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/metastasis-kg/fact/1"), None, None) in graph


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT_LABELS, "text/turtle"),
        (SELECT_LABELS, "image/png, text/html"),
        (CONSTRUCT_SPREAD, "application/sparql-results+json"),
        (CONSTRUCT_SPREAD, "text/csv"),
        (ASK_BONE, "application/rdf+xml"),
        (SELECT_LABELS, "application/sparql-results+json;q=0"),
    ],
)
def test_nothing_acceptable_is_406(server: Server, query: str, accept: str) -> None:
    """When no format the query can produce is acceptable, the answer is 406 naming what is available."""
    reply = server.get(query, accept=accept)
    assert reply.status == 406
    assert "available" in reply.text
    assert "Accept" in (reply.header("Vary") or "")


# -- the dataset ----------------------------------------------------------------------------------


def test_default_graph_is_the_union_of_the_release_graphs(server: Server) -> None:
    """Without dataset parameters the default graph holds every served triple."""
    assert _count(server.get(COUNT_ALL).json()) == 79


def test_default_and_named_graph_uri_select_release_graphs(server: Server) -> None:
    """default-graph-uri narrows the default graph; named-graph-uri limits GRAPH ?g to the named ones."""
    only_inferred = server.get(COUNT_ALL, default_graph_uri=GRAPH + "inferred")
    assert _count(only_inferred.json()) == 5
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    reply = server.request(
        "GET",
        "/sparql?"
        + urlencode(
            [("query", query), ("named-graph-uri", GRAPH + "ontology"), ("named-graph-uri", GRAPH + "inferred")]
        ),
    )
    graphs = {b["g"]["value"] for b in reply.json()["results"]["bindings"]}
    assert graphs == {GRAPH + "ontology", GRAPH + "inferred"}


def test_from_and_from_named_select_release_graphs(server: Server) -> None:
    """FROM and FROM NAMED in the query text pick among the served graphs."""
    reply = server.get(f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}provenance> WHERE {{ ?s ?p ?o }}")  # noqa: S608
    assert _count(reply.json()) == 5
    named = server.get(
        f"SELECT DISTINCT ?g FROM NAMED <{GRAPH}asserted> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"  # noqa: S608
    ).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [GRAPH + "asserted"]


def test_unknown_dataset_iri_is_an_empty_graph_not_a_fetch(server: Server) -> None:
    """A graph IRI the release does not hold is an empty graph; an invalid one is a 400."""
    assert _count(server.get(COUNT_ALL, default_graph_uri="https://example.org/elsewhere").json()) == 0
    assert server.get(COUNT_ALL, default_graph_uri="not an iri").status == 400


# -- description, discovery, health -----------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_get_without_query_is_the_service_description(server: Server, accept, content_type, rdflib_format) -> None:  # type: ignore[no-untyped-def]
    """GET /sparql with no query describes the service: endpoint, formats, graphs and their sizes."""
    reply = server.get(accept=accept)
    assert reply.status == 200
    assert reply.header("Content-Type") == f"{content_type}; charset=utf-8"
    graph = rdf(reply.body, rdflib_format)
    sd = rdflib.Namespace(SD)
    endpoint = rdflib.URIRef(server.base + "/sparql")
    assert (None, sd.endpoint, endpoint) in graph
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in graph
    formats = set(graph.objects(None, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    sizes = {}
    for named in graph.objects(None, sd.namedGraph):
        name = graph.value(named, sd.name)
        sizes[str(name)] = int(graph.value(graph.value(named, sd.graph), rdflib.URIRef(VOID + "triples")))
    assert sizes == {GRAPH + "asserted": 32, GRAPH + "inferred": 5, GRAPH + "ontology": 37, GRAPH + "provenance": 5}


def test_service_description_uses_the_configured_public_url(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """With --base-url, sd:endpoint and void:sparqlEndpoint name the public URL, not the bound address."""
    srv = start_server("--release", release_dir, "--base-url", "https://kg.example.org/", "--workers", "1")
    try:
        graph = rdflib.Graph().parse(data=srv.get().body, format="turtle")
        assert (None, rdflib.URIRef(SD + "endpoint"), rdflib.URIRef("https://kg.example.org/sparql")) in graph
        void = rdflib.Graph().parse(data=srv.request("GET", "/.well-known/void").body, format="turtle")
        assert (None, rdflib.URIRef(VOID + "sparqlEndpoint"), rdflib.URIRef("https://kg.example.org/sparql")) in void
    finally:
        srv.stop()


def test_service_description_406_for_results_formats(server: Server) -> None:
    """The description is RDF: asking only for a results format gets 406."""
    assert server.get(accept="application/sparql-results+json").status == 406


def test_void_is_served_at_well_known(server: Server) -> None:
    """/.well-known/void describes the dataset, its size and the SPARQL endpoint, in Turtle or JSON-LD."""
    reply = server.request("GET", "/.well-known/void")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=reply.body, format="turtle")
    void = rdflib.Namespace(VOID)
    dataset = graph.value(None, void.sparqlEndpoint, rdflib.URIRef(server.base + "/sparql"))
    assert dataset is not None
    assert int(graph.value(dataset, void.triples)) == 79
    jsonld = server.request("GET", "/.well-known/void", headers={"Accept": "application/ld+json"})
    assert jsonld.header("Content-Type") == "application/ld+json; charset=utf-8"
    assert len(rdf(jsonld.body, "json-ld")) == len(graph)


def test_health_reports_version_and_triples(server: Server) -> None:
    """/health answers 200 with the release version, the triple count, the supervisor and every worker."""
    server.wait_for_workers(2)
    reply = server.request("GET", "/health")
    assert reply.status == 200
    body = reply.json()
    assert body["status"] == "ok"
    assert body["version"] == "2025-01-31"
    assert body["triples"] == 79
    assert body["supervisor"]["role"] == "supervisor" and body["supervisor"]["pid"] == server.process.pid
    workers = body["workers"]
    assert len(workers) == 2 and body["process"] in {w["pid"] for w in workers}
    assert {w["pid"] for w in workers} <= server.descendants()
    engine = "embedded" if server.engine == "embedded" else "remote"  # type: ignore[attr-defined]
    for worker in workers:
        assert worker["engine"] == engine and worker["accepting"] is True
        assert {"requests", "connections", "queries", "timeouts", "rss_mb"} <= worker.keys()


# -- HTTP: CORS, compression, caching -------------------------------------------------------------


def test_cors_allows_any_origin_without_credentials(server: Server) -> None:
    """Every answer carries Access-Control-Allow-Origin: * and never allows credentials."""
    for reply in (server.get(COUNT_ALL), server.get("SELEC"), server.request("GET", "/health")):
        assert reply.header("Access-Control-Allow-Origin") == "*"
        assert reply.header("Access-Control-Allow-Credentials") is None
    exposed = server.get(COUNT_ALL).header("Access-Control-Expose-Headers") or ""
    assert "MKG-Result-Truncated" in exposed and "ETag" in exposed


def test_gzip_when_accepted(server: Server) -> None:
    """Large results are gzipped for clients that accept it, and identical once decompressed."""
    query = "SELECT * WHERE { ?s ?p ?o }"
    plain = server.get(query)
    zipped = server.request("GET", "/sparql?" + urlencode({"query": query}), headers={"Accept-Encoding": "gzip"})
    assert plain.header("Content-Encoding") is None
    assert zipped.header("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in (zipped.header("Vary") or "")
    assert gzip.decompress(zipped.body) == plain.body
    assert zipped.header("ETag") != plain.header("ETag")


def test_etag_gives_304_on_repeat(server: Server) -> None:
    """A repeated query with If-None-Match gets 304 and no body; a different format gets a new tag."""
    first = server.get(SELECT_LABELS)
    etag = first.header("ETag")
    assert etag and etag.startswith('"')
    path = "/sparql?" + urlencode({"query": SELECT_LABELS})
    again = server.request("GET", path, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.header("ETag") == etag
    csv_tag = server.get(SELECT_LABELS, accept="text/csv").header("ETag")
    assert csv_tag != etag
    stale = server.request("GET", path, headers={"If-None-Match": '"something-else"'})
    assert stale.status == 200


def test_etag_is_tied_to_the_release(server: Server, start_server, release_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same query on a release with another fingerprint gets another ETag; the same release, the same."""
    manifest = json.loads((release_dir / "release.json").read_text())
    other = tmp_path / "other-release"
    other.mkdir()
    for name in ("kg.nq", "kg.ttl"):
        (other / name).write_bytes((release_dir / name).read_bytes())
    (other / "release.json").write_text(json.dumps({**manifest, "fingerprint": "0" * 64}))
    srv = start_server("--release", other, "--workers", "1")
    try:
        assert srv.get(SELECT_LABELS).body == server.get(SELECT_LABELS).body
        assert srv.get(SELECT_LABELS).header("ETag") != server.get(SELECT_LABELS).header("ETag")
    finally:
        srv.stop()
