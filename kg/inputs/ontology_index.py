"""What the ontology declares, as the table loader and the graph builder need to look it up."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.namespaces import MKG

__all__ = ["OntologyIndex"]


@dataclass(frozen=True)
class OntologyIndex:
    """Declared terms of the ontology: classes, named individuals, shortcut relations and their association class."""

    classes: frozenset[URIRef]
    individuals: frozenset[URIRef]
    labels: dict[URIRef, str] = field(hash=False)
    reified_as: dict[URIRef, URIRef] = field(hash=False)

    @classmethod
    def from_graph(cls, graph: Graph) -> OntologyIndex:
        """Index a parsed ontology graph."""
        classes = frozenset(s for s in graph.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef))
        individuals = frozenset(s for s in graph.subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef))
        labels = {s: str(o) for s, o in graph.subject_objects(RDFS.label) if isinstance(s, URIRef)}
        reified = {
            s: o for s, o in graph.subject_objects(MKG.reifiedAs) if isinstance(s, URIRef) and isinstance(o, URIRef)
        }
        return cls(classes, individuals, labels, reified)

    def is_term(self, iri: URIRef) -> bool:
        """Whether the IRI is a class or named individual the ontology declares."""
        return iri in self.classes or iri in self.individuals
