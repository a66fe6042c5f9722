"""Writing a release folder: deterministic bytes, written aside and moved into place at the end.

Two builds of the same input must be byte-identical, whatever ``PYTHONHASHSEED`` is: blank nodes get
canonical labels (``rdflib.compare``), line-based formats are sorted, and JSON-LD is re-emitted with
sorted keys and nodes. A failed build never touches the previous release; a successful one replaces it
in one atomic step (:mod:`kg.release.publish`).

The writers cost time in proportion to the triples (sorting aside) at any size: each graph is read once;
N-Quads, N-Triples and RDF/XML are pyoxigraph's writers (its sorted N-Quads were byte-identical to the
home-made writer's they replace, its RDF/XML the same graph at a twentieth of the time), and JSON-LD is
converted from a :class:`~kg.release.tripleindex.TripleIndex` rather than through rdflib's store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import UserError
from kg.release.publish import staged_release
from kg.release.tripleindex import TripleIndex

__all__ = [
    "MANIFEST",
    "canonical",
    "read_manifest",
    "sha256_file",
    "staged_release",
    "write_jsonld",
    "write_line_dumps",
    "write_rdfxml",
]

MANIFEST = "release.json"


def _stable_labels(graph: Graph) -> dict[BNode, BNode]:
    """Blank-node labels from each node's position (who points at it) and content.

    ``rdflib.compare.to_canonical_graph`` gives indistinguishable blank nodes the same label, which merges
    them: an ``owl:oneOf`` list and an ``owl:AllDifferent`` list of the same members would become one shared
    list, which OWL's RDF mapping forbids. Here the label also hashes the path from the nearest IRI, so
    distinct nodes stay distinct; nodes equal in path and content carry identical triples anyway.
    """
    bnodes = {n for t in graph for n in (t[0], t[2]) if isinstance(n, BNode)}
    content: dict[BNode, str] = {}
    path: dict[BNode, str] = {}

    def content_of(node: BNode, seen: frozenset[BNode]) -> str:
        if node in content:
            return content[node]
        if node in seen:
            return "cycle"
        parts = sorted(
            f"{p.n3()} {content_of(o, seen | {node}) if isinstance(o, BNode) else o.n3()}"
            for p, o in graph.predicate_objects(node)
        )
        content[node] = "[" + " ; ".join(parts) + "]"
        return content[node]

    def path_of(node: BNode, seen: frozenset[BNode]) -> str:
        if node in path:
            return path[node]
        if node in seen:
            return "cycle"
        incoming = sorted(
            f"{path_of(s, seen | {node}) if isinstance(s, BNode) else s.n3()} {p.n3()}"
            for s, p in graph.subject_predicates(node)
        )
        path[node] = " | ".join(incoming)
        return path[node]

    labels: dict[BNode, BNode] = {}
    for node in bnodes:
        key = path_of(node, frozenset()) + "\n" + content_of(node, frozenset())
        labels[node] = BNode("b" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24])
    return labels


def canonical(graph: Graph) -> Graph:
    """The same graph with stable blank-node labels and the original prefixes kept."""
    labels = _stable_labels(graph)
    result = Graph(bind_namespaces="none")
    for prefix, ns in graph.namespaces():
        result.bind(prefix, ns)
    for s, p, o in graph:
        s2 = labels.get(s, s) if isinstance(s, BNode) else s
        o2 = labels.get(o, o) if isinstance(o, BNode) else o
        result.add((s2, p, o2))
    return result


def _ox_converter() -> Callable[[Node], ox.NamedNode | ox.BlankNode | ox.Literal]:
    """A converter of rdflib terms to pyoxigraph's, each distinct term once (a release repeats its terms a lot)."""
    seen: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

    def convert(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        found = seen.get(node)
        if found is not None:
            return found
        if isinstance(node, URIRef):
            try:
                term: ox.NamedNode | ox.BlankNode | ox.Literal = ox.NamedNode(node)
            except ValueError as exc:
                raise ValueError(f"<{node}> is not an IRI RDF can hold ({exc})") from exc
        elif isinstance(node, BNode):
            term = ox.BlankNode(node)
        elif isinstance(node, Literal):
            datatype = ox.NamedNode(node.datatype) if node.datatype and not node.language else None
            term = ox.Literal(str(node), language=node.language, datatype=datatype)
        else:
            raise TypeError(f"cannot write {node!r} as RDF")
        seen[node] = term
        return term

    return convert


def write_line_dumps(graphs: Sequence[tuple[URIRef, Graph | TripleIndex]], nquads: Path, ntriples: Path) -> int:
    """N-Quads of the named graphs and N-Triples of their union, lines sorted and unique; returns the union's size.

    pyoxigraph's writers spell the lines (canonical N-Triples); each graph is read once.
    """
    term = _ox_converter()
    quads: list[ox.Quad] = []
    for iri, graph in graphs:
        name = term(iri)
        quads += [ox.Quad(term(s), term(p), term(o), name) for s, p, o in graph]  # type: ignore[arg-type]
    quad_lines = set(_lines(ox.serialize(quads, format=ox.RdfFormat.N_QUADS)))
    triples = (q.triple for q in quads)
    triple_lines = set(_lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)))
    _write_sorted(nquads, quad_lines)
    _write_sorted(ntriples, triple_lines)
    return len(triple_lines)


def _lines(data: bytes | None) -> list[str]:
    return (data or b"").decode("utf-8").splitlines()


# A carriage return (XML readers read it as a line feed; pyoxigraph does not escape it) or a character XML 1.0 forbids.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]")


def write_rdfxml(graph: Graph, path: Path, prefixes: dict[str, str]) -> None:
    """RDF/XML by pyoxigraph's writer, triples sorted so the bytes are stable (Protégé opens it from a URL).

    pyoxigraph groups a subject's consecutive triples into one ``rdf:Description``; blank nodes become
    ``rdf:nodeID``, which every RDF/XML reader, the OWL API included, reads.
    """
    for _, _, o in graph:
        if isinstance(o, Literal) and _XML_UNSAFE.search(o):
            raise ValueError(f"{o.n3()} cannot be written in RDF/XML: XML 1.0 loses or forbids its control characters")
    term = _ox_converter()
    ordered = sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))
    triples = [ox.Triple(term(s), term(p), term(o)) for s, p, o in ordered]  # type: ignore[arg-type]
    ox.serialize(triples, str(path), format=ox.RdfFormat.RDF_XML, prefixes=prefixes)


def _write_sorted(path: Path, lines: set[str]) -> None:
    path.write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")


def _sort_json(node: Any, *, ordered: bool = False) -> Any:
    """Sort keys and unordered arrays; ``@list`` arrays are RDF lists, whose order is data."""
    if isinstance(node, dict):
        return {k: _sort_json(node[k], ordered=k == "@list") for k in sorted(node)}
    if isinstance(node, list) and ordered:
        return [_sort_json(x) for x in node]
    if isinstance(node, list):
        items = [_sort_json(x) for x in node]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    return node


def write_jsonld(graph: Graph | TripleIndex, path: Path, context: dict[str, str]) -> None:
    """JSON-LD with the project's prefixes as context, keys and nodes sorted for stable bytes.

    rdflib's converter builds the document (what ``graph.serialize(format="json-ld", context=...)``
    writes); it reads the graph through a :class:`TripleIndex`, one lookup per subject and object.
    """
    from rdflib.plugins.serializers.jsonld import from_rdf

    index = graph if isinstance(graph, TripleIndex) else TripleIndex.of(graph)
    data = from_rdf(index, context_data=context, use_native_types=True, auto_compact=False)
    text = json.dumps(_sort_json(data), ensure_ascii=False, indent=1, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, Any]:
    """The release's ``release.json``; a missing or broken manifest is a user error naming the file."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError("no release here: release.json is missing (run `mkg build`)", path=path) from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read the release manifest: {exc}", path=path) from exc
    if not isinstance(data, dict) or "version" not in data or "graphs" not in data:
        raise UserError("release manifest lacks 'version' or 'graphs'", path=path)
    return data


def graph_iri_counts(graphs: Sequence[tuple[URIRef, Graph]]) -> dict[str, int]:
    """Triples per named graph, by graph IRI (empty graphs left out, as N-Quads cannot show them)."""
    return dict(sorted((str(iri), len(graph)) for iri, graph in graphs if len(graph)))
