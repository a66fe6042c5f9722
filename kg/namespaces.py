"""The IRIs the build writes, in one place, so code, shapes and queries agree on them."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from kg.resources import BASE_IRI

__all__ = [
    "DCTERMS",
    "FACT",
    "FOAF",
    "GRAPH_ASSERTED",
    "GRAPH_HPO",
    "GRAPH_INFERRED",
    "GRAPH_ONTOLOGY",
    "GRAPH_PROVENANCE",
    "GROUP",
    "MKG",
    "OBO",
    "OBOINOWL",
    "ONTOLOGY_IRI",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SKOS",
    "SOURCE",
    "STATISTIC",
    "UNIT",
    "VOID",
    "XSD",
    "prefixes",
]

MKG = Namespace(BASE_IRI)
FACT = Namespace(BASE_IRI + "fact/")
STATISTIC = Namespace(BASE_IRI + "statistic/")
GROUP = Namespace(BASE_IRI + "statistic-group/")
SOURCE = Namespace(BASE_IRI + "source/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
OBOINOWL = Namespace("http://www.geneontology.org/formats/oboInOwl#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
UNIT = Namespace("http://qudt.org/vocab/unit/")

ONTOLOGY_IRI = URIRef(BASE_IRI + "metastasis-kg.owl")
GRAPH_ONTOLOGY = URIRef(BASE_IRI + "graph/ontology")
GRAPH_ASSERTED = URIRef(BASE_IRI + "graph/asserted")
GRAPH_INFERRED = URIRef(BASE_IRI + "graph/inferred")
GRAPH_PROVENANCE = URIRef(BASE_IRI + "graph/provenance")
GRAPH_HPO = URIRef(BASE_IRI + "graph/hpo")


def prefixes() -> dict[str, str]:
    """Prefixes bound on every graph the build writes, so dumps read the same everywhere."""
    return {
        "mkg": str(MKG),
        "fact": str(FACT),
        "stat": str(STATISTIC),
        "group": str(GROUP),
        "src": str(SOURCE),
        "obo": str(OBO),
        "oboInOwl": str(OBOINOWL),
        "owl": str(OWL),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "void": str(VOID),
        "foaf": str(FOAF),
        "unit": str(UNIT),
        "xsd": str(XSD),
    }
