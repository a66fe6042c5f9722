"""The IRIs the build writes, as rdflib namespaces, so code, shapes and queries agree on them.

The namespaces come from the project's prefix table (:mod:`kg.prefixes`, ``kg/prefixes.tsv``); the W3C
vocabularies are rdflib's own ``DefinedNamespace`` objects, whose IRIs a test checks against the table.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from kg.prefixes import default_prefixes
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

_TABLE = default_prefixes()
MKG = Namespace(_TABLE["mkg"])
FACT = Namespace(_TABLE["fact"])
STATISTIC = Namespace(_TABLE["stat"])
GROUP = Namespace(_TABLE["group"])
SOURCE = Namespace(_TABLE["src"])
OBO = Namespace(_TABLE["obo"])
OBOINOWL = Namespace(_TABLE["oboInOwl"])
FOAF = Namespace(_TABLE["foaf"])
UNIT = Namespace(_TABLE["unit"])

ONTOLOGY_IRI = URIRef(BASE_IRI + "metastasis-kg.owl")
GRAPH_ONTOLOGY = URIRef(BASE_IRI + "graph/ontology")
GRAPH_ASSERTED = URIRef(BASE_IRI + "graph/asserted")
GRAPH_INFERRED = URIRef(BASE_IRI + "graph/inferred")
GRAPH_PROVENANCE = URIRef(BASE_IRI + "graph/provenance")
GRAPH_HPO = URIRef(BASE_IRI + "graph/hpo")


def prefixes() -> dict[str, str]:
    """Prefixes bound on every graph the build writes (the prefix table), so dumps read the same everywhere."""
    return default_prefixes()
