"""What the release says about its HPO graph: the manifest entry and the VoID subset's licence and citation.

Kept apart from :mod:`kg.hpo.graph` so that :mod:`kg.build` can describe the graph without knowing how it
is made.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.hpo.graph import CITATION, HPO_LICENSE, RELEASE_NODE, HpoImport

__all__ = ["HpoImport", "add_hpo_void", "hpo_summary", "xrefs_file"]


def xrefs_file() -> Path:
    """The checked cross-reference table the import maps KG terms to HP and cancer IDs through."""
    with as_file(files("kg").joinpath("xrefs.tsv")) as path:
        return Path(path)


def hpo_summary(hpo: HpoImport) -> dict[str, object]:
    """The manifest's ``hpo`` entry: release, licence, citation and what the import added."""
    return {
        "release": hpo.version,
        "license": str(HPO_LICENSE),
        "citation": CITATION,
        "diseases": hpo.diseases,
        "annotations": hpo.annotations,
        "negated_annotations": hpo.negated,
        "genodermatoses_with_cancer_predisposition": hpo.genodermatoses,
        "genes": hpo.genes,
        "triples": len(hpo.graph),
    }


def add_hpo_void(void: Graph, subset: URIRef, summary: dict[str, object]) -> None:
    """Licence, citation, version and origin of the HPO subset of the release's VoID."""
    void.add((subset, DCTERMS.title, Literal("HPO disease annotations (Human Phenotype Ontology)", lang="en")))
    void.add((subset, DCTERMS.license, HPO_LICENSE))
    void.add((subset, DCTERMS.bibliographicCitation, Literal(CITATION)))
    void.add((subset, PROV.wasDerivedFrom, RELEASE_NODE))
    if summary.get("release"):
        void.add((subset, DCTERMS.hasVersion, Literal(str(summary["release"]))))
