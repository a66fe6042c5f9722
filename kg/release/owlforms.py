"""One RDF form for each OWL axiom that RDF can spell several ways, so a Protégé save diffs small.

The OWL 2 RDF mapping lets one axiom be written in more than one way, and the OWL API (Protégé's
library) picks its own: it writes a two-member ``DifferentIndividuals`` as ``a owl:differentFrom b``
where the edit file has ``[] a owl:AllDifferent ; owl:distinctMembers ( a b )``, and it writes the
members of sets (``owl:oneOf``, ``owl:unionOf``, ...) in its own order. :func:`canonical_forms` returns
the graph with each such axiom in one form, whichever the input used:

* two named individuals different from each other: ``owl:AllDifferent`` with ``owl:distinctMembers``
  (the form the edit file uses for every closed value set); ``owl:members`` on ``owl:AllDifferent``
  becomes ``owl:distinctMembers``;
* two named classes disjoint: ``A owl:disjointWith B`` (the OWL API's form), ``A`` the smaller IRI,
  also when the input had a two-member ``owl:AllDisjointClasses``;
* lists whose order means nothing in OWL (:data:`SET_LISTS`: ``owl:oneOf``, ``owl:unionOf``,
  ``owl:intersectionOf``, ``owl:members``, ``owl:distinctMembers``, ``owl:disjointUnionOf``,
  ``owl:hasKey``) sorted by the canonical text of their items. Lists whose order matters
  (``owl:propertyChainAxiom``, any list outside OWL's set constructs) are left as they are.

Axioms that carry annotations (an ``owl:Axiom`` naming them, or extra triples on the blank node) are
left in the form they have: rewriting them would detach their annotations. The result means the same
OWL ontology as the input; :mod:`kg.release.turtle` writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

__all__ = ["SET_LISTS", "canonical_forms"]

#: Predicates whose RDF list is a set in OWL's mapping: their items may be sorted.
SET_LISTS = frozenset(
    {OWL.oneOf, OWL.unionOf, OWL.intersectionOf, OWL.members, OWL.distinctMembers, OWL.disjointUnionOf, OWL.hasKey}
)
# Enough passes for set lists nested in the items of set lists (each pass settles one more level).
_MAX_PASSES = 8


def canonical_forms(graph: Graph, sort_key: Callable[[Graph], Callable[[Node], object]]) -> Graph:
    """A copy of ``graph`` with every axiom of the module docstring in its one form.

    ``sort_key(graph)`` gives the key that orders list items (the canonical writer's, so items sort by
    the text they are written as).
    """
    out = Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=True)
    out += graph
    annotated = _annotated_triples(out)
    _different_individuals(out, annotated)
    _disjoint_classes(out, annotated)
    for _ in range(_MAX_PASSES):
        if not _sort_set_lists(out, sort_key(out)):
            break
    return out


def _annotated_triples(graph: Graph) -> set[tuple[Node, Node, Node]]:
    """Triples an ``owl:Axiom`` annotates (reified by annotatedSource/Property/Target)."""
    found: set[tuple[Node, Node, Node]] = set()
    for axiom in graph.subjects(RDF.type, OWL.Axiom):
        s = graph.value(axiom, OWL.annotatedSource)
        p = graph.value(axiom, OWL.annotatedProperty)
        o = graph.value(axiom, OWL.annotatedTarget)
        if s is not None and p is not None and o is not None:
            found.add((s, p, o))
    return found


def _list_items(graph: Graph, head: Node | None) -> list[Node] | None:
    """The items of a well-formed list used once (``None`` for anything else)."""
    items: list[Node] = []
    node: Node | None = head
    seen: set[Node] = set()
    while node != RDF.nil:
        if not isinstance(node, BNode) or node in seen or len(list(graph.subjects(None, node))) != 1:
            return None
        seen.add(node)
        pairs = list(graph.predicate_objects(node))
        first = [o for p, o in pairs if p == RDF.first]
        rest = [o for p, o in pairs if p == RDF.rest]
        if len(pairs) != 2 or len(first) != 1 or len(rest) != 1:
            return None
        items.append(first[0])
        node = rest[0]
    return items


def _list_nodes(graph: Graph, head: Node | None) -> Iterator[BNode]:
    node = head
    while isinstance(node, BNode):
        yield node
        node = graph.value(node, RDF.rest)


def _add_list(graph: Graph, items: list[Node]) -> Node:
    head: Node = RDF.nil
    for item in reversed(items):
        cell = BNode()
        graph.add((cell, RDF.first, item))
        graph.add((cell, RDF.rest, head))
        head = cell
    return head


def _remove_list(graph: Graph, head: Node | None) -> None:
    for cell in list(_list_nodes(graph, head)):
        graph.remove((cell, None, None))


def _bare_group(graph: Graph, node: Node, kind: URIRef, members: URIRef) -> list[Node] | None:
    """The members of ``[] a kind ; members ( ... )`` when the node says nothing else and is used nowhere."""
    if not isinstance(node, BNode) or (None, None, node) in graph:
        return None
    if set(graph.predicate_objects(node)) != {(RDF.type, kind), (members, graph.value(node, members))}:
        return None
    return _list_items(graph, graph.value(node, members))


def _different_individuals(graph: Graph, annotated: set[tuple[Node, Node, Node]]) -> None:
    for node in list(graph.subjects(RDF.type, OWL.AllDifferent)):
        head = graph.value(node, OWL.members)
        if head is not None and graph.value(node, OWL.distinctMembers) is None:
            graph.remove((node, OWL.members, head))
            graph.add((node, OWL.distinctMembers, head))
    pairs: set[frozenset[Node]] = set()
    for node in graph.subjects(RDF.type, OWL.AllDifferent):
        items = _bare_group(graph, node, OWL.AllDifferent, OWL.distinctMembers)
        if items is not None and len(items) == 2:
            pairs.add(frozenset(items))
    for triple in list(graph.triples((None, OWL.differentFrom, None))):
        a, _, b = triple
        if triple in annotated or not isinstance(a, URIRef) or not isinstance(b, URIRef) or a == b:
            continue
        graph.remove(triple)
        if frozenset((a, b)) in pairs:
            continue
        pairs.add(frozenset((a, b)))
        group = BNode()
        graph.add((group, RDF.type, OWL.AllDifferent))
        graph.add((group, OWL.distinctMembers, _add_list(graph, sorted((a, b), key=str))))


def _disjoint_classes(graph: Graph, annotated: set[tuple[Node, Node, Node]]) -> None:
    for node in list(graph.subjects(RDF.type, OWL.AllDisjointClasses)):
        items = _bare_group(graph, node, OWL.AllDisjointClasses, OWL.members)
        if items is None or len(items) != 2 or not all(isinstance(i, URIRef) for i in items):
            continue
        _remove_list(graph, graph.value(node, OWL.members))
        graph.remove((node, None, None))
        a, b = sorted(items, key=str)
        graph.add((a, OWL.disjointWith, b))
    for triple in list(graph.triples((None, OWL.disjointWith, None))):
        a, _, b = triple
        if triple in annotated or not isinstance(a, URIRef) or not isinstance(b, URIRef) or str(a) <= str(b):
            continue
        graph.remove(triple)
        graph.add((b, OWL.disjointWith, a))


def _sort_set_lists(graph: Graph, key: Callable[[Node], object]) -> bool:
    """Sort the items of every set list in place (the list cells stay); whether anything moved."""
    moved = False
    for predicate in sorted(SET_LISTS, key=str):
        for head in list(graph.objects(None, predicate)):
            items = _list_items(graph, head)
            if items is None:
                continue
            ordered = sorted(items, key=key)  # type: ignore[arg-type]
            if ordered == items:
                continue
            moved = True
            for cell, item in zip(_list_nodes(graph, head), ordered, strict=True):
                graph.set((cell, RDF.first, item))
    return moved
