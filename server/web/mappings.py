"""One list of a term's mappings: its SKOS matches and its ``oboInOwl:hasDbXref`` cross-references merged.

The ontology states each checked cross-reference twice, as a SKOS match to the target's IRI (with its match
type) and as a ``hasDbXref`` CURIE (what OBO tools read); a page that lists both lists everything twice.
Here each target is one row: its CURIE, its IRI, every match type stated for it (``exact``, ``close``, ...,
or only *database cross-reference*), and the evidence of the checked cross-reference table
(``kg/xrefs.tsv``: where the mapping was checked, and the target's label there). The table is the one
the release was built from; a target it does not list (a ``--data`` file's own mapping) shows no evidence.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.prefixes import converter, identifier_converter
from server.web.ldpage import xref_iri

__all__ = ["Mapping", "XrefEvidence", "load_evidence", "merge_mappings"]

XREF_KIND = "database cross-reference"


@dataclass(frozen=True)
class XrefEvidence:
    """One row of ``kg/xrefs.tsv``: the concept's label, the target's label, its SKOS predicate, the evidence."""

    concept: str
    target: str
    target_label: str
    predicate: str
    evidence: str


@dataclass
class Mapping:
    """One mapping target of a term, with every way the term is mapped to it."""

    curie: str
    iri: str | None
    kinds: list[str] = field(default_factory=list)
    target_label: str = ""
    evidence: list[str] = field(default_factory=list)
    inferred: bool = False


@lru_cache(maxsize=4)
def load_evidence(path: Path) -> tuple[XrefEvidence, ...]:
    """The rows of a cross-reference table (read once per path); a missing table gives none."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return tuple(
                XrefEvidence(
                    (row.get("concept") or "").strip(),
                    (row.get("target_curie") or "").strip(),
                    (row.get("target_label") or "").strip(),
                    (row.get("predicate") or "").strip(),
                    (row.get("evidence") or "").strip(),
                )
                for row in csv.DictReader(handle, delimiter="\t")
            )
    except OSError:
        return ()


def merge_mappings(
    label: str,
    matches: Iterable[tuple[str, str]],
    xrefs: Iterable[str],
    evidence: Iterable[XrefEvidence],
) -> list[Mapping]:
    """One row per target of ``matches`` (``(kind, target IRI)``) and ``xrefs`` (CURIEs), for the term ``label``.

    Evidence rows count for the term when their concept is its label, or when no row names the term at
    all (a table keyed by another wording) and the target matches.
    """
    ids, prefixes = identifier_converter(), converter()
    rows: dict[str, Mapping] = {}

    def row(curie: str, iri: str | None) -> Mapping:
        found = rows.get(curie)
        if found is None:
            found = rows[curie] = Mapping(curie, iri)
        elif found.iri is None:
            found.iri = iri
        return found

    for kind, iri in matches:
        curie = ids.compress(iri) or prefixes.compress(iri) or iri  # MONDO:0007254 as OBO tools write it
        item = row(curie, iri)
        if kind not in item.kinds:
            item.kinds.append(kind)
    for curie in xrefs:
        curie = curie.strip()
        item = row(curie, xref_iri(curie))
        if XREF_KIND not in item.kinds:
            item.kinds.append(XREF_KIND)
    evidence = list(evidence)
    own = [e for e in evidence if e.concept.casefold() == label.casefold()]
    for item in rows.values():
        for entry in own or evidence:
            if entry.target == item.curie:
                item.target_label = item.target_label or entry.target_label
                text = f"{entry.predicate}: {entry.evidence}" if entry.predicate else entry.evidence
                if text and text not in item.evidence:
                    item.evidence.append(text)
    return sorted(rows.values(), key=lambda m: (m.curie.split(":")[0], m.curie))
