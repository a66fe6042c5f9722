"""The triple index answers the release writers' lookups exactly as the rdflib graph it was read from."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.release.tripleindex import TripleIndex
from kg.release.turtle import canonical_turtle

EX = "http://example.org/"
DATA = """
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:A a owl:Class ; rdfs:label "A"@en, "A2"@fr ; rdfs:subClassOf ex:B ,
    [ a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:C ] .
ex:B a owl:Class ; owl:unionOf ( ex:C ex:D ) ; ex:n 3 ; ex:flag false .
ex:x ex:p ex:A , ex:B ; ex:q "text" .
"""


def _graph() -> Graph:
    return Graph().parse(data=DATA, format="turtle")


def test_index_answers_every_lookup_as_the_graph_does() -> None:
    """Iteration, size, membership, subjects, objects, predicate/object pairs, value: the same answers."""
    graph = _graph()
    index = TripleIndex.of(graph)
    assert len(index) == len(graph)
    assert sorted(index) == sorted(graph)
    assert index.identifier == graph.identifier
    assert sorted(index.subjects()) == sorted(graph.subjects())
    nodes = {n for t in graph for n in (t[0], t[2])} | {URIRef(EX + "absent")}
    for node in nodes:
        assert sorted(index.predicate_objects(node)) == sorted(graph.predicate_objects(node))
        assert sorted(index.subject_predicates(node)) == sorted(graph.subject_predicates(node))
        assert sorted(index.objects(node)) == sorted(graph.objects(node))
        assert sorted(index.subjects(None, node)) == sorted(graph.subjects(None, node))
        assert ((node, None, None) in index) == ((node, None, None) in graph)
        assert ((None, None, node) in index) == ((None, None, node) in graph)
        for predicate in (RDF.type, RDFS.label, RDF.first, URIRef(EX + "p")):
            assert sorted(index.objects(node, predicate)) == sorted(graph.objects(node, predicate))
            found, expected = index.value(node, predicate), set(graph.objects(node, predicate))
            assert found is None if not expected else found in expected
    assert (URIRef(EX + "A"), RDFS.label, Literal("A2", lang="fr")) in index
    assert (URIRef(EX + "A"), RDFS.label, Literal("A2", lang="de")) not in index
    assert sorted(index.subjects(RDF.type, OWL.Class)) == sorted(graph.subjects(RDF.type, OWL.Class))
    assert sorted(index.to_graph()) == sorted(graph)


def test_canonical_turtle_of_an_index_is_that_of_its_graph() -> None:
    """The release writes Turtle from indexes: the text is the graph's, shared blank nodes included."""
    graph = _graph()
    assert canonical_turtle(TripleIndex.of(graph)) == canonical_turtle(graph)
    shared = BNode()
    graph.add((URIRef(EX + "y"), URIRef(EX + "p"), shared))
    graph.add((URIRef(EX + "z"), URIRef(EX + "p"), shared))
    graph.add((shared, RDFS.label, Literal("shared")))
    assert canonical_turtle(TripleIndex.of(graph)) == canonical_turtle(graph)
