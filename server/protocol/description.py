"""The endpoint described in RDF: a SPARQL 1.1 Service Description and a VoID description.

Tools discover what an endpoint offers from these graphs (its URL, result formats, named graphs and
their sizes), so they are built from the same format table and dataset sizes the server uses.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from server.engine.dataset import DatasetInfo
from server.protocol.formats import GRAPH_FORMATS, SOLUTION_FORMATS, Format

__all__ = ["SD", "serialize_description", "service_description", "void_description"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
_ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/Simple")

_RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def service_description(endpoint: str, dataset: DatasetInfo) -> Graph:
    """The Service Description of the endpoint at ``endpoint`` (the public URL of ``/sparql``)."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, _ENTAILMENT))
    for fmt in SOLUTION_FORMATS + GRAPH_FORMATS:
        graph.add((service, SD.resultFormat, URIRef(fmt.iri)))
    data = BNode("dataset")
    graph.add((service, SD.defaultDataset, data))
    graph.add((data, RDF.type, SD.Dataset))
    default = BNode("defaultGraph")
    graph.add((data, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, _count(dataset.triples)))
    for index, (iri, triples) in enumerate(dataset.graphs.items()):
        named = BNode(f"namedGraph{index}")
        described = BNode(f"graph{index}")
        graph.add((data, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(iri)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, _count(triples)))
    return graph


def void_description(endpoint: str, dataset: DatasetInfo, release_void: Path | None) -> Graph:
    """VoID for ``/.well-known/void``: the release's own ``void.ttl`` when it has one, else built here.

    Either way every described dataset points at this server's SPARQL endpoint.
    """
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    if release_void is not None and release_void.is_file():
        graph.parse(release_void, format="turtle")
    datasets = set(graph.subjects(RDF.type, VOID.Dataset))
    if not datasets:
        root = URIRef(endpoint.rsplit("/", 1)[0] + "/.well-known/void#dataset")
        graph.add((root, RDF.type, VOID.Dataset))
        graph.add((root, VOID.triples, _count(dataset.triples)))
        if dataset.version:
            graph.add((root, DCTERMS.hasVersion, Literal(dataset.version)))
        for index, (iri, triples) in enumerate(dataset.graphs.items()):
            subset = BNode(f"subset{index}")
            graph.add((root, VOID.subset, subset))
            graph.add((subset, RDF.type, VOID.Dataset))
            graph.add((subset, SD.name, URIRef(iri)))
            graph.add((subset, VOID.triples, _count(triples)))
        datasets = {root}
    for subject in datasets:
        graph.add((subject, VOID.sparqlEndpoint, URIRef(endpoint)))
    return graph


def serialize_description(graph: Graph, fmt: Format) -> bytes:
    """Write a description graph in one of :data:`server.protocol.formats.DESCRIPTION_FORMATS`."""
    return graph.serialize(format=_RDFLIB_FORMATS[fmt.name], encoding="utf-8")
