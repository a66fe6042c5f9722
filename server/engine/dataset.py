"""What the endpoint serves: the release's named graphs plus any ``--data`` files, loaded into one store.

This module plans the files (formats, target graphs) and describes the result (graph sizes, a tag for
ETags) for every engine; the embedded engine loads them (:func:`server.engine.embedded.load_store`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from kg.errors import UserError
from kg.inputs.rdfio import rdf_format_for, refuse_unsafe
from server.release import Release

__all__ = [
    "DataFile",
    "DatasetInfo",
    "data_graph_iri",
    "dataset_tag",
    "plan_data_files",
]


def data_graph_iri(path: Path) -> str:
    """The named graph a triples-only ``--data`` file is served in: stable, and reveals no local path."""
    return "urn:mkg:data:" + quote(path.name, safe="")


@dataclass(frozen=True)
class DataFile:
    """One extra RDF file and how to read it."""

    path: Path
    rdf_format: ox.RdfFormat
    graph: str | None  # target graph for triples formats; None keeps the file's own graphs


def plan_data_files(paths: tuple[Path, ...]) -> tuple[DataFile, ...]:
    """Check each ``--data`` file exists, has a known RDF extension and is safe before anything is loaded.

    "Safe" is :func:`kg.inputs.rdfio.refuse_unsafe`, the check ``mkg validate`` and the build apply: no RDF/XML
    DTD (entity bombs, external entities), no JSON-LD context to fetch; the same refusal, the same message.
    """
    planned = []
    for path in paths:
        if not path.is_file():
            raise UserError("no such data file", path=path)
        fmt = rdf_format_for(path)  # kg's one extension table: the build and `mkg validate` read by it too
        refuse_unsafe(path)
        graph = None if fmt.supports_datasets else data_graph_iri(path)
        planned.append(DataFile(path=path, rdf_format=fmt, graph=graph))
    return tuple(planned)


def dataset_tag(release: Release | None, data: tuple[DataFile, ...]) -> str:
    """A short tag that changes whenever the served data do, for ETags.

    Made of the release fingerprint and each data file's path, size and modification time: hashing a
    large file's bytes would delay every start-up.
    """
    digest = hashlib.sha256((release.fingerprint if release else "no-release").encode())
    for item in data:
        stat = item.path.stat()
        digest.update(f"\0{item.path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class DatasetInfo:
    """The served dataset as announced by ``/health``, the service description and VoID.

    ``graphs`` maps named-graph IRIs to triple counts; ``default_triples`` counts triples in the
    store's own default graph (from data files in quad formats).
    """

    version: str | None
    base_iri: str | None
    graphs: dict[str, int]
    default_triples: int

    @property
    def triples(self) -> int:
        """All triples served, graph by graph."""
        return self.default_triples + sum(self.graphs.values())

    @classmethod
    def from_manifest(cls, release: Release) -> DatasetInfo:
        """The release alone, as its manifest counts it."""
        return cls(release.version, release.base_iri, dict(sorted(release.graphs.items())), 0)

    @classmethod
    def from_counts(cls, release: Release | None, counts: dict[str, int]) -> DatasetInfo:
        """Counts measured on the store (key ``""`` for the default graph), plus the release's identity."""
        graphs = {iri: n for iri, n in sorted(counts.items()) if iri}
        return cls(
            release.version if release else None, release.base_iri if release else None, graphs, counts.get("", 0)
        )
