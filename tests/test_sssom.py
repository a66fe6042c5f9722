"""The release's SSSOM mapping set: every SKOS match of the ontology, with evidence, readable by sssom-py."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.errors import UserError
from kg.namespaces import MKG
from kg.release.sssom import COLUMNS, CURIE_MAP, FILE_NAME, sssom_tsv

XREFS = Path(__file__).resolve().parent.parent / "kg" / "xrefs.tsv"
VOID = "http://rdfs.org/ns/void#"


def _split(text: str) -> tuple[list[str], list[dict[str, str]]]:
    meta = [line[1:] for line in text.splitlines() if line.startswith("#")]
    body = [line for line in text.splitlines() if not line.startswith("#")]
    return meta, list(csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_every_mapping_is_one_row_with_predicate_justification_author_and_evidence(release_dir: Path) -> None:
    """One row per SKOS match of the released ontology; the comment is the checked table's evidence."""
    ontology = Graph().parse(release_dir / "metastasis-kg.ttl")
    _, rows = _split((release_dir / FILE_NAME).read_text(encoding="utf-8"))
    matches = sum(1 for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch) for _ in ontology.subject_objects(p))
    assert len(rows) == matches >= 140
    assert list(rows[0]) == list(COLUMNS)
    evidence = {}
    with XREFS.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            evidence[(r["target_curie"], r["predicate"])] = " ".join(r["evidence"].split())
    for row in rows:
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        assert row["author_label"] and row["subject_id"].startswith("mkg:")
        assert row["comment"] == evidence[(row["object_id"], row["predicate_id"])]
    itching = [r for r in rows if r["subject_id"] == "mkg:IntractableItching"]
    assert [(r["predicate_id"], r["object_id"]) for r in itching] == [("skos:broadMatch", "HP:0000989")]


def test_metadata_block_names_the_set_its_licence_and_every_prefix(release_dir: Path, release_version: str) -> None:
    """The #-YAML block has mapping_set_id (the release's file IRI), license and a curie_map for all CURIEs."""
    meta, rows = _split((release_dir / FILE_NAME).read_text(encoding="utf-8"))
    assert f"mapping_set_id: {MKG}releases/{release_version}/{FILE_NAME}" in meta
    assert "license: https://creativecommons.org/licenses/by/4.0/" in meta
    assert meta[0] == "curie_map:" and all(f"  {p}: {ns}" in meta for p, ns in CURIE_MAP.items())
    used = {row[c].split(":")[0] for row in rows for c in ("subject_id", "predicate_id", "object_id")}
    assert used | {"semapv"} <= set(CURIE_MAP)


def test_sssom_py_reads_and_validates_the_mapping_set(release_dir: Path) -> None:
    """sssom-py (the reference implementation) parses the file and its validators report nothing."""
    pytest.importorskip("sssom", reason="the sssom package is not installed")
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom-py's own pandas deprecation warnings, not the file's
        msdf = parse_sssom_table(release_dir / FILE_NAME)
        reports = validate(msdf, fail_on_error=False)
    assert len(msdf.df) >= 140
    assert all(not report.results for report in reports.values()), reports


def test_void_describes_the_mapping_set_as_a_linkset(release_dir: Path, release_version: str) -> None:
    """void.ttl: a void:Linkset subset of the dataset, its SKOS predicates, row count and the SSSOM dump."""
    void = Graph().parse(release_dir / "void.ttl")
    linkset = MKG["dataset/mappings"]
    assert (MKG.dataset, URIRef(VOID + "subset"), linkset) in void
    dump = URIRef(f"{MKG}releases/{release_version}/{FILE_NAME}")
    assert (linkset, URIRef(VOID + "dataDump"), dump) in void
    media = URIRef("https://www.iana.org/assignments/media-types/text/tab-separated-values")
    assert (dump, URIRef("http://www.w3.org/ns/dcat#mediaType"), media) in void
    assert set(void.objects(linkset, URIRef(VOID + "linkPredicate"))) == {
        SKOS.exactMatch,
        SKOS.closeMatch,
        SKOS.broadMatch,
    }


def test_a_mapping_missing_from_the_checked_table_stops_the_export(ontology_graph: Graph) -> None:
    """An ontology mapping the table does not list is refused, naming it: no unchecked mapping is published."""
    graph = Graph() + ontology_graph
    graph.add((MKG.BreastCancer, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/MONDO_0000001")))
    with pytest.raises(UserError, match="mkg:BreastCancer skos:exactMatch MONDO:0000001 is not a row"):
        sssom_tsv(graph, XREFS, "2026-01-01")
