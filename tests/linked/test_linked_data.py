"""Linked data: every minted IRI resolves, by content negotiation or suffix, as HTML pages or RDF that parses."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from ldserver import CHROME_ACCEPT, OWLAPI_ACCEPT, Reply, Server
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from kg.release.files import read_manifest

BASE = "https://w3id.org/metastasis-kg/"
RDF_TYPES = {
    ".ttl": ("text/turtle", "turtle"),
    ".nt": ("application/n-triples", "nt"),
    ".rdf": ("application/rdf+xml", "xml"),
    ".jsonld": ("application/ld+json", "json-ld"),
}


def _graph(server: Server, reply: Reply) -> rdflib.Graph:
    """Parse any RDF answer; JSON-LD gets the server's own context inline (our parsers never fetch one)."""
    media = reply.media_type
    if media == "application/ld+json":
        document = reply.json()
        assert document["@context"] == server.base + "/context.jsonld"
        context = server.get("/context.jsonld").json()["@context"]
        inline = json.dumps(dict(document, **{"@context": context})).encode()
        quads = ox.parse(inline, format=ox.RdfFormat.JSON_LD)
        data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
        return rdflib.Graph().parse(data=data or b"", format="nt")
    kind = {media_type: kind for media_type, kind in RDF_TYPES.values()}[media]
    return rdflib.Graph().parse(data=reply.body, format=kind)


def _minted(release_dir: Path) -> list[str]:
    """Every IRI under the base that the release uses as a subject, object or graph name."""
    store = ox.Store()
    store.load(path=str(release_dir / "kg.nq"), format=ox.RdfFormat.N_QUADS)
    found = set()
    for quad in store:
        for term in (quad.subject, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                found.add(term.value)
    return sorted(found)


def test_every_minted_iri_resolves_as_turtle_and_html(ld_server: Server, release_dir: Path) -> None:
    """Terms, properties, facts, statistics, groups, sources, graphs, the ontology and its version IRI: all 200."""
    minted = _minted(release_dir)
    kinds = {iri[len(BASE) :].split("/")[0] for iri in minted if "/" in iri[len(BASE) :]}
    assert {"fact", "statistic", "statistic-group", "source", "graph", "releases", "build"} <= kinds
    for iri in minted:
        path = "/" + iri[len(BASE) :]
        turtle = ld_server.request("HEAD", path, {"Accept": "text/turtle"})
        assert turtle.status == 200, f"{path}: {turtle.status}"
        if not path.startswith("/releases/"):
            assert turtle.media_type == "text/turtle", path
    for path in (
        "/BreastCancer",
        "/spreadsTo",
        "/fact/preferred-breast-bone",
        "/statistic/skin-metastasis-breast-30",
        "/statistic-group/skin-metastasis-percentages",
        "/source/lee-2020",
        "/graph/inferred",
        "/metastasis-kg.owl",
        "/build/2026-01-01",
        "/HighPropensity",
    ):
        page = ld_server.get(path, accept=CHROME_ACCEPT)
        assert page.status == 200 and page.media_type == "text/html", path


def test_negotiation_gives_html_to_browsers_and_rdf_by_accept_with_vary_and_content_location(ld_server: Server) -> None:
    """One IRI, 200 (no redirect): HTML for a browser's Accept, each RDF format by its media type."""
    page = ld_server.get("/BreastCancer", accept=CHROME_ACCEPT)
    assert page.status == 200 and page.media_type == "text/html"
    assert "Accept" in (page.header("Vary") or "")
    assert page.header("Content-Location") == "/BreastCancer.html"
    for suffix, (media_type, _) in RDF_TYPES.items():
        reply = ld_server.get("/BreastCancer", accept=media_type)
        assert reply.status == 200 and reply.media_type == media_type
        assert "Accept" in (reply.header("Vary") or "")
        assert reply.header("Content-Location") == "/BreastCancer" + suffix
        graph = _graph(ld_server, reply)
        assert (rdflib.URIRef(BASE + "BreastCancer"), RDFS.label, rdflib.Literal("breast cancer", lang="en")) in graph
    assert ld_server.get("/BreastCancer").media_type == "text/html"  # no Accept: the first offer
    assert "/BreastCancer.ttl" in (page.header("Link") or "")


def test_suffix_urls_answer_their_format_whatever_accept_says(ld_server: Server) -> None:
    """/BreastCancer.ttl is Turtle even to a browser; every suffix gives the same triples."""
    graphs = []
    for suffix, (media_type, _) in RDF_TYPES.items():
        reply = ld_server.get("/fact/preferred-breast-bone" + suffix, accept=CHROME_ACCEPT)
        assert reply.status == 200 and reply.media_type == media_type, suffix
        graphs.append(_graph(ld_server, reply))
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])
    fact = rdflib.URIRef(BASE + "fact/preferred-breast-bone")
    assert (fact, rdflib.URIRef(BASE + "subject"), rdflib.URIRef(BASE + "BreastCancer")) in graphs[0]
    assert ld_server.get("/fact/preferred-breast-bone.html", accept="text/turtle").media_type == "text/html"


def test_a_term_description_includes_incoming_links_and_whole_class_expressions(ld_server: Server) -> None:
    """The RDF of a term lets a client follow its associations back, and its OWL definition arrives complete."""
    graph = _graph(ld_server, ld_server.get("/CervicalLymphNodeMetastasis.ttl"))
    node = rdflib.URIRef(BASE + "CervicalLymphNodeMetastasis")
    equivalent = graph.value(node, rdflib.OWL.equivalentClass)
    assert isinstance(equivalent, rdflib.BNode)
    members = list(rdflib.collection.Collection(graph, graph.value(equivalent, rdflib.OWL.intersectionOf)))
    assert rdflib.URIRef(BASE + "Metastasis") in members
    incoming = _graph(ld_server, ld_server.get("/BreastCancer.nt"))
    facts = set(incoming.subjects(rdflib.URIRef(BASE + "subject"), rdflib.URIRef(BASE + "BreastCancer")))
    assert rdflib.URIRef(BASE + "fact/preferred-breast-bone") in facts


def test_unknown_iris_are_404_in_html_or_plain_text_by_accept(ld_server: Server) -> None:
    """An IRI the KG never minted is a 404: an HTML page for browsers, plain text otherwise."""
    for path in ("/NoSuchTerm", "/fact/no-such-fact", "/NoSuchTerm.ttl", "/bad%20name", "/releases/1999-01-01/kg.ttl"):
        html = ld_server.get(path, accept=CHROME_ACCEPT)
        assert html.status == 404 and html.media_type == "text/html", path
        plain = ld_server.get(path)
        assert plain.status == 404 and plain.media_type == "text/plain", path
    assert ld_server.get("/releases/2026-01-01/release-secrets.txt").status == 404


def test_an_accept_no_representation_meets_is_406(ld_server: Server) -> None:
    """Asking a term for PNG is a 406 listing the formats it has."""
    reply = ld_server.get("/BreastCancer", accept="image/png")
    assert reply.status == 406
    assert "text/turtle" in reply.text and "application/ld+json" in reply.text


def test_head_and_conditional_get_are_supported(ld_server: Server) -> None:
    """HEAD gives GET's headers without a body; If-None-Match with the ETag gives 304."""
    get = ld_server.get("/BreastCancer", accept="text/turtle")
    head = ld_server.request("HEAD", "/BreastCancer", {"Accept": "text/turtle"})
    assert head.status == 200 and head.body == b""
    for name in ("Content-Type", "ETag", "Content-Location", "Vary", "Content-Length"):
        assert head.header(name) == get.header(name), name
    again = ld_server.get("/BreastCancer", accept="text/turtle", If_None_Match=get.header("ETag") or "")
    assert again.status == 304 and again.body == b""
    other_format = ld_server.get(
        "/BreastCancer", accept="application/n-triples", If_None_Match=get.header("ETag") or ""
    )
    assert other_format.status == 200


def test_the_ontology_iri_serves_the_whole_ontology_as_rdf_xml_to_protege(ld_server: Server, release_dir: Path) -> None:
    """With the OWL API's Accept the ontology IRI gives RDF/XML holding every triple of the ontology graph."""
    reply = ld_server.get("/metastasis-kg.owl", accept=OWLAPI_ACCEPT)
    assert reply.status == 200 and reply.media_type == "application/rdf+xml"
    assert reply.header("Content-Location") == "/metastasis-kg.owl.rdf"
    served = rdflib.Graph().parse(data=reply.body, format="xml")
    manifest = read_manifest(release_dir)
    assert len(served) == manifest["graphs"][BASE + "graph/ontology"]
    assert (rdflib.URIRef(BASE + "metastasis-kg.owl"), rdflib.RDF.type, rdflib.OWL.Ontology) in served
    turtle = _graph(ld_server, ld_server.get("/metastasis-kg.owl", accept="text/turtle"))
    jsonld = _graph(ld_server, ld_server.get("/metastasis-kg.owl.jsonld"))
    assert isomorphic(served, turtle) and isomorphic(served, jsonld)


@pytest.mark.owlapi
def test_the_owl_api_loads_what_the_ontology_iri_returns(ld_server: Server, tmp_path: Path) -> None:
    """What Protégé would fetch from the ontology IRI loads in the OWL API with no problem, with its version IRI."""
    from kg.checks.owlapi import OwlApiUnavailableError, check_ontology

    reply = ld_server.get("/metastasis-kg.owl", accept=OWLAPI_ACCEPT)
    fetched = tmp_path / "fetched.owl"
    fetched.write_bytes(reply.body)
    try:
        report = check_ontology(fetched)
    except OwlApiUnavailableError as err:
        pytest.skip(f"the OWL API is not installed: {err}")
    assert report.ok, report.output
    assert report.info["ontology-iri"] == BASE + "metastasis-kg.owl"
    assert report.info["version-iri"] == BASE + "releases/2026-01-01/metastasis-kg.owl"
    assert report.info["unparsed-triples"] == "0"


def test_the_version_iri_serves_the_release_file_byte_for_byte(ld_server: Server, release_dir: Path) -> None:
    """releases/<version>/<file> gives the release's own files, with their sha256 as ETag."""
    reply = ld_server.get("/releases/2026-01-01/metastasis-kg.owl")
    assert reply.status == 200 and reply.media_type == "application/rdf+xml"
    assert reply.body == (release_dir / "metastasis-kg.owl").read_bytes()
    turtle = ld_server.get("/releases/2026-01-01/kg.ttl")
    assert turtle.media_type == "text/turtle" and turtle.body == (release_dir / "kg.ttl").read_bytes()


def test_the_sssom_mapping_set_is_linked_from_void_and_the_ontology_page(ld_server: Server, release_dir: Path) -> None:
    """VoID's linkset dump and the ontology page's link both fetch the release's SSSOM file: 200, TSV, its bytes."""
    void = rdflib.Graph().parse(data=ld_server.get("/.well-known/void", accept="text/turtle").body, format="turtle")
    void_ns = rdflib.Namespace("http://rdfs.org/ns/void#")
    dumps = [
        str(dump)
        for linkset in void.subjects(rdflib.RDF.type, void_ns.Linkset)
        for dump in void.objects(linkset, void_ns.dataDump)
    ]
    assert dumps == [BASE + "releases/2026-01-01/metastasis-kg.sssom.tsv"]
    media = rdflib.URIRef("https://www.iana.org/assignments/media-types/text/tab-separated-values")
    assert (rdflib.URIRef(dumps[0]), rdflib.URIRef("http://www.w3.org/ns/dcat#mediaType"), media) in void
    page = ld_server.get("/metastasis-kg.owl", accept=CHROME_ACCEPT).text
    linked = re.search(r'<a id="sssom-link" href="([^"]+)"', page)
    assert linked, "the ontology page has no link to the SSSOM file"
    expected = (release_dir / "metastasis-kg.sssom.tsv").read_bytes()
    for path in ("/" + dumps[0][len(BASE) :], linked.group(1)):
        reply = ld_server.get(path)
        assert reply.status == 200, path
        assert reply.media_type == "text/tab-separated-values", path
        assert reply.body == expected, path


class _Page(HTMLParser):
    """Collects what a page loads (stylesheets, scripts, images, frames) and its JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.alternates: dict[str, str] = {}
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates[a.get("type", "")] = a.get("href", "")
        elif tag == "link":
            self.loads.append(a.get("href", ""))
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed", "object") and (
            a.get("src") or a.get("data")
        ):
            self.loads.append(a.get("src") or a.get("data", ""))
        if tag == "script" and a.get("type") == "application/ld+json":
            self._in_jsonld = True

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_jsonld = False


def _page(server: Server, path: str) -> tuple[Reply, _Page]:
    reply = server.get(path, accept=CHROME_ACCEPT)
    assert reply.status == 200, f"{path}: {reply.status}"
    parsed = _Page()
    parsed.feed(reply.text)
    return reply, parsed


@pytest.mark.parametrize(
    "path",
    [
        "/browse",
        "/BreastCancer",
        "/fact/skin-highest-propensity-breast",
        "/metastasis-kg.owl",
        "/graph/asserted",
        "/api/",
        "/source/lee-2020",
        "/browse?q=bone",
        "/schema",
    ],
)
def test_pages_load_nothing_from_elsewhere(ld_server: Server, path: str) -> None:
    """Every stylesheet or script a page loads comes from this server, and the CSP forbids anything else."""
    reply, page = _page(ld_server, path)
    assert page.loads, path
    for url in page.loads:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url}"
    csp = reply.header("Content-Security-Policy") or ""
    assert "default-src 'none'" in csp and "style-src 'self'" in csp
    assert "@import" not in ld_server.get("/static/ld.css").text


def test_a_term_page_shows_definition_hierarchy_xrefs_relations_and_associations(ld_server: Server) -> None:
    """Breast cancer: definition, MONDO link, superclass, an inferred relation, associations with figure and quote."""
    reply, page = _page(ld_server, "/BreastCancer")
    html = reply.text
    assert "<h1>breast cancer</h1>" in html
    assert "A malignant neoplasm of the breast." in html
    assert 'href="http://purl.obolibrary.org/obo/MONDO_0007254"' in html
    assert 'href="/MalignantNeoplasm"' in html
    assert 'href="/fact/preferred-breast-bone"' in html and 'href="/fact/skin-highest-propensity-breast"' in html
    assert "30%" in html and "tend to spread to bones (including the skull and facial bones)" in html
    assert "inferred" in html  # the spreadsTo shortcut triples come from the inferred graph
    assert set(page.alternates) == {
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
    }
    assert page.alternates["text/turtle"] == "/BreastCancer.ttl"
    embedded = json.loads("".join(page.jsonld))
    assert embedded["@context"] == ld_server.base + "/context.jsonld"
    assert embedded["@graph"][0]["@id"] == "mkg:BreastCancer"
    synonyms = ld_server.get("/CervicalLymphNodeMetastasis", accept=CHROME_ACCEPT).text
    assert "neck node metastasis" in synonyms
    assert 'href="/hasSite"' in synonyms and "some" in synonyms  # the logical definition, readable
    subclasses = ld_server.get("/MalignantNeoplasm", accept=CHROME_ACCEPT).text
    assert 'href="/BreastCancer"' in subclasses


def test_an_association_page_shows_statement_figures_and_the_quoted_sentence(ld_server: Server) -> None:
    """An association: subject, predicate, object as links; its figure as stated; the verbatim sentence; the source."""
    html = ld_server.get("/fact/skin-highest-propensity-breast", accept=CHROME_ACCEPT).text
    statement = html.split('class="statement"', 1)[1].split("</p>", 1)[0]
    assert 'href="/BreastCancer"' in statement and 'href="/spreadsTo"' in statement and 'href="/Skin"' in statement
    quote = html.split('<blockquote class="source-sentence"', 1)[1].split("</blockquote>", 1)[0]
    assert "breast (30%)" in quote and 'cite="/source/lee-2020"' in quote
    assert "do not add up" in html  # the figure's group is non-additive
    assert 'href="/statistic/skin-metastasis-breast-30"' in html


def test_hostile_texts_are_escaped_in_html_and_in_the_embedded_json_ld(ld_server: Server) -> None:
    """A label with </script> cannot close the JSON-LD block or inject markup; a javascript: IRI is not a link."""
    reply, page = _page(ld_server, "/HostileTestTerm")
    html = reply.text
    assert html.count("</script>") == 1  # only the JSON-LD block's own end tag
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert 'href="javascript:' not in html
    embedded = json.loads("".join(page.jsonld))
    assert embedded["@graph"][0]["label"] == "</script><script>alert('pwned')</script> <b>bold</b> & co"
    assert not re.search(r"</script", "".join(page.jsonld), re.IGNORECASE)


def test_the_index_lists_terms_by_category_and_searches_without_javascript(ld_server: Server) -> None:
    """/browse groups classes under their top-level class, lists associations and sources; ?q= searches."""
    html = ld_server.get("/browse", accept=CHROME_ACCEPT).text
    assert 'href="/MalignantNeoplasm"' in html and 'href="/BreastCancer"' in html
    assert 'href="/SpreadAssociation"' in html and 'href="/fact/preferred-breast-bone"' in html
    assert 'href="/source/sebald-2017"' in html and 'href="/spreadsTo"' in html
    found = ld_server.get("/browse?q=%C3%93ESOPH", accept=CHROME_ACCEPT).text  # "ÓESOPH": accent and case fold
    results = found.split('class="search-results"', 1)[1].split("</section>", 1)[0]
    assert 'href="/OesophagealCancer"' in results


def test_the_ontology_page_documents_classes_properties_version_licence_and_citation(ld_server: Server) -> None:
    """The ontology IRI in a browser: its classes and properties with definitions, version, licence, how to cite."""
    html = ld_server.get("/metastasis-kg.owl", accept=CHROME_ACCEPT).text
    assert "Metastasis KG ontology" in html
    assert "2026-01-01" in html and "releases/2026-01-01/metastasis-kg.owl" in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html
    assert "How to cite" in html
    assert 'id="Class"' in html and 'id="ObjectProperty"' in html
    assert 'href="/BreastCancer"' in html and 'href="/spreadsTo"' in html
    assert "A malignant neoplasm of the breast." in html


def test_the_json_ld_context_is_served_and_makes_compact_keys(ld_server: Server) -> None:
    """/context.jsonld maps the KG's vocabulary to short keys; a term's JSON-LD uses them."""
    reply = ld_server.get("/context.jsonld")
    assert reply.status == 200 and reply.media_type == "application/ld+json"
    context = reply.json()["@context"]
    assert context["mkg"] == BASE and context["fact"] == BASE + "fact/"
    assert context["spreadsTo"] == {"@id": "mkg:spreadsTo", "@type": "@id"}
    assert context["label"] == "rdfs:label"
    node = ld_server.get("/BreastCancer.jsonld").json()["@graph"][0]
    assert node["label"] == "breast cancer"
    assert "mkg:Bone" in node["spreadsTo"]
    property_jsonld = ld_server.get("/context", accept="application/ld+json")
    assert property_jsonld.json()["@graph"][0]["@id"] == "mkg:context"


def test_a_base_url_with_a_path_shapes_links_and_announced_urls(start_ld_server) -> None:  # type: ignore[no-untyped-def]
    """Behind a proxy at https://kg.example.org/mkg/, pages link under /mkg/ and JSON-LD names that context URL."""
    server = start_ld_server("--base-url", "https://kg.example.org/mkg/")
    try:
        page = server.get("/BreastCancer", accept=CHROME_ACCEPT)
        assert page.header("Content-Location") == "/mkg/BreastCancer.html"
        assert 'href="/mkg/MalignantNeoplasm"' in page.text
        assert server.get("/BreastCancer.jsonld").json()["@context"] == "https://kg.example.org/mkg/context.jsonld"
        assert server.get("/api/openapi.json").json()["servers"] == [{"url": "https://kg.example.org/mkg"}]
    finally:
        server.stop()
