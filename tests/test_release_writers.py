"""The release's dump writers: the bytes rdflib's own writers gave, from one read of each graph."""

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
from kg.release.files import _sort_json, write_jsonld, write_line_dumps
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


def _graph(data: str = TRICKY) -> Graph:
    return Graph().parse(data=data, format="turtle")


def _rdflib_lines(graph: Graph) -> list[str]:
    """N-Triples lines as rdflib's serializer writes them (what the release used to write)."""
    return [line for line in graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines() if line]


def test_line_dumps_are_what_rdflib_writes(tmp_path: Path) -> None:
    """Every term is spelled as rdflib's N-Triples writer spells it; lines sorted, each once; quads name the graph."""
    first = _graph()
    second = Graph()
    second.add((URIRef(EX + "b"), URIRef(EX + "count"), Literal(1)))
    second.add((URIRef(EX + "z"), URIRef(EX + "label"), Literal('only "here"', lang="en")))
    named = [(URIRef(EX + "g1"), first), (URIRef(EX + "g2"), second)]
    size = write_line_dumps(named, tmp_path / "kg.nq", tmp_path / "kg.nt")
    union = first + second
    assert size == len(union) == len(first) + 1
    expected_nt = sorted(set(_rdflib_lines(first) + _rdflib_lines(second)))
    assert (tmp_path / "kg.nt").read_text(encoding="utf-8") == "\n".join(expected_nt) + "\n"
    expected_nq = sorted(
        line.removesuffix(" .") + f" <{iri}> ." for iri, graph in named for line in _rdflib_lines(graph)
    )
    assert (tmp_path / "kg.nq").read_text(encoding="utf-8") == "\n".join(expected_nq) + "\n"
    again = Dataset()
    parse_into(again, tmp_path / "kg.nq")
    assert isomorphic(again.graph(URIRef(EX + "g1")), first)


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
    with pytest.raises(ValueError, match=r"<http://example\.org/a b> is not an IRI N-Triples can hold"):
        write_line_dumps([(URIRef(EX + "g"), graph)], tmp_path / "kg.nq", tmp_path / "kg.nt")


def test_jsonld_is_what_rdflib_serializer_gives(tmp_path: Path) -> None:
    """Lists, nested and shared blank nodes, typed and plain literals: rdflib's serializer's document, sorted."""
    graph = _graph()
    shared = BNode()
    graph.add((URIRef(EX + "a"), URIRef(EX + "shared"), shared))
    graph.add((URIRef(EX + "b"), URIRef(EX + "shared"), shared))
    graph.add((shared, URIRef(EX + "p"), Literal("1", datatype=XSD.decimal)))
    context = {**prefixes(), "ex": EX}
    write_jsonld(graph, tmp_path / "kg.jsonld", context)
    assert isomorphic(parse_file(tmp_path / "kg.jsonld"), graph)
    # rdflib writes an explicit xsd:string as a plain JSON string (the same literal in RDF 1.1): as before.
    graph.add((URIRef(EX + "a"), URIRef(EX + "text"), Literal("typed", datatype=XSD.string)))
    write_jsonld(graph, tmp_path / "kg.jsonld", context)
    reference = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=False))
    expected = json.dumps(_sort_json(reference), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    assert (tmp_path / "kg.jsonld").read_text(encoding="utf-8") == expected


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
    ontology, asserted = _graph(), Graph()
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
