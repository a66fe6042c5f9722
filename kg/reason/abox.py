"""Compact A-box: hand HermiT one representative of each shape of fact instead of every fact.

Why this exists: HermiT's time grows faster than linearly with the number of individuals, while a
growing knowledge graph adds mostly *repetitions*: association nodes that differ only in their labels,
quotes and sources. :func:`compact_abox` replaces the asserted graph by a small one that entails exactly
the same class memberships, subsumptions and (in)consistency, and says which individual stands for which.

What HermiT gets
================

1. **Only assertions that can matter.** Annotation assertions (``rdfs:label``, ``mkg:quote``, any
   property the T-box declares an ``owl:AnnotationProperty`` and uses in no axiom) are dropped. So are
   assertions of properties that no T-box axiom constrains: a property is *relevant* when it, or one of
   its super-properties (``rdfs:subPropertyOf``, transitively), occurs in any T-box triple other than a
   declaration, an annotation of it, or ``rdfs:subPropertyOf``. (A domain or range counts, so a
   ``owl:DatatypeProperty`` with ``rdfs:range xsd:decimal`` keeps its values.) Mentioning
   ``owl:topObjectProperty`` or ``owl:topDataProperty`` makes every property relevant; ``rdfs:subPropertyOf``
   ``owl:bottom...Property`` makes the sub-property relevant. The domain or range of an annotation property
   does not count: OWL 2 reads it as an annotation axiom, with no logical meaning. A typed, non-string
   literal of an irrelevant, non-annotation property is still checked once: every distinct one is given to a *witness*
   individual, so an ill-typed literal or an unsupported datatype fails as it would in the full run.
   An undeclared property whose objects are both literals and nodes is kept whole: how the OWL parser
   reads it is guesswork.
2. **One representative per shape.** The individuals named only in the A-box (not in the T-box) and the
   assertions left among them form a graph; an assertion to an individual the T-box names (a value-set
   member such as ``mkg:RegionalSpread``, or a class IRI by punning) is part of the A-box node's *label*,
   not an edge, and so are its types and literal values. Connected components that are trees get colour
   refinement (1-WL) colours over those labels and ``(property, direction)`` edge labels. 1-WL identifies
   labelled trees up to isomorphism, and equal stable colours in two trees mean the trees rooted at
   the two nodes are isomorphic; so one component per isomorphism class is kept, and every individual
   takes the inferred types of the node of the same colour in its class's representative. Components
   that are not trees are kept as they are.

Why the answer is the same (the argument :func:`compact_abox` relies on)
======================================================================

Write ``A`` for the asserted facts, ``A'`` for the compact ones (``A'`` ⊆ ``A`` apart from the witness's
literals), and ``h`` for the map from each A-box individual to its stand-in. The T-box never mentions
an individual that ``h`` moves.

* *A model of the compact input gives a model of the full input with the same extensions.* OWL has no
  unique name assumption, so let every individual ``x`` denote the element its stand-in ``h(x)``
  denotes. Class and property extensions are unchanged, so the T-box still holds (it does not see the
  individuals' names), and every assertion of ``x``'s component holds because the isomorphic assertion
  of the representative holds. Dropped assertions of irrelevant properties are then added to those
  properties' extensions (and their super-properties', all irrelevant too), which no axiom can object
  to; an individual left with no relevant assertion may denote any element. Hence whatever the compact
  input does not entail about ``h(x)``, the full input does not entail about ``x``; and if the compact
  input is consistent, so is the full one.
* *A model of the full input gives a model of the compact input.* The compact input is part of the full
  one, except the witness, whose only assertions use irrelevant properties. Renaming a representative
  component to any isomorphic component maps its assertions onto assertions of ``A``; so whatever the
  compact input entails about ``h(x)`` holds of ``x`` in every model of the full input.

Since both inputs have the same models up to the names of A-box individuals, they entail the same
subsumptions, the same unsatisfiable classes, the same types of T-box individuals, and the same
consistency. The argument uses no property of the T-box beyond not naming A-box individuals, so
inverse properties, cardinality restrictions, functional properties, keys and nominals are all covered:
a restriction such as ``{o} ⊑ ≤1 P⁻`` makes all ``P``-predecessors of ``o`` equal, and equal is exactly
what the collapsed model makes them. What it does not cover is refused with
:class:`NotCompactableError` (the caller then reasons with the full A-box): ``owl:sameAs``,
``owl:differentFrom``, ``owl:AllDifferent``, negative assertions or any other OWL, RDF or RDFS vocabulary
in the A-box (they relate individuals across components); blank nodes in the A-box; SWRL rules in the
T-box (outside OWL 2 DL). One assumption is checked after reasoning rather than before: an individual
with no relevant assertion gets no named type only if ``owl:Thing`` has no named super-class. The witness
is such an individual, so :meth:`CompactABox.expand_types` refuses when the witness has a named type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

__all__ = ["WITNESS", "CompactABox", "NotCompactableError", "compact_abox"]

Triple = tuple[URIRef, URIRef, URIRef]
_Fact = tuple[Node, Node, Node]

WITNESS = URIRef("urn:mkg:compact-abox:witness")

_VOCABULARY = (str(RDF), str(RDFS), str(OWL), str(XSD))
_SWRL = "http://www.w3.org/2003/11/swrl#"
_BUILT_IN_ANNOTATIONS = frozenset(
    {
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.versionInfo,
        OWL.deprecated,
        OWL.priorVersion,
        OWL.backwardCompatibleWith,
        OWL.incompatibleWith,
    }
)
_DECLARATIONS = frozenset({OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property})
_ANNOTATION_AXIOMS = frozenset({RDFS.domain, RDFS.range})
_TOP_PROPERTIES = frozenset({OWL.topObjectProperty, OWL.topDataProperty})
_BOTTOM_PROPERTIES = frozenset({OWL.bottomObjectProperty, OWL.bottomDataProperty})
_INDIVIDUAL_TYPES = frozenset({OWL.NamedIndividual, OWL.Thing})
_STRING_TYPES = frozenset({XSD.string, RDF.langString, RDF.PlainLiteral})
_OUT, _IN = "out", "in"
# Plain constants: attribute access on rdflib's namespace objects is slow in per-triple loops.
_TYPE = RDF.type
_SUBPROPERTY = RDFS.subPropertyOf


class NotCompactableError(Exception):
    """The input uses something the compaction's argument does not cover: reason with the full A-box."""


@dataclass(frozen=True)
class CompactABox:
    """The facts HermiT reasons with instead of the A-box, and who stands for whom.

    ``members`` maps each stand-in to every A-box individual that takes its inferred types (itself
    included); ``emitted`` is every A-box individual named in ``assertions``. Individuals in neither have
    no relevant assertion and, as :meth:`expand_types` checks, no named type.
    """

    assertions: Graph
    members: dict[URIRef, tuple[URIRef, ...]]
    emitted: frozenset[URIRef]
    individuals: int
    components: int
    tree_components: int

    def expand_types(self, types: Iterable[Triple]) -> frozenset[Triple]:
        """The ``(individual, rdf:type, class)`` triples of the full A-box, from those of the compact one."""
        out: set[Triple] = set()
        for s, p, o in types:
            if s == WITNESS:
                raise NotCompactableError(
                    f"every individual is inferred to be a {o} (owl:Thing has a named super-class), so "
                    "individuals without relevant assertions are not type-free"
                )
            members = self.members.get(s)
            if members is not None:
                out.update((m, p, o) for m in members)
            elif s not in self.emitted:
                out.add((s, p, o))
        return frozenset(out)


class _Schema:
    """What the T-box says about properties: which can affect entailments, which are annotations."""

    def __init__(self, tbox: Graph) -> None:
        declared = {kind: set(tbox.subjects(RDF.type, kind)) for kind in _DECLARATIONS}
        logical = declared[OWL.ObjectProperty] | declared[OWL.DatatypeProperty]
        self.declared: set[Node] = set().union(*declared.values())
        self.annotations = _BUILT_IN_ANNOTATIONS | (declared[OWL.AnnotationProperty] - logical)
        self.named: set[Node] = set()
        self.supers: dict[Node, set[Node]] = defaultdict(set)
        constrained: set[Node] = set(_BOTTOM_PROPERTIES)
        for s, p, o in tbox:
            for node in (s, p, o):
                if isinstance(node, URIRef):
                    if node.startswith(_SWRL):
                        raise NotCompactableError(f"the T-box uses SWRL ({node}), which is outside OWL 2 DL")
                    self.named.add(node)
            if p == _TYPE and o in _DECLARATIONS:
                continue
            if p == _SUBPROPERTY and isinstance(s, URIRef) and isinstance(o, URIRef):
                self.supers[s].add(o)
                continue
            if p in self.annotations:
                continue
            if p in _ANNOTATION_AXIOMS and s in self.annotations:
                continue  # AnnotationPropertyDomain/Range: annotation axioms, no logical meaning in OWL 2 DL
            constrained.update(n for n in (s, p, o) if isinstance(n, URIRef))
        self.everything = bool(constrained & _TOP_PROPERTIES)
        self.constrained = constrained
        self._relevant: dict[Node, bool] = {}

    def relevant(self, prop: Node) -> bool:
        """Whether assertions of ``prop`` can change what is entailed (it or a super-property is used)."""
        if self.everything:
            return True
        if prop in self._relevant:
            return self._relevant[prop]
        seen = {prop}
        stack = [prop]
        found = False
        while stack and not found:
            current = stack.pop()
            found = current in self.constrained
            for parent in self.supers.get(current, ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        self._relevant[prop] = found
        return found

    def annotation_only(self, prop: Node) -> bool:
        """An annotation property no axiom uses: its assertions never reach the reasoner's logic."""
        return prop in _BUILT_IN_ANNOTATIONS or (prop in self.annotations and not self.relevant(prop))


class _Facts:
    """The relevant A-box assertions, sorted into node labels, edges, and fixed triples."""

    def __init__(self, schema: _Schema) -> None:
        self.named = schema.named
        self.labels: dict[URIRef, set[tuple[Node, Node, str]]] = defaultdict(set)
        self.triples: dict[URIRef, list[_Fact]] = defaultdict(list)
        self.adjacent: dict[URIRef, list[tuple[tuple[Node, str], URIRef]]] = defaultdict(list)
        self.fixed: list[_Fact] = []
        self.witnessed: set[tuple[Node, Literal]] = set()

    def add_type(self, s: URIRef, o: URIRef) -> None:
        if s in self.named:
            self.fixed.append((s, _TYPE, o))
        else:
            self.labels[s].add((_TYPE, o, _OUT))
            self.triples[s].append((s, _TYPE, o))

    def add(self, s: URIRef, p: Node, o: URIRef | Literal) -> None:
        triple = (s, p, o)
        s_abox = s not in self.named
        if isinstance(o, Literal) or o in self.named:
            if s_abox:
                self.labels[s].add((p, o, _OUT))
                self.triples[s].append(triple)
            else:
                self.fixed.append(triple)
        elif s_abox:
            self.adjacent[s].append(((p, _OUT), o))
            self.adjacent[o].append(((p, _IN), s))
            self.triples[s].append(triple)
        else:
            self.labels[o].add((p, s, _IN))
            self.triples[o].append(triple)


def _iri(node: Node, where: str) -> URIRef:
    if not isinstance(node, URIRef):
        raise NotCompactableError(f"the A-box has a {type(node).__name__} {where} ({node.n3()})")
    return node


def _needs_witness(value: Literal) -> bool:
    return value.language is None and value.datatype is not None and value.datatype not in _STRING_TYPES


_TYPES, _ANNOTATION, _IRRELEVANT, _GUESSED, _KEEP = range(5)


def _reading(schema: _Schema, prop: Node) -> int:
    """How the assertions of ``prop`` are handled."""
    if prop == _TYPE:
        return _TYPES
    if schema.annotation_only(prop):
        return _ANNOTATION
    iri = _iri(prop, "as a predicate")
    if str(iri).startswith(_VOCABULARY):
        raise NotCompactableError(f"the A-box uses {iri}, which relates individuals across components")
    if schema.relevant(iri):
        return _KEEP
    return _IRRELEVANT if iri in schema.declared else _GUESSED


def _sort_facts(schema: _Schema, abox: Graph) -> _Facts:
    """Keep what can matter, in one pass over the A-box (a second look only at odd predicates).

    An undeclared property is read by the parser's guesswork; if its objects are both literals and
    nodes, the guess is hard to foresee, so it is kept whole, as if an axiom used it.
    """
    for position in ((WITNESS, None, None), (None, WITNESS, None), (None, None, WITNESS)):
        if position in abox:
            raise NotCompactableError(f"the A-box uses the witness IRI {WITNESS}")
    readings: dict[Node, int] = {}
    objects: dict[Node, int] = defaultdict(int)
    facts = _Facts(schema)
    for s, p, o in abox:
        reading = readings.get(p)
        if reading is None:
            reading = readings[p] = _reading(schema, p)
        if reading == _ANNOTATION:
            continue
        subject = _iri(s, "as a subject")
        if reading == _TYPES:
            cls = _iri(o, "as a type")
            if str(cls).startswith(_VOCABULARY) and cls not in _INDIVIDUAL_TYPES:
                raise NotCompactableError(f"the A-box declares {s.n3()} a {cls}: schema, not a fact")
            facts.add_type(subject, cls)
        elif reading == _KEEP:
            facts.add(subject, p, o if isinstance(o, Literal) else _iri(o, "as an object"))
        elif isinstance(o, Literal):
            objects[p] |= 1
            if _needs_witness(o):
                facts.witnessed.add((p, o))
        else:
            objects[p] |= 2
            _iri(o, "as an object")
    for p, kinds in objects.items():
        if kinds == 3 and readings[p] == _GUESSED:
            facts.witnessed = {(q, value) for q, value in facts.witnessed if q != p}
            for s, o in abox.subject_objects(p):
                facts.add(_iri(s, "as a subject"), p, o if isinstance(o, Literal) else _iri(o, "as an object"))
    return facts


def _components(nodes: list[URIRef], facts: _Facts) -> dict[URIRef, list[URIRef]]:
    """Connected components through A-box edges, keyed by a root (union-find with path halving)."""
    parent = {n: n for n in nodes}

    def find(n: URIRef) -> URIRef:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, neighbours in facts.adjacent.items():
        for _, b in neighbours:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    groups: dict[URIRef, list[URIRef]] = defaultdict(list)
    for n in nodes:
        groups[find(n)].append(n)
    return groups


def _refine(nodes: list[URIRef], initial: dict[URIRef, int], facts: _Facts) -> dict[URIRef, int]:
    """Colour refinement (1-WL) to the stable partition, with ``(property, direction)`` edge labels."""
    edge_ids: dict[tuple[Node, str], int] = {}
    neighbours = {
        n: [(edge_ids.setdefault(label, len(edge_ids)), m) for label, m in facts.adjacent.get(n, ())] for n in nodes
    }
    colour = {n: initial[n] for n in nodes}
    count = len(set(colour.values()))
    while True:
        signatures: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}
        refined = {
            n: signatures.setdefault(
                (colour[n], tuple(sorted((e, colour[m]) for e, m in neighbours[n]))), len(signatures)
            )
            for n in nodes
        }
        colour = refined
        if len(signatures) == count:
            return colour
        count = len(signatures)


def compact_abox(tbox: Graph, abox: Graph) -> CompactABox:
    """The compact A-box for ``abox`` under ``tbox``; raises :class:`NotCompactableError` if not covered."""
    schema = _Schema(tbox)
    if WITNESS in schema.named:
        raise NotCompactableError(f"the T-box uses the witness IRI {WITNESS}")
    facts = _sort_facts(schema, abox)
    nodes = sorted(set(facts.labels) | set(facts.adjacent))
    label_ids: dict[frozenset[tuple[Node, Node, str]], int] = {}
    label_of = {n: label_ids.setdefault(frozenset(facts.labels.get(n, ())), len(label_ids)) for n in nodes}
    groups = _components(nodes, facts)

    trees: list[list[URIRef]] = []
    kept: list[URIRef] = []
    members: dict[URIRef, tuple[URIRef, ...]] = {}
    singles: dict[int, list[URIRef]] = defaultdict(list)
    for group in groups.values():
        edges = sum(len(facts.adjacent.get(n, ())) for n in group) // 2
        if len(group) == 1 and not edges:
            singles[label_of[group[0]]].append(group[0])
        elif edges == len(group) - 1:
            trees.append(group)
        else:
            kept.extend(group)
            members.update((n, (n,)) for n in group)
    for same in singles.values():
        members[same[0]] = tuple(same)
        kept.append(same[0])

    tree_nodes = [n for group in trees for n in group]
    colour = _refine(tree_nodes, label_of, facts)
    classes: dict[tuple[int, ...], list[list[URIRef]]] = defaultdict(list)
    for group in trees:
        classes[tuple(sorted(colour[n] for n in group))].append(group)
    for same_shape in classes.values():
        representative = same_shape[0]
        kept.extend(representative)
        stand_in: dict[int, URIRef] = {}
        for n in representative:
            stand_in.setdefault(colour[n], n)
        shared: dict[URIRef, list[URIRef]] = defaultdict(list)
        for group in same_shape:
            for n in group:
                shared[stand_in[colour[n]]].append(n)
        members.update((s, tuple(ms)) for s, ms in shared.items())

    compact = Graph()
    for n in kept:
        for triple in facts.triples.get(n, ()):
            compact.add(triple)
    for triple in facts.fixed:
        compact.add(triple)
    compact.add((WITNESS, RDF.type, OWL.NamedIndividual))
    for prop, value in facts.witnessed:
        compact.add((WITNESS, prop, value))
    singletons = sum(len(same) for same in singles.values())
    return CompactABox(compact, members, frozenset(kept), len(nodes), len(groups), len(trees) + singletons)
