"""Where the data the build reads lives, whether run from a checkout or from an installed wheel.

Data (ontology, tables, shapes, queries, sources) is shipped as package data, so every caller goes
through these helpers instead of building paths relative to the repository.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

__all__ = [
    "BASE_IRI",
    "ontology_edit_file",
    "qc_query_dir",
    "query_dir",
    "shapes_dir",
    "sources_dir",
    "tables_dir",
]

BASE_IRI = "https://w3id.org/metastasis-kg/"


def _dir(package: str, *parts: str) -> Path:
    traversable = files(package).joinpath(*parts) if parts else files(package)
    with as_file(traversable) as path:
        return Path(path)


def ontology_edit_file() -> Path:
    """The Turtle file editors change in Protégé."""
    return _dir("kg.ontology") / "metastasis-kg-edit.ttl"


def tables_dir() -> Path:
    """Curated fact tables, one row per sourced fact."""
    return _dir("kg", "tables")


def shapes_dir() -> Path:
    """SHACL shapes the release is validated against."""
    return _dir("kg", "shapes")


def sources_dir() -> Path:
    """The cited source documents, kept unchanged, and their descriptions."""
    return _dir("kg", "sources")


def query_dir() -> Path:
    """The researcher query library, one documented ``.rq`` per question."""
    return _dir("kg.queries")


def qc_query_dir() -> Path:
    """QC queries: each returns zero rows on a clean ontology."""
    return _dir("kg.queries.qc")
