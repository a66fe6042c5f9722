"""Cross-references come only from kg/xrefs.tsv, the table checked against the released ontologies."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.namespaces import OBOINOWL

XREFS = Path(__file__).resolve().parent.parent / "kg" / "xrefs.tsv"
REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "xrefs.tsv"
MAPPINGS = {SKOS.exactMatch: "skos:exactMatch", SKOS.closeMatch: "skos:closeMatch", SKOS.broadMatch: "skos:broadMatch"}


def _rows() -> list[dict[str, str]]:
    with XREFS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _curie(iri: URIRef) -> str:
    prefix, _, local = str(iri).removeprefix("http://purl.obolibrary.org/obo/").partition("_")
    return f"{prefix}:{local}"


def test_every_mapping_is_a_row_of_the_table_with_its_predicate(ontology_graph: Graph) -> None:
    """A skos mapping in the ontology must appear in kg/xrefs.tsv with the same target and predicate."""
    table = {(r["target_curie"], r["predicate"]) for r in _rows()}
    mappings = [(s, p, o) for p in MAPPINGS for s, o in ontology_graph.subject_objects(p)]
    assert len(mappings) >= 100
    for subject, predicate, target in mappings:
        key = (_curie(URIRef(target)), MAPPINGS[predicate])
        assert key in table, f"{subject}: {key[1]} {key[0]} is not in kg/xrefs.tsv"


def test_every_mapping_is_also_a_dbxref_and_every_dbxref_a_mapping(ontology_graph: Graph) -> None:
    """One xref form (issue 17): each SKOS match has its oboInOwl:hasDbXref CURIE, and each CURIE its SKOS match.

    A query on hasDbXref alone finds every mapping (reactive erythema's closeMatch, intractable itching's
    broadMatch included); the SKOS predicate says the match type.
    """
    rows = {r["target_curie"] for r in _rows()}
    skos = {(s, _curie(URIRef(o))) for p in MAPPINGS for s, o in ontology_graph.subject_objects(p)}
    xrefs = {(s, str(x)) for s, x in ontology_graph.subject_objects(OBOINOWL.hasDbXref)}
    assert skos == xrefs, f"SKOS without dbXref: {sorted(skos - xrefs)}; dbXref without SKOS: {sorted(xrefs - skos)}"
    assert {x for _, x in xrefs} <= rows
    assert (URIRef("https://w3id.org/metastasis-kg/IntractableItching"), "HP:0000989") in xrefs


def test_rows_keep_their_evidence() -> None:
    """Each copied row keeps the evidence and the checked line it was verified with."""
    for row in _rows():
        assert row["evidence"].strip(), row["target_curie"]
        assert row["checked_line"].strip(), row["target_curie"]


def test_rows_are_verbatim_copies_of_the_reference_table() -> None:
    """kg/xrefs.tsv holds lines of the team's checked reference table unchanged (where that table is present)."""
    if not REFERENCE.exists():
        pytest.skip(f"the team's reference table {REFERENCE.name} is not beside this checkout")
    reference = set(REFERENCE.read_text(encoding="utf-8").splitlines())
    for line in XREFS.read_text(encoding="utf-8").splitlines():
        assert line in reference, f"not a verbatim reference row: {line[:80]}"
