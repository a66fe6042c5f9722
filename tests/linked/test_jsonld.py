"""Compact JSON-LD written with the KG's context expands to exactly the triples it was made from."""

from __future__ import annotations

import json

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

from kg.namespaces import prefixes
from server.protocol.jsonld import NODE, PLAIN, JsonLdContext, Term, build_context, compact_graph

BASE = "https://w3id.org/metastasis-kg/"
XSD = "http://www.w3.org/2001/XMLSchema#"

TURTLE = """
@prefix mkg: <https://w3id.org/metastasis-kg/> .
@prefix fact: <https://w3id.org/metastasis-kg/fact/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .

fact:x a mkg:SpreadAssociation , owl:NamedIndividual ;
    rdfs:label "breast cancer spreads to bone"@en , "cancer du sein"@fr ;
    mkg:subject mkg:BreastCancer ;
    mkg:value 30.0 , "thirty" ;
    mkg:approximate true ;
    mkg:note "plain string" ;
    oboInOwl:hasDbXref "MONDO:0007254" , "typed"^^xsd:token ;
    mkg:subject "a literal where a node is expected" ;
    rdfs:subClassOf [ a owl:Restriction ; owl:onProperty mkg:hasSite ; owl:someValuesFrom mkg:Bone ] .
"""


def _context() -> JsonLdContext:
    return JsonLdContext(
        prefixes(),
        [
            Term("label", "http://www.w3.org/2000/01/rdf-schema#label", None),
            Term("subject", BASE + "subject", NODE),
            Term("value", BASE + "value", XSD + "decimal"),
            Term("approximate", BASE + "approximate", XSD + "boolean"),
            Term("xref", "http://www.geneontology.org/formats/oboInOwl#hasDbXref", PLAIN),
            Term("subClassOf", "http://www.w3.org/2000/01/rdf-schema#subClassOf", NODE),
            Term("mkg", BASE + "clash", None),  # a prefix name: must not become a term
        ],
    )


def _expand(document: dict, context: JsonLdContext) -> rdflib.Graph:  # type: ignore[type-arg]
    """Expand with pyoxigraph's JSON-LD parser, the context given inline (nothing is fetched)."""
    inline = dict(document, **{"@context": context.document()["@context"]})
    quads = ox.parse(json.dumps(inline).encode(), format=ox.RdfFormat.JSON_LD)
    ntriples = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=ntriples or b"", format="nt")


def test_compaction_round_trips_even_where_values_do_not_fit_their_terms() -> None:
    """Literals under node terms, other datatypes, other languages and blank nodes all expand back unchanged."""
    triples = [
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(TURTLE.encode(), format=ox.RdfFormat.TURTLE)
    ]
    context = _context()
    document = compact_graph(triples, context, "http://127.0.0.1/context.jsonld", first=BASE + "fact/x")
    node = document["@graph"][0]
    assert node["@id"] == "fact:x"
    assert node["subject"] == "mkg:BreastCancer"
    assert node["mkg:subject"] == {"@value": "a literal where a node is expected"}
    assert node["label"] == ["breast cancer spreads to bone", {"@value": "cancer du sein", "@language": "fr"}]
    assert "mkg" not in context.terms
    expected = rdflib.Graph().parse(data=TURTLE, format="turtle")
    assert isomorphic(_expand(document, context), expected)


def test_context_terms_follow_the_data() -> None:
    """Node-valued properties get "@type": "@id", single-datatype ones their datatype, the KG's own names win."""
    rows = [
        {"property": {"type": "uri", "value": BASE + "spreadsTo"}, "uses": {"value": "3"}, "nodes": {"value": "3"}},
        {
            "property": {"type": "uri", "value": BASE + "value"},
            "uses": {"value": "2"},
            "nodes": {"value": "0"},
            "minType": {"value": XSD + "decimal"},
            "maxType": {"value": XSD + "decimal"},
        },
        {
            "property": {"type": "uri", "value": "http://purl.obolibrary.org/obo/IAO_0000115"},
            "label": {"value": "definition"},
            "uses": {"value": "5"},
            "nodes": {"value": "0"},
            "minType": {"value": "@language"},
            "maxType": {"value": "@language"},
        },
        {
            "property": {"type": "uri", "value": "http://example.org/other#value"},
            "uses": {"value": "1"},
            "nodes": {"value": "0"},
        },
    ]
    document = build_context(prefixes(), rows, BASE).document()["@context"]
    assert document["spreadsTo"] == {"@id": "mkg:spreadsTo", "@type": "@id"}
    assert document["value"] == {"@id": "mkg:value", "@type": "xsd:decimal"}
    assert document["definition"] == "obo:IAO_0000115"
    assert document["@language"] == "en" and document["mkg"] == BASE
