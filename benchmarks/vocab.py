"""IRIs of the project's vocabulary that the synthetic-KG generator writes, and the release's graphs.

Kept in step with ``ontology/metastasis-kg-edit.ttl`` and the build (``kg.graphs.assemble``, ``kg.reason.infer``) by
hand, on purpose: the generator writes N-Quads lines directly for speed, so it cannot reuse rdflib
namespaces, and the benchmark must not depend on the build being importable.
"""

from __future__ import annotations

from benchmarks.ntriples import iri, literal

__all__ = [
    "DCTERMS",
    "GRAPHS",
    "MKG",
    "OBO",
    "OBOINOWL",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SKOS",
    "UNIT_PERCENT",
    "VERSION",
    "A",
    "en",
]

MKG = "https://w3id.org/metastasis-kg/"
OBO = "http://purl.obolibrary.org/obo/"
OBOINOWL = "http://www.geneontology.org/formats/oboInOwl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
UNIT_PERCENT = "http://qudt.org/vocab/unit/PERCENT"

GRAPHS = {name: f"{MKG}graph/{name}" for name in ("ontology", "asserted", "inferred", "provenance")}

# A fixed release date: generated files must not depend on the day they were generated.
VERSION = "2000-01-01"

A = iri(RDF + "type")


def en(text: str) -> str:
    """Write an English-tagged literal, as the build writes labels, definitions and quotes."""
    return literal(text) + "@en"
