"""Flat triples for the ontology's existential and value restrictions (the relation-graph pattern).

"The work-up includes an age-appropriate cancer screen" is the axiom
``WorkUp ⊑ ∃BFO_0000051.AgeAppropriateCancerScreen``: in RDF a blank-node restriction that a SPARQL user
must know OWL's encoding to read. As Ubergraph does with relation-graph, the inferred graph states each
such axiom as one triple between class IRIs, ``mkg:WorkUp obo:BFO_0000051 mkg:AgeAppropriateCancerScreen``,
and every triple it entails through the reasoner's closures: ``A' P' B'`` for every subclass ``A'`` of
``A`` (itself included), super-property ``P'`` of ``P`` and superclass ``B'`` of ``B`` (``owl:Thing``
left out), since ``A' ⊑ A ⊑ ∃P.B ⊑ ∃P'.B'``. A value restriction ``A ⊑ ∃P.{v}`` (``owl:hasValue``) gives
``A' P' v``. Restrictions come from ``rdfs:subClassOf`` and from the conjuncts of an
``owl:equivalentClass`` intersection (``CervicalLymphNodeMetastasis ≡ Metastasis ⊓ ∃hasSite.CervicalLymphNode``).

Not flattened: the definitions of association classes (``mkg:RegionalSpreadAssociation ≡ SpreadAssociation
⊓ ∃spreadKind.{RegionalSpread}``): they describe association nodes, which carry those triples themselves.
The ontology has no universal (``owl:allValuesFrom``) or cardinality restriction; one would not be
flattened either, as ``A P B`` reads as "some", which is what the Ubergraph convention means.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDFS
from rdflib.term import Node

from kg.namespaces import MKG

__all__ = ["restriction_shortcuts", "stated_restrictions"]

Restriction = tuple[URIRef, URIRef, URIRef]
"""(class, property, filler class or value individual)."""


def _restriction(ontology: Graph, node: Node) -> tuple[URIRef, URIRef] | None:
    if not isinstance(node, BNode):
        return None
    prop = ontology.value(node, OWL.onProperty)
    filler = ontology.value(node, OWL.someValuesFrom) or ontology.value(node, OWL.hasValue)
    if isinstance(prop, URIRef) and isinstance(filler, URIRef):
        return prop, filler
    return None


def stated_restrictions(ontology: Graph) -> Iterator[Restriction]:
    """``A ⊑ ∃P.B`` and ``A ⊑ ∃P.{v}`` as the ontology states them, on named classes."""
    for cls, sup in ontology.subject_objects(RDFS.subClassOf):
        found = _restriction(ontology, sup)
        if isinstance(cls, URIRef) and found:
            yield (cls, *found)
    for cls, expr in ontology.subject_objects(OWL.equivalentClass):
        members = ontology.value(expr, OWL.intersectionOf) if isinstance(expr, BNode) else None
        if not isinstance(cls, URIRef) or members is None:
            continue
        for part in Collection(ontology, members):
            found = _restriction(ontology, part)
            if found:
                yield (cls, *found)


def restriction_shortcuts(
    ontology: Graph, ancestors: Mapping[URIRef, set[URIRef]], super_props: Mapping[URIRef, set[URIRef]]
) -> Graph:
    """Every flat triple the stated restrictions entail through the class and property closures."""
    descendants: dict[URIRef, set[URIRef]] = defaultdict(set)
    for cls, sups in ancestors.items():
        for sup in sups:
            descendants[sup].add(cls)
    out = Graph()
    for cls, prop, filler in stated_restrictions(ontology):
        if MKG.Association in ancestors.get(cls, set()) | {cls}:
            continue
        fillers = ({filler} | ancestors.get(filler, set())) - {OWL.Thing}
        for sub in {cls} | descendants.get(cls, set()):
            for p in {prop} | super_props.get(prop, set()):
                for target in fillers:
                    out.add((sub, p, target))
    return out
