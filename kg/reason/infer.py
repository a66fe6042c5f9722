"""The inferred graph: what SPARQL users need without running a reasoner.

HermiT classifies the ontology together with the association individuals (:mod:`kg.reason.reasoner`); this module
turns its answer, and what follows from the curated associations, into plain triples:

* the subclass closure as direct ``rdfs:subClassOf`` triples, reflexive ones included (as RDFS entailment
  has them), so ``?c rdfs:subClassOf mkg:LymphNodeMetastasis`` finds the class itself and every descendant;
* inferred ``rdf:type`` triples of associations (e.g. ``mkg:RegionalSpreadAssociation``), with type closure;
* one shortcut triple per association (``mkg:BreastCancer mkg:spreadsTo mkg:Bone``), repeated for every
  super-property (``obo:RO_0004026``), each linked back to its association by RDF reification;
* ``mkg:metastasisClass``: the most specific defined metastasis class covering a spread association's site,
  and the class its spread kind names (``mkg:DistantSpread mkg:spreadKindClass mkg:DistantMetastasis``), so
  climbing the metastasis hierarchy from either finds the fact;
* ``mkg:preferentiallySpreadsTo`` for spread associations whose statement kind is a preferred site or a
  tendency ("tend to spread to"), the only rows whose source says so;
* group statements carried to their members, marked ``mkg:InheritedStatement`` (:mod:`kg.graphs.inherit`);
* one flat ``A P B`` triple per existential or value restriction and what it entails
  (:mod:`kg.graphs.restrictions`, the relation-graph pattern).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.graphs.assemble import new_graph
from kg.graphs.inherit import inherited_statements
from kg.graphs.restrictions import restriction_shortcuts
from kg.namespaces import MKG
from kg.reason.closure import reachable

__all__ = ["PREFERENCE_KINDS", "Classification", "inferred_graph", "metastasis_classes"]

PREFERENCE_KINDS = frozenset({MKG.PreferredSiteStatement, MKG.TendencyStatement})
"""Statement kinds whose source words ("preferred locations", "tend to spread to") give the preference shortcut."""

Pair = tuple[URIRef, URIRef]


@dataclass(frozen=True)
class Classification:
    """A reasoner's answer over named entities; closures, without reflexive pairs."""

    subclass_of: frozenset[Pair]
    types: frozenset[Pair]
    subproperty_of: frozenset[Pair]

    @classmethod
    def from_triples(
        cls,
        subclass_of: Iterable[tuple[Node, Node, Node]],
        types: Iterable[tuple[Node, Node, Node]],
        subproperty_of: Iterable[tuple[Node, Node, Node]],
    ) -> Classification:
        """From the reasoner's answer (:class:`kg.reason.reasoner.Inferences` holds triples) to subject/object pairs."""

        def pairs(triples: Iterable[tuple[Node, Node, Node]]) -> frozenset[Pair]:
            return frozenset((s, o) for s, _, o in triples if isinstance(s, URIRef) and isinstance(o, URIRef))

        return cls(pairs(subclass_of), pairs(types), pairs(subproperty_of))


def _closure(pairs: Iterable[Pair]) -> dict[URIRef, set[URIRef]]:
    """Strict ancestors of every node of a parent relation given as (child, parent) pairs."""
    parents: dict[URIRef, set[URIRef]] = defaultdict(set)
    for child, parent in pairs:
        parents[child].add(parent)
    return {node: reach - {node} for node, reach in reachable(parents).items()}


def _site_definitions(ontology: Graph) -> dict[URIRef, URIRef]:
    """Classes defined as ``Metastasis and (hasSite some SITE)``, keyed by SITE."""
    found: dict[URIRef, URIRef] = {}
    for cls, expr in ontology.subject_objects(OWL.equivalentClass):
        if not isinstance(cls, URIRef) or not isinstance(expr, BNode):
            continue
        members = ontology.value(expr, OWL.intersectionOf)
        if members is None:
            continue
        parts = list(Collection(ontology, members))
        if MKG.Metastasis not in parts:
            continue
        for part in parts:
            if ontology.value(part, OWL.onProperty) == MKG.hasSite:
                site = ontology.value(part, OWL.someValuesFrom)
                if isinstance(site, URIRef):
                    found[site] = cls
    return found


def metastasis_classes(ontology: Graph, ancestors: dict[URIRef, set[URIRef]]) -> dict[URIRef, URIRef]:
    """For every site, the most specific defined metastasis class whose site is it or one of its ancestors."""
    defined = _site_definitions(ontology)
    depth = {site: len(ancestors.get(site, ())) for site in defined}
    result: dict[URIRef, URIRef] = {}
    sites = set(defined) | {s for s, anc in ancestors.items() if anc & set(defined)}
    for site in sites:
        covering = [s for s in ({site} | ancestors.get(site, set())) if s in defined]
        if covering:
            best = max(covering, key=lambda s: (depth[s], str(s)))
            result[site] = defined[best]
    return result


def inferred_graph(ontology: Graph, asserted: Graph, classification: Classification) -> Graph:
    """Everything derivable that a SPARQL user should not have to derive, minus what is already asserted."""
    out = new_graph()
    known = ontology + asserted
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    ancestors = _closure(classification.subclass_of)
    for cls in classes:
        out.add((cls, RDFS.subClassOf, cls))
        for sup in ancestors.get(cls, ()):
            if sup != OWL.Thing:
                out.add((cls, RDFS.subClassOf, sup))
    type_pairs = set(classification.types) | {
        (s, o) for s, o in asserted.subject_objects(RDF.type) if isinstance(s, URIRef) and isinstance(o, URIRef)
    }
    for individual, cls in type_pairs:
        for t in {cls} | ancestors.get(cls, set()):
            if t != OWL.Thing and t != OWL.NamedIndividual:
                out.add((individual, RDF.type, t))
    super_props = _closure(classification.subproperty_of)
    for prop, sups in super_props.items():
        for sup in sups:
            out.add((prop, RDFS.subPropertyOf, sup))
    sites = metastasis_classes(ontology, ancestors)
    kind_classes = {k: c for k, c in ontology.subject_objects(MKG.spreadKindClass) if isinstance(c, URIRef)}
    for assoc in sorted(set(asserted.subjects(MKG.predicate, None)), key=str):
        s, p, o = (asserted.value(assoc, MKG[k]) for k in ("subject", "predicate", "object"))
        assert isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(o, URIRef)
        for prop in {p} | super_props.get(p, set()):
            out.add((s, prop, o))
        out.add((assoc, RDF.type, RDF.Statement))
        out.add((assoc, RDF.subject, s))
        out.add((assoc, RDF.predicate, p))
        out.add((assoc, RDF.object, o))
        if p in {MKG.spreadsTo, MKG.spreadsFirstTo}:
            if o in sites:
                out.add((assoc, MKG.metastasisClass, sites[o]))
            kind = asserted.value(assoc, MKG.spreadKind)
            if kind in kind_classes:
                out.add((assoc, MKG.metastasisClass, kind_classes[kind]))
            if asserted.value(assoc, MKG.statementKind) in PREFERENCE_KINDS:
                for prop in {MKG.preferentiallySpreadsTo} | super_props.get(MKG.preferentiallySpreadsTo, set()):
                    out.add((s, prop, o))
    labels = {s: str(o) for s, o in ontology.subject_objects(RDFS.label) if isinstance(s, URIRef)}
    out += inherited_statements(asserted, ancestors, labels)
    out += restriction_shortcuts(ontology, ancestors, super_props)
    for triple in list(out):
        if triple in known:
            out.remove(triple)
    return out
