"""The HTML view of one resource, assembled from query rows: what each section of a term page shows.

Kept apart from HTTP so the rules are plain functions: which statements are headline facts (label,
definition, synonyms, cross-references, class hierarchy (drawn by :mod:`server.web.hierarchy`), class
expressions), which are listed as relations, what was inferred rather than curated (a statement only in
the inferred graph), how an association's subject, predicate, object, figures and verbatim source
sentence are laid out, and how the HPO annotations of a skin finding (disease, evidence code,
references, frequency) are listed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.prefixes import default_prefixes, identifier_converter
from server.web.catalog import Catalog
from server.web.classexpr import ClassExpressions, Token

__all__ = [
    "EVIDENCE_CODES",
    "Association",
    "Figure",
    "HpoAnnotation",
    "PropertyValues",
    "ResourceView",
    "Value",
    "build_view",
    "hpo_annotations",
    "xref_iri",
]

_NS = default_prefixes()  # the project's prefix table (kg/prefixes.tsv)
RDF = _NS["rdf"]
RDFS = _NS["rdfs"]
OWL = _NS["owl"]
OBO = _NS["obo"]
OIO = _NS["oboInOwl"]
SKOS = _NS["skos"]
DCTERMS = _NS["dcterms"]
XSD = _NS["xsd"]

DEFINITION = OBO + "IAO_0000115"
SYNONYMS = {
    OIO + "hasExactSynonym": "exact",
    OIO + "hasRelatedSynonym": "related",
    OIO + "hasBroadSynonym": "broad",
    OIO + "hasNarrowSynonym": "narrow",
    SKOS + "altLabel": "alternative",
}
MAPPINGS = {
    SKOS + "exactMatch": "exact match",
    SKOS + "closeMatch": "close match",
    SKOS + "broadMatch": "broad match",
    SKOS + "narrowMatch": "narrow match",
    SKOS + "relatedMatch": "related match",
}
XREF = OIO + "hasDbXref"
MAX_INCOMING = 100  # values listed per incoming property; the rest are counted
_HEADLINE = {RDFS + "label", RDF + "type", DEFINITION, XREF, RDFS + "subClassOf", OWL + "equivalentClass"}
_HEADLINE |= set(SYNONYMS) | set(MAPPINGS)
_REIFICATION = {RDF + "subject", RDF + "predicate", RDF + "object"}
_OBO_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9]*):([A-Za-z0-9_]+)$")

Row = dict[str, dict[str, str]]


def xref_iri(curie: str) -> str | None:
    """The IRI of a cross-reference such as ``MONDO:0007254`` (an ``identifier`` prefix of the project's table).

    ``None`` for what is no such identifier (``Wikipedia:Breast_cancer``, free text). Sources write OBO
    prefixes in either case (``mondo:``), so the upper-cased prefix is tried too.
    """
    match = _OBO_CURIE.match(curie.strip())
    if not match:
        return None
    ids = identifier_converter()
    prefix, local = match.groups()
    return ids.expand(f"{prefix}:{local}") or ids.expand(f"{prefix.upper()}:{local}")


@dataclass
class Value:
    """One value shown on a page: a link (``iri``), a literal with its language or datatype, or tokens."""

    text: str
    iri: str | None = None
    note: str = ""
    tokens: list[Token] = field(default_factory=list)
    graphs: set[str] = field(default_factory=set)

    @property
    def inferred(self) -> bool:
        """True when the statement is only in the inferred graph (derived, not curated)."""
        return bool(self.graphs) and all(g.endswith("/graph/inferred") for g in self.graphs)


@dataclass
class PropertyValues:
    """The values of one property in one direction; ``more`` counts those left off a long list."""

    iri: str
    label: str
    values: list[Value]
    more: int = 0


@dataclass
class Figure:
    """A figure an association states, with its wording and whether its group may not be added up."""

    iri: str
    stated_as: str
    value: str
    unit: str | None
    denominator: str
    numerator: str
    approximate: bool
    note: str
    group: str | None
    group_label: str
    group_note: str
    non_additive: bool


@dataclass
class Association:
    """An association as listed on a term's page: statement, figures as stated, quote and source."""

    iri: str
    label: str
    role: str
    subject: str
    predicate: str
    object: str
    frequency: str
    stated_as: list[str]
    quote: str
    source: str | None
    note: str


@dataclass
class HpoAnnotation:
    """One HPO annotation of a skin finding: the disease, the phenotype, HPO's evidence code and references."""

    iri: str
    disease: str
    disease_id: str
    disease_label: str
    phenotype: str
    phenotype_label: str
    negated: bool
    evidence: str
    references: list[tuple[str, str]]  # (IRI, CURIE)
    frequency: str


# HPO's evidence codes as the phenotype.hpoa format documents them.
EVIDENCE_CODES = {
    "IEA": "inferred from electronic annotation",
    "PCS": "published clinical study",
    "TAS": "traceable author statement",
}


@dataclass
class ResourceView:
    """Everything a resource page shows."""

    iri: str
    label: str
    kind: str
    types: list[Value]
    definitions: list[Value]
    comments: list[Value]
    synonyms: list[tuple[str, Value]]
    xrefs: list[Value]
    mappings: list[tuple[str, Value]]
    expressions: list[tuple[str, list[Token]]]
    outgoing: list[PropertyValues]
    incoming: list[PropertyValues]
    associations: list[Association] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    statement: tuple[Value, Value, Value] | None = None
    quotes: list[Value] = field(default_factory=list)
    sources: list[Value] = field(default_factory=list)
    notes: list[Value] = field(default_factory=list)
    hpo: list[HpoAnnotation] = field(default_factory=list)

    @property
    def is_association(self) -> bool:
        """Associations get the statement, figures and quote layout."""
        return self.statement is not None


def _literal_note(term: dict[str, str]) -> str:
    if "xml:lang" in term:
        return term["xml:lang"]
    datatype = term.get("datatype", "")
    return "xsd:" + datatype.removeprefix(XSD) if datatype.startswith(XSD) else datatype


def _value(term: dict[str, str], catalog: Catalog) -> Value:
    if term.get("type") == "uri":
        return Value(catalog.label(term["value"]), term["value"])
    return Value(term["value"], note=_literal_note(term))


def _merge(values: Iterable[tuple[str, Value]]) -> list[Value]:
    merged: dict[tuple[str, str | None, str, str], Value] = {}
    for graph, value in values:
        key = (value.text, value.iri, value.note, "".join(t.text for t in value.tokens))
        kept = merged.setdefault(key, value)
        kept.graphs.add(graph)
    return sorted(merged.values(), key=lambda v: (v.inferred, v.text.casefold(), v.iri or ""))


def _term(row: Row, key: str) -> str:
    return row[key]["value"] if key in row else ""


def build_view(
    iri: str,
    links: Sequence[Row],
    described: Iterable[ox.Triple],
    catalog: Catalog,
    associations: Sequence[Row] = (),
    figures: Sequence[Row] = (),
    hpo: Sequence[Row] = (),
) -> ResourceView:
    """The page of ``iri`` from its ``ld-links`` rows, its description and, for terms, associations."""
    out: dict[str, list[tuple[str, Value]]] = defaultdict(list)
    into: dict[str, list[tuple[str, Value]]] = defaultdict(list)
    described = list(described)
    expressions = ClassExpressions(described, catalog.label)
    for row in links:
        if row["value"].get("type") == "bnode":
            continue  # rendered from the description below, whose blank nodes carry their structure
        prop = row["property"]["value"]
        graph = row.get("graph", {}).get("value", "")
        value = _value(row["value"], catalog)
        (out if row["direction"]["value"] == "out" else into)[prop].append((graph, value))
    for triple in described:
        if triple.subject == ox.NamedNode(iri) and isinstance(triple.object, ox.BlankNode):
            out[triple.predicate.value].append(("", Value("", tokens=expressions.render(triple.object))))

    def values(prop: str, direction: dict[str, list[tuple[str, Value]]] = out) -> list[Value]:
        return _merge(direction.get(prop, []))

    exprs = [
        (word, v.tokens)
        for prop, word in ((OWL + "equivalentClass", "equivalent to"), (RDFS + "subClassOf", "subclass of"))
        for v in values(prop)
        if v.tokens
    ]
    xrefs = []
    for v in values(XREF):
        xrefs.append(Value(v.text, xref_iri(v.text), v.note, graphs=v.graphs))
    view = ResourceView(
        iri=iri,
        label=catalog.label(iri),
        kind=catalog.kind(iri),
        types=[v for v in values(RDF + "type") if v.iri],
        definitions=values(DEFINITION),
        comments=values(RDFS + "comment") + values(DCTERMS + "description"),
        synonyms=[(kind, v) for prop, kind in SYNONYMS.items() for v in values(prop)],
        xrefs=xrefs,
        mappings=[(kind, v) for prop, kind in MAPPINGS.items() for v in values(prop)],
        expressions=exprs,
        outgoing=[],
        incoming=[],
    )
    mkg = catalog.base
    association = any(v.iri == mkg + "Association" for v in view.types)
    hidden_out = set(_HEADLINE) | {RDFS + "comment", DCTERMS + "description"}
    hidden_in = {RDFS + "subClassOf"} | _REIFICATION
    if association:
        s, p, o = (values(mkg + k) for k in ("subject", "predicate", "object"))
        if s and p and o:
            view.statement = (s[0], p[0], o[0])
        view.quotes = values(mkg + "quote")
        view.sources = values(DCTERMS + "source")
        view.notes = values(mkg + "ambiguityNote")
        hidden_out |= {mkg + "quote", DCTERMS + "source", mkg + "ambiguityNote"} | _REIFICATION
    if associations:
        hidden_in |= {mkg + "subject", mkg + "object"}
    if hpo:
        hidden_in |= {mkg + "aboutSkinFinding"}
    view.outgoing = [
        PropertyValues(prop, catalog.label(prop), values(prop))
        for prop in sorted(out, key=lambda p: catalog.label(p).casefold())
        if prop not in hidden_out
    ]
    view.incoming = [
        _shortened(PropertyValues(prop, catalog.label(prop), values(prop, into)))
        for prop in sorted(into, key=lambda p: catalog.label(p).casefold())
        if prop not in hidden_in
    ]
    view.associations = _associations(associations)
    view.figures = [_figure(row) for row in figures]
    view.hpo = hpo_annotations(hpo)
    return view


def _shortened(group: PropertyValues) -> PropertyValues:
    """At most :data:`MAX_INCOMING` values (the class of 2,224 HPO annotations would list them all)."""
    if len(group.values) > MAX_INCOMING:
        group.more = len(group.values) - MAX_INCOMING
        group.values = group.values[:MAX_INCOMING]
    return group


def _associations(rows: Sequence[Row]) -> list[Association]:
    found: dict[str, Association] = {}
    for row in rows:
        fact = row["fact"]["value"]
        item = found.get(fact)
        if item is None:
            item = Association(
                iri=fact,
                label=_term(row, "factLabel"),
                role=_term(row, "role"),
                subject=_term(row, "subject"),
                predicate=_term(row, "predicate"),
                object=_term(row, "object"),
                frequency=_term(row, "frequency"),
                stated_as=[],
                quote=_term(row, "quote"),
                source=_term(row, "source") or None,
                note=_term(row, "ambiguityNote"),
            )
            found[fact] = item
        stated = _term(row, "statedAs")
        if stated and stated not in item.stated_as:
            item.stated_as.append(stated)
    return list(found.values())


def hpo_annotations(rows: Sequence[Row]) -> list[HpoAnnotation]:
    """``ld-hpo-diseases`` rows (one per annotation and reference) as one item per annotation, in row order."""
    found: dict[str, HpoAnnotation] = {}
    for row in rows:
        iri = row["annotation"]["value"]
        item = found.get(iri)
        if item is None:
            frequency = _term(row, "frequencyLabel") or (
                _term(row, "frequency") if row.get("frequency", {}).get("type") == "literal" else ""
            )
            item = found[iri] = HpoAnnotation(
                iri=iri,
                disease=row["disease"]["value"],
                disease_id=_term(row, "diseaseId"),
                disease_label=_term(row, "diseaseLabel") or _term(row, "diseaseId"),
                phenotype=row["phenotype"]["value"],
                phenotype_label=_term(row, "phenotypeLabel"),
                negated=_term(row, "negated") in ("true", "1"),
                evidence=_term(row, "evidence"),
                references=[],
                frequency=frequency,
            )
        reference = (_term(row, "reference"), _term(row, "referenceId") or _term(row, "reference"))
        if reference[0] and reference not in item.references:
            item.references.append(reference)
    return list(found.values())


def _figure(row: Row) -> Figure:
    return Figure(
        iri=row["statistic"]["value"],
        stated_as=_term(row, "statedAs"),
        value=_term(row, "value"),
        unit=_term(row, "unit") or None,
        denominator=_term(row, "denominator"),
        numerator=_term(row, "numerator"),
        approximate=_term(row, "approximate") in ("true", "1"),
        note=_term(row, "note"),
        group=_term(row, "group") or None,
        group_label=_term(row, "groupLabel"),
        group_note=_term(row, "groupNote"),
        non_additive=_term(row, "nonAdditive") in ("true", "1"),
    )
