"""Curated records -> the asserted graph and the provenance graph.

One small ``_add_<thing>`` per kind of record, in the manner of bioregistry's RDF export: each function
writes exactly the triples the SHACL shapes expect of that kind of node. No blank nodes: every node has
an IRI, so dumps are deterministic and every fact can be linked to.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from kg import __version__
from kg.inputs.ontology_index import OntologyIndex
from kg.inputs.tables import AssociationRow, ControlledValueRow, GroupRow, StatisticRow, Tables
from kg.namespaces import (
    DCTERMS,
    FACT,
    GROUP,
    MKG,
    PROV,
    RDF,
    RDFS,
    SOURCE,
    STATISTIC,
    XSD,
    prefixes,
)

__all__ = ["asserted_graph", "new_graph", "provenance_graph", "union_graph"]


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, ns in prefixes().items():
        graph.bind(prefix, ns)
    return graph


def union_graph(*graphs: Graph) -> Graph:
    """All triples of the given graphs in one graph with the project's prefixes (what dumps and SHACL see)."""
    union = new_graph()
    for graph in graphs:
        union += graph
    return union


def _text(graph: Graph, node: URIRef, prop: URIRef, value: str) -> None:
    if value:
        graph.add((node, prop, Literal(value, lang="en")))


def _evidence(graph: Graph, node: URIRef, source: str, quote: str, note: str) -> None:
    graph.add((node, DCTERMS.source, SOURCE[source]))
    graph.add((node, MKG.quote, Literal(quote, lang="en")))
    if note:
        graph.add((node, MKG.ambiguityNote, Literal(note, lang="en")))
        graph.add((node, MKG.isAmbiguous, Literal(True)))


def _label(index: OntologyIndex, iri: URIRef) -> str:
    return index.labels.get(iri, str(iri).rsplit("/", 1)[-1])


def _association_label(row: AssociationRow, index: OntologyIndex) -> str:
    """'breast cancer spreads to bone (distant; head and neck region)': qualifiers keep labels distinct."""
    base = f"{_label(index, row.subject)} {_label(index, row.predicate)} {_label(index, row.object)}"
    qualifiers = [_label(index, q) for q in (row.spread_kind, row.route, row.region, row.timing) if q is not None]
    qualifiers += [text for text in (row.frequency, row.context) if text]
    return f"{base} ({'; '.join(qualifiers)})" if qualifiers else base


def _add_association(
    graph: Graph, row: AssociationRow, index: OntologyIndex, values: ControlledValueRow | None = None
) -> None:
    node = FACT[row.id]
    graph.add((node, RDF.type, row.association_class))
    graph.add((node, RDFS.label, Literal(_association_label(row, index), lang="en")))
    graph.add((node, MKG.subject, row.subject))
    graph.add((node, MKG.predicate, row.predicate))
    graph.add((node, MKG.object, row.object))
    for prop, value in (
        (MKG.spreadKind, row.spread_kind),
        (MKG.route, row.route),
        (MKG.region, row.region),
        (MKG.timing, row.timing),
    ):
        if value is not None:
            graph.add((node, prop, value))
    if row.spread_kind is None and row.association_class == MKG.SpreadAssociation:
        # An empty cell is "the source does not say", which a query must be able to tell from "not regional".
        graph.add((node, MKG.spreadKind, MKG.UnstatedSpreadKind))
    if values is not None:
        _add_controlled_values(graph, node, values)
    _text(graph, node, MKG.frequency, row.frequency)
    _text(graph, node, MKG.context, row.context)
    _text(graph, node, MKG.explanation, row.explanation)
    if row.statistic:
        graph.add((node, MKG.hasStatistic, STATISTIC[row.statistic]))
    _evidence(graph, node, row.source, row.quote, row.note)


def _add_controlled_values(graph: Graph, node: URIRef, row: ControlledValueRow) -> None:
    """Statement kind and frequency level read from the quote (``controlled_values.tsv``), words beside them."""
    if row.statement_kind is not None:
        graph.add((node, MKG.statementKind, row.statement_kind))
    if row.frequency_level is not None:
        graph.add((node, MKG.frequencyLevel, row.frequency_level))
    _text(graph, node, MKG.valueWords, row.words)
    if row.ambiguous:
        graph.add((node, MKG.valueIsAmbiguous, Literal(True)))
        _text(graph, node, MKG.valueNote, row.note)


def _add_statistic(graph: Graph, row: StatisticRow) -> None:
    node = STATISTIC[row.id]
    graph.add((node, RDF.type, MKG.Statistic))
    graph.add((node, RDFS.label, Literal(row.stated_as, lang="en")))
    graph.add((node, MKG.value, Literal(row.value, datatype=XSD.decimal)))
    graph.add((node, MKG.unit, row.unit))
    graph.add((node, MKG.approximate, Literal(row.approximate)))
    _text(graph, node, MKG.statedAs, row.stated_as)
    _text(graph, node, MKG.numerator, row.numerator)
    _text(graph, node, MKG.denominator, row.denominator)
    if row.group:
        graph.add((node, MKG.inGroup, GROUP[row.group]))
    _evidence(graph, node, row.source, row.quote, row.note)


def _add_group(graph: Graph, row: GroupRow) -> None:
    node = GROUP[row.id]
    graph.add((node, RDF.type, MKG.StatisticGroup if row.additive else MKG.NonAdditiveStatisticGroup))
    graph.add((node, RDFS.label, Literal(row.label, lang="en")))
    _evidence(graph, node, row.source, row.quote, row.note)


def asserted_graph(tables: Tables, index: OntologyIndex) -> Graph:
    """The facts as curated: associations, their statistics and statistic groups."""
    graph = new_graph()
    values = {v.association: v for v in tables.controlled_values}
    for association in tables.associations:
        _add_association(graph, association, index, values.get(association.id))
    for statistic in tables.statistics:
        _add_statistic(graph, statistic)
    for group in tables.groups:
        _add_group(graph, group)
    return graph


def provenance_graph(tables: Tables, sources: Graph, version: str, table_paths: dict[str, str]) -> Graph:
    """Where everything came from: the source documents, the table line of each record, the build."""
    graph = new_graph()
    for triple in sources:
        graph.add(triple)
    build = MKG[f"build/{version}"]
    graph.add((build, RDF.type, PROV.Activity))
    graph.add((build, RDFS.label, Literal(f"Metastasis KG build {version}", lang="en")))
    graph.add((build, PROV.endedAtTime, Literal(f"{version}T00:00:00Z", datatype=XSD.dateTime)))
    graph.add((build, MKG.software, Literal(f"metastasis-kg {__version__}")))
    for document in sorted(set(sources.subjects(RDF.type, MKG.SourceDocument)), key=str):
        graph.add((build, PROV.used, document))
    records: list[tuple[URIRef, str, int, str]] = [
        *((FACT[a.id], "associations", a.where.line, a.source) for a in tables.associations),
        *((STATISTIC[s.id], "statistics", s.where.line, s.source) for s in tables.statistics),
        *((GROUP[g.id], "statistic_groups", g.where.line, g.source) for g in tables.groups),
    ]
    for node, table, line, key in records:
        graph.add((node, MKG.curatedFrom, Literal(f"{table_paths[table]}:{line}")))
        graph.add((node, PROV.wasDerivedFrom, SOURCE[key]))
        graph.add((node, PROV.wasGeneratedBy, build))
    return graph
