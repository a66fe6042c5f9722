"""OWL class expressions render as Manchester-style text with links, and cross-references link to OBO."""

from __future__ import annotations

import pyoxigraph as ox

from server.web.classexpr import ClassExpressions
from server.web.ldpage import xref_iri

TURTLE = """
@prefix : <https://w3id.org/metastasis-kg/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

:CervicalLymphNodeMetastasis owl:equivalentClass [
    owl:intersectionOf (
        :Metastasis
        [ a owl:Restriction ; owl:onProperty :hasSite ; owl:someValuesFrom :CervicalLymphNode ]
    )
] .
:Odd owl:equivalentClass [ owl:unionOf ( :A [ owl:complementOf :B ] ) ] ;
    rdfs:subClassOf
        [ owl:onProperty :hasSite ; owl:maxQualifiedCardinality "2"^^xsd:nonNegativeInteger ; owl:onClass :Bone ] ,
        [ owl:oneOf ( :HighPropensity :LowPropensity ) ] .
"""


def _rendered() -> set[str]:
    """Each named class's blank-node axioms as text; every link must point at a named term."""
    triples = [
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(TURTLE.encode(), format=ox.RdfFormat.TURTLE)
    ]
    expressions = ClassExpressions(triples, lambda iri: iri.rsplit("/", 1)[-1])
    out = set()
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode) and isinstance(triple.object, ox.BlankNode):
            tokens = expressions.render(triple.object)
            assert all(t.iri is None or t.iri.startswith("https://w3id.org/metastasis-kg/") for t in tokens)
            out.add("".join(t.text for t in tokens))
    return out


def test_class_expressions_read_like_protege_shows_them() -> None:
    """Intersection, existential, union, complement, qualified cardinality and enumerations, nested in brackets."""
    rendered = _rendered()
    assert "Metastasis and (hasSite some CervicalLymphNode)" in rendered
    assert "A or (not B)" in rendered
    assert "hasSite max 2 Bone" in rendered
    assert "{HighPropensity, LowPropensity}" in rendered


def test_obo_cross_references_become_purls_and_others_stay_text() -> None:
    """MONDO:0007254 links to its OBO PURL; a free-text or unknown-prefix reference gets no link."""
    assert xref_iri("MONDO:0007254") == "http://purl.obolibrary.org/obo/MONDO_0007254"
    assert xref_iri(" NCIT:C9335 ") == "http://purl.obolibrary.org/obo/NCIT_C9335"
    assert xref_iri("Wikipedia:Breast_cancer") is None
    assert xref_iri("see the source") is None
