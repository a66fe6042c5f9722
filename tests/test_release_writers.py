"""The release's dump writers: each file holds its graphs, in bytes that do not depend on insertion order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from kg.build import Built, write_release
from kg.checks.shacl import ShaclResult
from kg.inputs.rdfio import parse_file, parse_into
from kg.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_PROVENANCE, prefixes
from kg.release.files import write_jsonld, write_line_dumps, write_rdfxml
from kg.release.tripleindex import TripleIndex

EX = "http://example.org/"
TRICKY = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:text "quote \\" backslash \\\\ newline \\n return \\r tab \\t bell \\u0007 é ü 漢"@en ,
        "plain" , "2026-01-01"^^xsd:date , 3 , 4.50 , 1.0e3 , true ;
    ex:list ( ex:b "x" 0 false [ ex:p ex:c ] ) ;
    ex:node [ ex:p "nested" ; ex:q [ ex:r ex:d ] ] ;
    a ex:Thing , [ ex:p ex:e ] .
ex:b a ex:Thing ; ex:count 1 , 2 .
"""
# The tricky data less what RDF/XML cannot hold (a C0 control character, a carriage return), for the .owl file.
XML_SAFE = TRICKY.replace("bell \\u0007 ", "").replace("return \\r ", "")


def _graph(data: str = TRICKY) -> Graph:
    return Graph().parse(data=data, format="turtle")


def test_line_dumps_hold_each_graph_once_per_line_sorted(tmp_path: Path) -> None:
    """N-Quads give each graph back, N-Triples their union; one line per statement, sorted, none twice.

    The tricky literal (quotes, backslash, newline, return, tab, a control character, non-ASCII) must come back
    as the same string, and a triple in both graphs is one N-Triples line but a quad in each graph.
    """
    first = _graph()
    second = Graph()
    second.add((URIRef(EX + "b"), URIRef(EX + "count"), Literal(1)))  # also in the first graph
    second.add((URIRef(EX + "z"), URIRef(EX + "label"), Literal('only "here"', lang="en")))
    named = [(URIRef(EX + "g1"), first), (URIRef(EX + "g2"), second)]
    size = write_line_dumps(named, tmp_path / "kg.nq", tmp_path / "kg.nt")
    union = first + second
    assert size == len(union) == len(first) + 1
    nt_lines = (tmp_path / "kg.nt").read_text(encoding="utf-8").splitlines()
    nq_lines = (tmp_path / "kg.nq").read_text(encoding="utf-8").splitlines()
    assert len(nt_lines) == len(union) and len(nq_lines) == len(first) + len(second)
    for lines in (nt_lines, nq_lines):
        assert lines == sorted(set(lines))
    assert isomorphic(parse_file(tmp_path / "kg.nt"), union)
    again = Dataset()
    parse_into(again, tmp_path / "kg.nq")
    assert isomorphic(again.graph(URIRef(EX + "g1")), first)
    assert isomorphic(again.graph(URIRef(EX + "g2")), second)
    texts = {str(o) for o in again.graph(URIRef(EX + "g1")).objects(URIRef(EX + "a"), URIRef(EX + "text"))}
    assert 'quote " backslash \\ newline \n return \r tab \t bell \u0007 é ü 漢' in texts


def test_line_dumps_read_indexes_as_graphs(tmp_path: Path) -> None:
    """Given triple indexes instead of graphs, the dumps are byte for byte the same."""
    graph = _graph()
    write_line_dumps([(URIRef(EX + "g"), graph)], tmp_path / "a.nq", tmp_path / "a.nt")
    write_line_dumps([(URIRef(EX + "g"), TripleIndex.of(graph))], tmp_path / "b.nq", tmp_path / "b.nt")
    assert (tmp_path / "a.nq").read_bytes() == (tmp_path / "b.nq").read_bytes()
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()


def test_line_dumps_refuse_an_iri_ntriples_cannot_hold(tmp_path: Path) -> None:
    """An IRI with a space (or another character N-Triples forbids in IRIs) is an error naming it."""
    graph = Graph()
    graph.add((URIRef(EX + "a b"), RDF.type, URIRef(EX + "Thing")))
    with pytest.raises(ValueError, match=r"<http://example\.org/a b> is not an IRI RDF can hold"):
        write_line_dumps([(URIRef(EX + "g"), graph)], tmp_path / "kg.nq", tmp_path / "kg.nt")


def test_jsonld_holds_the_graph_with_the_context_in_stable_bytes(tmp_path: Path) -> None:
    """Lists, nested and shared blank nodes, typed and plain literals come back; prefixes are the context's.

    The bytes do not depend on the order the triples were added in, keys are sorted at every level, and an
    explicit xsd:string is written as a plain JSON string (the same literal in RDF 1.1).
    """
    graph = _graph()
    shared = BNode()
    graph.add((URIRef(EX + "a"), URIRef(EX + "shared"), shared))
    graph.add((URIRef(EX + "b"), URIRef(EX + "shared"), shared))
    graph.add((shared, URIRef(EX + "p"), Literal("1", datatype=XSD.decimal)))
    context = {**prefixes(), "ex": EX}
    write_jsonld(graph, tmp_path / "kg.jsonld", context)
    assert isomorphic(parse_file(tmp_path / "kg.jsonld"), graph)
    graph.add((URIRef(EX + "a"), URIRef(EX + "text"), Literal("typed", datatype=XSD.string)))
    write_jsonld(graph, tmp_path / "kg.jsonld", context)
    reversed_graph = Graph()
    for triple in sorted(graph, reverse=True):
        reversed_graph.add(triple)
    write_jsonld(reversed_graph, tmp_path / "again.jsonld", context)
    assert (tmp_path / "again.jsonld").read_bytes() == (tmp_path / "kg.jsonld").read_bytes()
    document = json.loads((tmp_path / "kg.jsonld").read_text(encoding="utf-8"))
    assert document["@context"]["ex"] == EX

    def keys_sorted(node: object) -> bool:
        if isinstance(node, dict):
            return list(node) == sorted(node) and all(keys_sorted(v) for v in node.values())
        return all(keys_sorted(v) for v in node) if isinstance(node, list) else True

    assert keys_sorted(document)
    assert '"typed"' in (tmp_path / "kg.jsonld").read_text(encoding="utf-8")
    assert "XMLSchema#string" not in (tmp_path / "kg.jsonld").read_text(encoding="utf-8")


def test_rdfxml_holds_the_graph_in_stable_bytes(tmp_path: Path) -> None:
    """The RDF/XML file is the graph (lists, blank nodes, typed literals) and its bytes ignore insertion order.

    XML 1.0 cannot hold the control character of the tricky literal at all, and pyoxigraph 0.5 writes a carriage
    return raw, which XML readers turn into a line feed (so did the writer it replaced): both are refused
    (the ontology has neither), and left out of the graph written here.
    """
    graph = _graph(XML_SAFE)
    assert "bell" not in graph.serialize(format="nt")
    write_rdfxml(graph, tmp_path / "a.owl", {"ex": EX})
    assert isomorphic(Graph().parse(tmp_path / "a.owl", format="xml"), graph)
    reversed_graph = Graph()
    for triple in sorted(graph, reverse=True):
        reversed_graph.add(triple)
    write_rdfxml(reversed_graph, tmp_path / "b.owl", {"ex": EX})
    assert (tmp_path / "b.owl").read_bytes() == (tmp_path / "a.owl").read_bytes()
    with pytest.raises(ValueError, match="cannot be written in RDF/XML"):
        write_rdfxml(_graph(), tmp_path / "c.owl", {"ex": EX})
    assert not (tmp_path / "c.owl").exists()


def test_release_refuses_a_union_that_is_not_its_graphs(tmp_path: Path) -> None:
    """A Built whose union lacks triples of its graphs is a programming error: nothing is written."""
    graph = _graph()
    empty = Graph()
    built = Built(graph, empty, empty, empty, union=Graph(), shacl=ShaclResult(True, (), Graph()), qc_report="",
                  version="2026-01-01")  # fmt: skip
    with pytest.raises(ValueError, match=r"Built\.union has 0 triples, its four graphs"):
        write_release(built, tmp_path / "release")
    assert list(tmp_path.iterdir()) == []


def test_release_of_small_graphs_holds_each_graph(tmp_path: Path) -> None:
    """Every dump of a release parses back to the graphs it was written from (quads) or to their union."""
    ontology, asserted = _graph(XML_SAFE), Graph()
    asserted.add((URIRef(EX + "fact"), RDF.type, URIRef(EX + "Association")))
    asserted.add((URIRef(EX + "b"), URIRef(EX + "count"), Literal(1)))  # also in the ontology graph
    union = ontology + asserted
    built = Built(ontology, asserted, Graph(), Graph(), union, ShaclResult(True, (), Graph()), "", "2026-01-01")
    out = write_release(built, tmp_path / "release")
    quads, trig = Dataset(), Dataset()
    parse_into(quads, out / "kg.nq")
    parse_into(trig, out / "kg.trig")
    for iri, graph in ((GRAPH_ONTOLOGY, ontology), (GRAPH_ASSERTED, asserted)):
        assert isomorphic(quads.graph(iri), graph), iri
        assert isomorphic(trig.graph(iri), graph), iri
    assert not len(quads.graph(GRAPH_INFERRED)) and not len(quads.graph(GRAPH_PROVENANCE))
    for name in ("kg.nt", "kg.ttl", "kg.jsonld"):
        assert isomorphic(parse_file(out / name), union), name
    assert json.loads((out / "release.json").read_text())["triples"] == len(union)
