"""A graph's triples grouped by subject, read once, for the writers of release files.

rdflib's in-memory store answers every lookup (``predicate_objects``, ``objects``, ``value``) through
several dictionaries and a check of the triple's contexts; a writer that asks once per subject or per
object spends most of its time there, and more per lookup the larger the graph (1M triples: writing the
release took 500 s, growing as size^1.33). This index reads the graph in one pass into plain dictionaries
and answers the same read-only calls the writers make (the canonical Turtle writer, rdflib's JSON-LD
converter, the blank-node labeller), with rdflib's signatures, so each writer's output stays exactly what
it was on an rdflib graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import BNode, Graph
from rdflib.term import Node

__all__ = ["TripleIndex"]

_Triple = tuple[Node, Node, Node]
_Pattern = tuple[Node | None, Node | None, Node | None]


class TripleIndex:
    """The triples of one graph, by subject and predicate (and, when first asked, by object).

    Lookups by subject, or by subject and predicate, cost the same however many triples a subject has
    (a class can be the object of a million associations and the subject of a few triples, or both).
    The index never changes once built.
    """

    #: rdflib's JSON-LD converter asks this to tell a dataset from a graph; an index is always one graph.
    context_aware = False

    def __init__(self, triples: Iterable[_Triple], identifier: Node | None = None) -> None:
        by_subject: dict[Node, dict[Node, list[Node]]] = {}
        size = 0
        for s, p, o in triples:
            predicates = by_subject.get(s)
            if predicates is None:
                by_subject[s] = predicates = {}
            objects = predicates.get(p)
            if objects is None:
                predicates[p] = objects = []
            objects.append(o)
            size += 1
        self._by_subject = by_subject
        self._by_object: dict[Node, list[tuple[Node, Node]]] | None = None
        self._size = size
        self.identifier = identifier if identifier is not None else BNode()

    @classmethod
    def of(cls, graph: Graph) -> TripleIndex:
        """Index an rdflib graph (its triples are unique, so the index holds each once)."""
        return cls(graph, graph.identifier)

    def to_graph(self) -> Graph:
        """The triples back in an rdflib graph, for the rare writer that needs one (rdflib's canonicaliser)."""
        graph = Graph(bind_namespaces="none")
        graph.addN((s, p, o, graph) for s, p, o in self)
        return graph

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[_Triple]:
        for s, predicates in self._by_subject.items():
            for p, objects in predicates.items():
                for o in objects:
                    yield s, p, o

    def __contains__(self, pattern: _Pattern) -> bool:
        """Whether a triple matches ``(s, p, o)``, where ``None`` matches anything (as for an rdflib graph)."""
        return any(True for _ in self.triples(pattern))

    def _objects_index(self) -> dict[Node, list[tuple[Node, Node]]]:
        if self._by_object is None:
            by_object: dict[Node, list[tuple[Node, Node]]] = {}
            for s, p, o in self:
                pairs = by_object.get(o)
                if pairs is None:
                    by_object[o] = pairs = []
                pairs.append((s, p))
            self._by_object = by_object
        return self._by_object

    def triples(self, pattern: _Pattern) -> Iterator[_Triple]:
        """Triples matching ``(s, p, o)``; ``None`` matches anything."""
        s, p, o = pattern
        if s is not None:
            predicates = self._by_subject.get(s, {})
            chosen = predicates.items() if p is None else ((p, predicates.get(p, ())),)
            for p2, objects in chosen:
                for o2 in objects:
                    if o is None or o == o2:
                        yield s, p2, o2
        elif o is not None:
            for s2, p2 in self._objects_index().get(o, ()):
                if p is None or p == p2:
                    yield s2, p2, o
        else:
            for s2, p2, o2 in self:
                if p is None or p == p2:
                    yield s2, p2, o2

    def subjects(self, predicate: Node | None = None, object: Node | None = None) -> Iterator[Node]:
        """Subjects of matching triples, once per triple (as rdflib's ``Graph.subjects`` without ``unique``)."""
        if predicate is None and object is None:
            for s, predicates in self._by_subject.items():
                for objects in predicates.values():
                    for _ in objects:
                        yield s
            return
        for s, _, _ in self.triples((None, predicate, object)):
            yield s

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        """Objects of matching triples."""
        for _, _, o in self.triples((subject, predicate, None)):
            yield o

    def predicate_objects(self, subject: Node) -> Iterator[tuple[Node, Node]]:
        """Predicate and object of every triple about ``subject``."""
        for p, objects in self._by_subject.get(subject, {}).items():
            for o in objects:
                yield p, o

    def subject_predicates(self, object: Node) -> Iterator[tuple[Node, Node]]:
        """Subject and predicate of every triple whose object is ``object``."""
        yield from self._objects_index().get(object, ())

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of ``subject`` through ``predicate``, or ``None`` (as rdflib's ``Graph.value``)."""
        objects = self._by_subject.get(subject)
        found = objects.get(predicate) if objects is not None else None
        return found[0] if found else None
