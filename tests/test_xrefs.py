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


def test_every_dbxref_is_an_exact_match_row(ontology_graph: Graph) -> None:
    """oboInOwl:hasDbXref is kept for exact matches; each must be an exactMatch row and also a skos triple."""
    exact = {r["target_curie"] for r in _rows() if r["predicate"] == "skos:exactMatch"}
    for subject, xref in ontology_graph.subject_objects(OBOINOWL.hasDbXref):
        assert str(xref) in exact, f"{subject}: xref {xref} is not an exactMatch row of kg/xrefs.tsv"
        prefix, _, local = str(xref).partition(":")
        iri = URIRef(f"http://purl.obolibrary.org/obo/{prefix}_{local}")
        assert (subject, SKOS.exactMatch, iri) in ontology_graph


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
