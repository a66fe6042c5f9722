"""The ontology checks the build refuses on, in pure Python: declarations, OWL 2 DL rules, QC queries.

rdflib and the SHACL shapes accept an ontology whose superclass IRI is misspelt: the typo is just a new
IRI. The OWL API would call it an undeclared class, but it needs Java, so the build runs these checks on
the parsed ontology instead (``mkg check-ontology`` adds the OWL API's where Java is present):

* every IRI of the ontology namespace used as a class, property or individual is declared as one
  (``owl:Class``, ``owl:ObjectProperty``, ``owl:DatatypeProperty``, ``owl:AnnotationProperty``,
  ``owl:NamedIndividual``, ``rdfs:Datatype``), of the kind its position needs;
* the OWL 2 DL rules that are cheap to check on triples: no IRI both an object, a data or an annotation
  property, nor both a class and a datatype; no annotation property in a logical axiom (a restriction,
  a property axiom); restrictions whose filler fits the property (a class for an object property, a
  datatype for a data property); no non-simple property (transitive, a chain, or above one) in a
  cardinality restriction, ``owl:hasSelf``, or a functional, irreflexive, asymmetric or disjointness axiom;
  no restriction without a filler, value or cardinality (the OWL API reads it as an error class);
* every ``queries/qc`` check (:mod:`kg.checks.qc`).

Each problem is located in the file (:func:`locate`): the line where the offending IRI is used, found by
its spellings in the text (prefixed name or ``<IRI>``), since parsers keep no positions per triple.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.errors import UserError
from kg.resources import BASE_IRI

__all__ = ["OntologyProblem", "locate", "ontology_problems", "refuse_problems", "structural_problems"]

CLASS, DATATYPE, OBJECT, DATA, ANNOTATION, INDIVIDUAL = (
    "class", "datatype", "object property", "data property", "annotation property", "individual",
)  # fmt: skip
_DECLARATIONS = {
    OWL.Class: CLASS,
    RDFS.Datatype: DATATYPE,
    OWL.ObjectProperty: OBJECT,
    OWL.DatatypeProperty: DATA,
    OWL.AnnotationProperty: ANNOTATION,
    OWL.NamedIndividual: INDIVIDUAL,
}
# Positions that take a logical property: object or data, whichever the IRI is declared as.
_PROPERTY = "property"
_ANY = "entity"
_BUILTIN_ANNOTATIONS = {
    RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.deprecated, OWL.versionInfo,
    OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith,
}  # fmt: skip
# Predicates whose subject and object are classes, or whose object is.
_CLASS_PAIRS = {RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith}
_CLASS_OBJECTS = {OWL.complementOf, OWL.onClass}
_CLASS_LISTS = {OWL.unionOf, OWL.intersectionOf, OWL.disjointUnionOf}
_PROPERTY_PAIRS = {RDFS.subPropertyOf, OWL.equivalentProperty, OWL.propertyDisjointWith, OWL.inverseOf}
_INDIVIDUAL_PAIRS = {OWL.sameAs, OWL.differentFrom}
_FILLERS = {OWL.someValuesFrom, OWL.allValuesFrom}
_CARDINALITIES = {
    OWL.cardinality, OWL.minCardinality, OWL.maxCardinality,
    OWL.qualifiedCardinality, OWL.minQualifiedCardinality, OWL.maxQualifiedCardinality,
}  # fmt: skip
_NEEDS_SIMPLE = {
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty, OWL.AsymmetricProperty,
}  # fmt: skip
# How far from the predicate it is used with a use of an IRI may be, in lines (multi-line blank nodes).
_NEAR_LINES = 3
_VALUES = {OWL.hasValue, OWL.hasSelf}
_SKIPPED = {OWL.annotatedSource, OWL.annotatedTarget, OWL.annotatedProperty, RDF.first, RDF.rest}
_W3C = (str(OWL), str(RDF), str(RDFS), str(XSD))


# kind, offending IRI, message, and the predicate it is used with (where to look for it in the file).
_Found = tuple[str, URIRef, str, Node | None]


@dataclass(frozen=True, order=True)
class OntologyProblem:
    """One reason to refuse the ontology: where, which kind of check, what, and about which IRI."""

    line: int
    kind: str
    message: str
    iri: str = ""

    def text(self, path: Path | str) -> str:
        """``file:line: message`` (``file: message`` when no line names the IRI)."""
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"


class _Signature:
    """What each IRI is declared as, and how each ontology-namespace IRI is used."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.declared: dict[Node, set[str]] = defaultdict(set)
        for cls, kind in _DECLARATIONS.items():
            for s in graph.subjects(RDF.type, cls):
                self.declared[s].add(kind)
        self.uses: dict[URIRef, dict[str, Node]] = defaultdict(dict)
        self.ontologies = set(graph.subjects(RDF.type, OWL.Ontology))

    def kinds(self, node: Node) -> set[str]:
        return self.declared.get(node, set())

    def is_annotation(self, predicate: Node) -> bool:
        """Predicates whose objects are annotation values (never checked as entities)."""
        if predicate in _BUILTIN_ANNOTATIONS or ANNOTATION in self.kinds(predicate):
            return True
        outside = not str(predicate).startswith((BASE_IRI, *_W3C))
        return outside and not self.kinds(predicate) & {OBJECT, DATA}

    def use(self, node: Node | None, kind: str, via: Node) -> None:
        if isinstance(node, URIRef) and str(node).startswith(BASE_IRI) and node not in self.ontologies:
            self.uses[node].setdefault(kind, via)

    def items(self, head: Node | None) -> list[Node]:
        found: list[Node] = []
        while isinstance(head, BNode) and len(found) < 10_000:
            item = self.graph.value(head, RDF.first)
            if item is not None:
                found.append(item)
            head = self.graph.value(head, RDF.rest)
        return found


def _collect_uses(sig: _Signature) -> None:
    g = sig.graph
    for s, p, o in g:
        if p in _SKIPPED:
            continue
        if p == RDF.type:
            if str(o).startswith(_W3C):
                if o in _NEEDS_SIMPLE or o in {OWL.TransitiveProperty, OWL.SymmetricProperty}:
                    sig.use(s, _PROPERTY, p)
                continue
            sig.use(o, CLASS, p)
            sig.use(s, INDIVIDUAL, p)
            continue
        if sig.is_annotation(p):
            sig.use(p, ANNOTATION, p)
            continue
        sig.use(p, _ANY, p)
        if p in _CLASS_PAIRS:
            sig.use(s, CLASS, p)
            sig.use(o, CLASS, p)
        elif p in _CLASS_OBJECTS:
            sig.use(o, CLASS, p)
        elif p in _CLASS_LISTS:
            for item in sig.items(o):
                sig.use(item, CLASS, p)
            if p == OWL.disjointUnionOf:
                sig.use(s, CLASS, p)
        elif p in _PROPERTY_PAIRS:
            sig.use(s, OBJECT if p == OWL.inverseOf else _PROPERTY, p)
            sig.use(o, OBJECT if p == OWL.inverseOf else _PROPERTY, p)
        elif p == OWL.onProperty:
            sig.use(o, _PROPERTY, p)
        elif p == OWL.propertyChainAxiom:
            sig.use(s, OBJECT, p)
            for item in sig.items(o):
                sig.use(item, OBJECT, p)
        elif p in _INDIVIDUAL_PAIRS:
            sig.use(s, INDIVIDUAL, p)
            sig.use(o, INDIVIDUAL, p)
        elif p in {OWL.members, OWL.distinctMembers, OWL.oneOf}:
            kind = INDIVIDUAL if p != OWL.members or (s, RDF.type, OWL.AllDifferent) in g else _ANY
            for item in sig.items(o):
                sig.use(item, kind, p)
        elif p in {RDFS.domain, RDFS.range}:
            sig.use(s, _ANY, p)
            sig.use(o, CLASS if p == RDFS.domain or OBJECT in sig.kinds(s) else _ANY, p)
        elif OBJECT in sig.kinds(p):
            sig.use(s, INDIVIDUAL, p)
            sig.use(o, INDIVIDUAL, p)
        else:
            sig.use(s, _ANY, p)
            sig.use(o, _ANY, p)


def _declaration_problems(sig: _Signature, render: _Renderer) -> list[_Found]:
    found: list[_Found] = []
    for iri, uses in sorted(sig.uses.items()):
        kinds = sig.kinds(iri)
        for kind, via in sorted(uses.items()):
            if kind == _ANY and kinds:
                continue
            if kind == _PROPERTY and kinds & {OBJECT, DATA}:
                continue
            if kind in kinds:
                continue
            if kind in (_PROPERTY, OBJECT) and kinds == {ANNOTATION}:
                found.append((
                    "annotation-property-in-logical-axiom", iri,
                    f"annotation property {render(iri)} used in a logical axiom ({render(via)}); "
                    "OWL 2 DL allows only object and data properties there", via,
                ))  # fmt: skip
                continue
            wanted = "declared" if kind in (_ANY, _PROPERTY) else f"declared a {kind}"
            what = f"{kind} " if kind not in (_ANY, _PROPERTY) else ""
            declared_as = f" (declared only as {', '.join(sorted(kinds))})" if kinds else ""
            found.append((
                "undeclared-entity", iri,
                f"{what}{render(iri)} (used with {render(via)}) is not {wanted}{declared_as}: "
                "a misspelt IRI, or a missing declaration", via,
            ))  # fmt: skip
            break
    return found


def _punning_problems(sig: _Signature, render: _Renderer) -> list[_Found]:
    found: list[_Found] = []
    for node, kinds in sorted(sig.declared.items(), key=lambda item: str(item[0])):
        if not isinstance(node, URIRef):
            continue
        properties = kinds & {OBJECT, DATA, ANNOTATION}
        if len(properties) > 1:
            found.append((
                "property-punning", node,
                f"{render(node)} is declared both {' and '.join(sorted(properties))}; OWL 2 DL forbids it",
                RDF.type,
            ))  # fmt: skip
        if {CLASS, DATATYPE} <= kinds:
            found.append((
                "class-datatype-punning", node, f"{render(node)} is declared both class and datatype", RDF.type,
            ))  # fmt: skip
    return found


def _non_simple(sig: _Signature) -> set[Node]:
    """Object properties that are transitive, have a chain, or have a non-simple sub-property or inverse."""
    g = sig.graph
    found = set(g.subjects(RDF.type, OWL.TransitiveProperty)) | set(g.subjects(OWL.propertyChainAxiom, None))
    changed = True
    while changed:
        changed = False
        for sub, sup in g.subject_objects(RDFS.subPropertyOf):
            if sub in found and sup not in found:
                found.add(sup)
                changed = True
        for a, b in g.subject_objects(OWL.inverseOf):
            for x, y in ((a, b), (b, a)):
                if x in found and y not in found:
                    found.add(y)
                    changed = True
    return found


def _restriction_problems(sig: _Signature, render: _Renderer) -> list[_Found]:
    g = sig.graph
    non_simple = _non_simple(sig)
    found: list[_Found] = []
    for restriction, prop in g.subject_objects(OWL.onProperty):
        if not isinstance(prop, URIRef):
            continue
        if not any(g.value(restriction, p) is not None for p in (*_FILLERS, *_CARDINALITIES, *_VALUES)):
            found.append((
                "incomplete-restriction", prop,
                f"a restriction on {render(prop)} without a filler, value or cardinality is no class expression",
                OWL.onProperty,
            ))  # fmt: skip
        kinds = sig.kinds(prop)
        for p in _FILLERS:
            filler = g.value(restriction, p)
            if filler is None:
                continue
            if DATA in kinds and not kinds & {OBJECT} and CLASS in sig.kinds(filler):
                found.append((
                    "filler-mismatch", prop,
                    f"data property {render(prop)} restricted to the class {render(filler)} ({render(p)})",
                    p,
                ))  # fmt: skip
            if OBJECT in kinds and not kinds & {DATA} and str(filler).startswith(str(XSD)):
                found.append((
                    "filler-mismatch", prop,
                    f"object property {render(prop)} restricted to the datatype {render(filler)} ({render(p)})",
                    p,
                ))  # fmt: skip
        if prop in non_simple:
            used = [p for p in (*sorted(_CARDINALITIES), OWL.hasSelf) if g.value(restriction, p) is not None]
            if used:
                found.append((
                    "non-simple-property", prop,
                    f"non-simple property {render(prop)} (transitive or a chain) in an {render(used[0])} "
                    "restriction; OWL 2 DL allows only simple properties there", used[0],
                ))  # fmt: skip
    for kind in sorted(_NEEDS_SIMPLE):
        for prop in g.subjects(RDF.type, kind):
            if prop in non_simple and isinstance(prop, URIRef):
                found.append((
                    "non-simple-property", prop,
                    f"non-simple property {render(prop)} (transitive or a chain) typed {render(kind)}", RDF.type,
                ))  # fmt: skip
    for a, b in g.subject_objects(OWL.propertyDisjointWith):
        for prop in (a, b):
            if prop in non_simple and isinstance(prop, URIRef):
                found.append((
                    "non-simple-property", prop,
                    f"non-simple property {render(prop)} (transitive or a chain) in owl:propertyDisjointWith",
                    OWL.propertyDisjointWith,
                ))  # fmt: skip
    return found


class _Renderer:
    """IRIs as the file spells them: prefixed names with the file's prefixes, else ``<IRI>``."""

    def __init__(self, graph: Graph) -> None:
        self.namespaces = sorted(((str(ns), p) for p, ns in graph.namespaces()), key=lambda i: (-len(i[0]), i[1]))

    def spellings(self, iri: str) -> list[str]:
        names = [f"{p}:{iri[len(ns) :]}" for ns, p in self.namespaces if iri.startswith(ns) and len(iri) > len(ns)]
        return [*names, f"<{iri}>"]

    def __call__(self, node: Node) -> str:
        return self.spellings(str(node))[0] if isinstance(node, URIRef) else str(node)


def structural_problems(graph: Graph) -> list[_Found]:
    """(kind, IRI, message, predicate used with) of every declaration and OWL 2 DL problem of the ontology."""
    sig = _Signature(graph)
    _collect_uses(sig)
    render = _Renderer(graph)
    return [*_declaration_problems(sig, render), *_punning_problems(sig, render), *_restriction_problems(sig, render)]


def locate(text: str, graph: Graph, iri: str, *, via: Node | None = None, as_subject: bool = False) -> int:
    """The 1-based line of the file where ``iri`` is used, 0 when the text does not spell it.

    With ``via`` (the predicate it is used with): the first use of the IRI on the line of ``via``, else
    within a few lines of it (a blank node written over several lines), else its first use other than
    as a statement's subject. ``via`` ``rdf:type`` (a declaration) and
    ``as_subject`` look for the start of its statement instead: the last one for a declaration (the
    conflicting one is usually the newer), the first otherwise. Falls back to any occurrence of the IRI.
    """
    render = _Renderer(graph)
    token = _token(render.spellings(iri))
    near = _token(render.spellings(str(via))) if isinstance(via, URIRef) and via != RDF.type else None
    lines = text.splitlines()
    subjects: list[int] = []
    uses: list[int] = []
    for number, line in enumerate(lines, start=1):
        matches = list(token.finditer(line))
        if matches and matches[0].start() == 0:
            subjects.append(number)
        if len(matches) > 1 or (matches and matches[0].start() > 0):
            uses.append(number)
    if near is not None:
        for window in (0, _NEAR_LINES):
            for number in uses:
                if any(near.search(ln) for ln in lines[max(0, number - 1 - window) : number + window]):
                    return number
    if via == RDF.type and subjects:
        return subjects[-1]
    ordered = [*subjects, *uses] if as_subject else [*uses, *subjects]
    if ordered:
        return ordered[0]
    bare = re.compile(re.escape(iri) + r"(?![\w/#-])")
    return next((n for n, line in enumerate(lines, start=1) if bare.search(line)), 0)


def _token(spellings: list[str]) -> re.Pattern[str]:
    """A spelling of one term as a whole Turtle token (not part of a longer name)."""
    return re.compile(r"(?<![\w:<.-])(?:" + "|".join(map(re.escape, spellings)) + r")(?![\w-]|\.[\w-])")


def ontology_problems(path: Path, graph: Graph) -> list[OntologyProblem]:
    """Every structural and QC problem of the ontology read from ``path``, with the line it is on."""
    from kg.checks.qc import run_qc

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""
    found = [
        OntologyProblem(locate(text, graph, str(iri), via=via), kind, message, str(iri))
        for kind, iri, message, via in structural_problems(graph)
    ]
    for violation in run_qc(graph):
        term = violation.term
        iri = str(term) if isinstance(term, URIRef) else ""
        line = locate(text, graph, iri, as_subject=True) if iri else 0
        value = f" {violation.value}" if violation.value else ""
        message = f"QC check {violation.check}: {violation.entity} {violation.property}{value}"
        found.append(OntologyProblem(line, f"qc:{violation.check}", message, iri))
    return sorted(set(found))


def refuse_problems(path: Path, problems: Iterable[OntologyProblem]) -> None:
    """Raise one :class:`UserError`, one ``file:line`` line per problem, when there is any."""
    lines = [p.text(path) for p in sorted(problems)]
    if not lines:
        return
    if len(lines) == 1:
        raise UserError(f"{lines[0]} (the ontology was refused; nothing was written)")
    raise UserError("\n".join(lines) + f"\n{len(lines)} problems: the ontology was refused; nothing was written")
