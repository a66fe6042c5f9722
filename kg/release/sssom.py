"""The ontology's mappings as an SSSOM mapping set (``metastasis-kg.sssom.tsv`` in the release).

SSSOM (Simple Standard for Sharing Ontological Mappings) is what mapping tools read (``sssom-py``,
Mondo's and Monarch's pipelines). Each SKOS match of the ontology is one row: the KG term
(``subject_id``), the match type (``predicate_id``), the target (``object_id``) with the label the checked
cross-reference table gives it, and the table's evidence. Every mapping was checked by hand against the
target ontology's released files, so ``mapping_justification`` is ``semapv:ManualMappingCuration`` and
the evidence column, verbatim, is the row's ``comment``. A mapping the ontology states but the table
lacks stops the build (``tests/test_xrefs.py`` forbids it too). The file starts with the metadata block
SSSOM requires (``#``-prefixed YAML: ``curie_map``, ``mapping_set_id``, ``license``, ...).
"""

from __future__ import annotations

import csv
from pathlib import Path

from curies import Converter
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from kg.errors import UserError
from kg.prefixes import default_prefixes, identifier_prefixes
from kg.resources import BASE_IRI

__all__ = ["COLUMNS", "CURIE_MAP", "FILE_NAME", "SSSOM_MEDIA_TYPE", "sssom_rows", "sssom_tsv"]

FILE_NAME = "metastasis-kg.sssom.tsv"
# SSSOM/TSV has no registered type of its own; its specification writes it as TSV with a YAML header.
SSSOM_MEDIA_TYPE = "text/tab-separated-values"
COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
    "author_label", "comment",
)  # fmt: skip
# The curie_map lists the prefixes the file writes, with the namespaces of the project's one prefix table.
_TARGETS = ("DOID", "HP", "MONDO", "NCIT", "UBERON", "semapv")
CURIE_MAP = {
    **{prefix: identifier_prefixes()[prefix] for prefix in _TARGETS},
    **{prefix: default_prefixes()[prefix] for prefix in ("mkg", "skos")},
}
_CONVERTER = Converter.from_prefix_map(CURIE_MAP)
_PREDICATES = {
    SKOS.exactMatch: "skos:exactMatch",
    SKOS.closeMatch: "skos:closeMatch",
    SKOS.broadMatch: "skos:broadMatch",
}
_AUTHOR = "Metastasis KG contributors"
_LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def _curie(iri: URIRef) -> str:
    curie = _CONVERTER.compress(str(iri))
    if curie is None:
        raise UserError(f"mapping target {iri} has no prefix in the SSSOM curie_map")
    return curie


def _table(xrefs: Path) -> dict[tuple[str, str], dict[str, str]]:
    with xrefs.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {(r["target_curie"], r["predicate"]): r for r in rows}


def sssom_rows(ontology: Graph, xrefs: Path) -> list[dict[str, str]]:
    """One row per SKOS match of the ontology, sorted, with the checked table's label and evidence."""
    table = _table(xrefs)
    rows: list[dict[str, str]] = []
    for predicate, name in _PREDICATES.items():
        for subject, target in ontology.subject_objects(predicate):
            if not isinstance(subject, URIRef) or not isinstance(target, URIRef):
                continue
            object_id = _curie(target)
            checked = table.get((object_id, name))
            if checked is None:
                raise UserError(f"{_curie(subject)} {name} {object_id} is not a row of the checked table", path=xrefs)
            rows.append({
                "subject_id": _curie(subject),
                "subject_label": str(ontology.value(subject, RDFS.label) or ""),
                "predicate_id": name,
                "object_id": object_id,
                "object_label": checked["target_label"],
                "mapping_justification": "semapv:ManualMappingCuration",
                "author_label": _AUTHOR,
                "comment": checked["evidence"],
            })  # fmt: skip
    return sorted(rows, key=lambda r: (r["subject_id"], r["predicate_id"], r["object_id"]))


def _clean(value: str) -> str:
    return " ".join(value.replace("\\t", " ").split())


def sssom_tsv(ontology: Graph, xrefs: Path, version: str) -> str:
    """The mapping set as SSSOM/TSV text: the YAML metadata block, then the header and one line per mapping."""
    release = f"{BASE_IRI}releases/{version}/"
    meta = [
        "curie_map:",
        *(f"  {prefix}: {namespace}" for prefix, namespace in sorted(CURIE_MAP.items())),
        f"mapping_set_id: {release}{FILE_NAME}",
        f"mapping_set_version: {version}",
        "mapping_set_title: Metastasis KG mappings to MONDO, UBERON, HP, NCIT and DOID",
        f"license: {_LICENSE}",
        f"mapping_date: {version}",
        f"subject_source: {release}metastasis-kg.owl",
    ]
    lines = [f"#{line}" for line in meta]
    lines.append("\t".join(COLUMNS))
    for row in sssom_rows(ontology, xrefs):
        lines.append("\t".join(_clean(row[c]) for c in COLUMNS))
    return "\n".join(lines) + "\n"
