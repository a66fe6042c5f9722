"""Group statements carried to their members, in the inferred graph, marked as inherited.

The sources state timing, "first sign", recurrence and work-up for skin findings as a group
(``mkg:SkinFinding``) or for a syndrome (``mkg:CutaneousParaneoplasticSyndrome``, ``mkg:ParaneoplasticSyndrome``),
never for acanthosis nigricans itself. A user asking about one finding should not have to know which
group to climb to, so each such statement is materialised on every member as an ``mkg:InheritedStatement``
node: the member as ``mkg:subject``, the group statement's predicate, object and controlled qualifiers,
``mkg:inheritedFrom`` the group statement (which keeps the quote and source), ``mkg:viaGroup`` the class
the statement was made about, and, where membership rests on a listing fact rather than the class
hierarchy, ``mkg:membershipStatedBy`` that fact. An inherited statement is not an ``mkg:Association``: it
adds no fact, it repeats one where a query looks for it. The group→member link itself is
``GROUP mkg:hasGroupMember MEMBER``.

Who is a member: the skin findings (strict subclasses of ``mkg:SkinFinding``) and the syndromes that list
skin findings (objects of ``mkg:isSkinFindingOf`` facts). A member belongs to a group class when it is a
strict subclass of it, or when a fact lists it as a skin finding of the group or of a subclass of it. Only
cutaneous-sign and clinical-action statements are carried, and never the listing facts themselves; so a
statement about head and neck cancers is not pushed onto oral cancer, which the sources do not ask for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from kg.namespaces import MKG
from kg.resources import BASE_IRI

__all__ = ["CARRIED_QUALIFIERS", "INHERITED", "inherited_statements"]

INHERITED = Namespace(f"{BASE_IRI}inherited/")
"""IRIs of inherited statements: ``inherited/<group fact id>/<member local name>``."""

CARRIED_QUALIFIERS = (MKG.timing, MKG.frequencyLevel, MKG.statementKind)
"""Controlled qualifiers copied onto the member; the source's words stay on the group statement."""

_CARRIED_KINDS = frozenset({MKG.CutaneousSignAssociation, MKG.ClinicalActionAssociation})


def _local(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _members(asserted: Graph, ancestors: Mapping[URIRef, set[URIRef]]) -> dict[URIRef, dict[URIRef, URIRef | None]]:
    """Group class -> {member: the listing fact that makes it a member, or None for the class hierarchy}."""
    listings: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    for fact in asserted.subjects(MKG.predicate, MKG.isSkinFindingOf):
        finding, syndrome = asserted.value(fact, MKG.subject), asserted.value(fact, MKG.object)
        if isinstance(fact, URIRef) and isinstance(finding, URIRef) and isinstance(syndrome, URIRef):
            listings[syndrome].append((finding, fact))
    findings = {c for c, anc in ancestors.items() if MKG.SkinFinding in anc}
    members: dict[URIRef, dict[URIRef, URIRef | None]] = defaultdict(dict)
    for member in findings | set(listings):
        for group in ancestors.get(member, set()):
            members[group][member] = None
    for syndrome, listed in listings.items():
        for group in {syndrome} | ancestors.get(syndrome, set()):
            for finding, fact in sorted(listed, key=str):
                members[group].setdefault(finding, fact)
    return members


def inherited_statements(
    asserted: Graph, ancestors: Mapping[URIRef, set[URIRef]], labels: Mapping[URIRef, str]
) -> Graph:
    """The inherited statement nodes and group→member links (see the module docstring)."""
    out = Graph()
    members = _members(asserted, ancestors)
    for fact in sorted({f for f in asserted.subjects(MKG.predicate, None) if isinstance(f, URIRef)}, key=str):
        if not _CARRIED_KINDS & set(asserted.objects(fact, RDF.type)):
            continue
        group, predicate, obj = (asserted.value(fact, MKG[k]) for k in ("subject", "predicate", "object"))
        if predicate == MKG.isSkinFindingOf or not isinstance(group, URIRef) or group not in members:
            continue
        assert isinstance(predicate, URIRef) and isinstance(obj, URIRef)
        fact_id = str(fact).rsplit("/", 1)[-1]
        for member, listing in sorted(members[group].items(), key=lambda item: str(item[0])):
            node = INHERITED[f"{fact_id}/{_local(member)}"]
            out.add((group, MKG.hasGroupMember, member))
            out.add((node, RDF.type, MKG.InheritedStatement))
            label = f"{labels.get(member, _local(member))}: inherited from {labels.get(group, _local(group))}"
            out.add((node, RDFS.label, Literal(f"{label} ({fact_id})", lang="en")))
            out.add((node, MKG.subject, member))
            out.add((node, MKG.predicate, predicate))
            out.add((node, MKG.object, obj))
            out.add((node, MKG.inheritedFrom, fact))
            out.add((node, MKG.viaGroup, group))
            if listing is not None:
                out.add((node, MKG.membershipStatedBy, listing))
            for prop in CARRIED_QUALIFIERS:
                for value in asserted.objects(fact, prop):
                    out.add((node, prop, value))
    return out
