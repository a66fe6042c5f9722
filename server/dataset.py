"""What the endpoint serves: the release's named graphs plus any ``--data`` files, loaded into one store.

Loading runs in the store-holding process (see :mod:`server.zygote`); this module also describes the
result (graph sizes, a tag for ETags) so the web front can announce it without holding the store.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from kg.errors import UserError
from server.release import Release

__all__ = [
    "DataFile",
    "DatasetInfo",
    "data_graph_iri",
    "describe",
    "load_store",
    "plan_data_files",
]

# Extension -> (pyoxigraph RdfFormat attribute, whether the format carries named graphs).
_FORMATS: dict[str, tuple[str, bool]] = {
    ".nq": ("N_QUADS", True),
    ".trig": ("TRIG", True),
    ".nt": ("N_TRIPLES", False),
    ".ttl": ("TURTLE", False),
    ".turtle": ("TURTLE", False),
    ".n3": ("N3", False),
    ".rdf": ("RDF_XML", False),
    ".owl": ("RDF_XML", False),
    ".xml": ("RDF_XML", False),
    ".jsonld": ("JSON_LD", True),
}


def data_graph_iri(path: Path) -> str:
    """The named graph a triples-only ``--data`` file is served in: stable, and reveals no local path."""
    return "urn:mkg:data:" + quote(path.name, safe="")


@dataclass(frozen=True)
class DataFile:
    """One extra RDF file and how to read it."""

    path: Path
    format_name: str
    graph: str | None  # target graph for triples formats; None keeps the file's own graphs


def plan_data_files(paths: tuple[Path, ...]) -> tuple[DataFile, ...]:
    """Check each ``--data`` file exists and has a known RDF extension before anything is loaded."""
    planned = []
    for path in paths:
        if not path.is_file():
            raise UserError("no such data file", path=path)
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            known = ", ".join(sorted(_FORMATS))
            raise UserError(f"unknown RDF file extension {path.suffix!r}; use one of {known}", path=path)
        name, has_graphs = fmt
        planned.append(DataFile(path=path, format_name=name, graph=None if has_graphs else data_graph_iri(path)))
    return tuple(planned)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_store(release: Release | None, data: tuple[DataFile, ...]) -> tuple[ox.Store, dict[str, int]]:
    """Build the in-memory store; return it and the triple count per graph of the data files.

    Raises :class:`UserError` naming the file and position when a file does not parse.
    """
    store = ox.Store()
    if release is not None:
        fmt = ox.RdfFormat.N_QUADS if release.dump.suffix == ".nq" else ox.RdfFormat.TRIG
        try:
            store.load(path=str(release.dump), format=fmt)
        except (SyntaxError, ValueError, OSError) as err:
            raise UserError(f"cannot load the release dump: {err}", path=release.dump) from err
    counts: Counter[str] = Counter()
    for item in data:
        fmt = getattr(ox.RdfFormat, item.format_name)
        target = ox.NamedNode(item.graph) if item.graph else None

        def quads(
            item: DataFile = item, fmt: ox.RdfFormat = fmt, target: ox.NamedNode | None = target
        ) -> Iterator[ox.Quad]:
            for quad in ox.parse(path=str(item.path), format=fmt, base_iri=item.path.resolve().as_uri()):
                graph = target if target is not None else quad.graph_name
                key = "" if isinstance(graph, ox.DefaultGraph) else graph.value
                counts[key] += 1
                yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)

        try:
            store.extend(quads())
        except (SyntaxError, ValueError, OSError) as err:
            raise UserError(f"cannot load data file: {err}", path=item.path) from err
    return store, dict(counts)


@dataclass(frozen=True)
class DatasetInfo:
    """The served dataset as announced by ``/health``, the service description and VoID.

    ``graphs`` maps named-graph IRIs to triple counts; ``default_triples`` counts triples loaded into
    the default graph itself (by data files in quad formats); ``tag`` changes whenever the data does.
    """

    version: str | None
    base_iri: str | None
    graphs: dict[str, int]
    default_triples: int
    tag: str

    @property
    def triples(self) -> int:
        """All triples served, graph by graph."""
        return self.default_triples + sum(self.graphs.values())


def describe(release: Release | None, data: tuple[DataFile, ...], data_counts: dict[str, int]) -> DatasetInfo:
    """Combine the manifest's graph sizes with what the data files contributed."""
    graphs: dict[str, int] = dict(release.graphs) if release else {}
    for iri, count in data_counts.items():
        if iri:
            graphs[iri] = graphs.get(iri, 0) + count
    digest = hashlib.sha256()
    digest.update((release.fingerprint if release else "no-release").encode())
    for item in data:
        digest.update(f"\0{item.path.name}\0{_sha256(item.path)}".encode())
    return DatasetInfo(
        version=release.version if release else None,
        base_iri=release.base_iri if release else None,
        graphs=dict(sorted(graphs.items())),
        default_triples=data_counts.get("", 0),
        tag=digest.hexdigest()[:32],
    )
