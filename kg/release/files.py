"""Writing a release folder: deterministic bytes, written aside and moved into place at the end.

Two builds of the same input must be byte-identical, whatever ``PYTHONHASHSEED`` is: blank nodes get
canonical labels (``rdflib.compare``), line-based formats are sorted, and JSON-LD is re-emitted with
sorted keys and nodes. A failed build never touches the previous release; a successful one replaces it
in one atomic step (:mod:`kg.release.publish`).

The writers cost time in proportion to the triples (sorting aside) at any size: each graph is read once,
N-Quads and N-Triples come from the same lines, spelled as rdflib's N-Triples writer spells them, and
JSON-LD is converted from a :class:`~kg.release.tripleindex.TripleIndex` rather than through rdflib's store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


_IRI_FORBIDDEN = re.compile(r'[<>" {}|\\^`]')


def _nt_iri(iri: str) -> str:
    if _IRI_FORBIDDEN.search(iri):
        raise ValueError(f'<{iri}> is not an IRI N-Triples can hold (it has one of <>" {{}}|\\^`)')
    return f"<{iri}>"


def _nt_term(node: Node) -> str:
    """One term as rdflib's N-Triples writer spells it (release files written before keep their bytes)."""
    if isinstance(node, URIRef):
        return _nt_iri(node)
    if isinstance(node, BNode):
        return "_:" + node
    if isinstance(node, Literal):
        quoted = '"' + node.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
        if node.language:
            return f"{quoted}@{node.language}"
        if node.datatype:
            return f"{quoted}^^<{node.datatype}>"
        return quoted
    raise TypeError(f"cannot write {node!r} in N-Triples")


def _statement(s: Node, p: Node, o: Node) -> str:
    """A triple as an N-Triples line without its final `` .``, so N-Quads can add the graph name first."""
    return f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)}"


def write_line_dumps(graphs: Sequence[tuple[URIRef, Graph | TripleIndex]], nquads: Path, ntriples: Path) -> int:
    """N-Quads of the named graphs and N-Triples of their union, lines sorted and unique; returns the union's size.

    Each graph is read once; a union triple is the same line as in its graph(s) without the graph name.
    """
    quads: set[str] = set()
    triples: set[str] = set()
    for iri, graph in graphs:
        suffix = f" {_nt_iri(iri)} ."
        for s, p, o in graph:
            line = _statement(s, p, o)
            triples.add(line)
            quads.add(line + suffix)
    _write_sorted(nquads, quads)
    _write_sorted(ntriples, {line + " ." for line in triples})
    return len(triples)


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
