"""A deterministic RDF/XML writer for release files (Protégé's "open from URL" wants RDF/XML).

rdflib's ``pretty-xml`` writer drops triples on list cells that carry other properties (OWL's class
expressions are full of them) and neither of its writers orders output independently of hash seeds. This
writer emits the flat, striped form: one ``rdf:Description`` per subject, blank nodes as ``rdf:nodeID``,
subjects, predicates and objects sorted. Every RDF/XML parser, the OWL API included, reads it.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

__all__ = ["write_rdfxml"]

_NCNAME_START = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NCNAME_REST = _NCNAME_START | set("0123456789-.")


def _split(iri: str) -> tuple[str, str]:
    """Namespace and local name such that the local name is an XML NCName (required for predicates)."""
    for i in range(len(iri)):
        local = iri[i:]
        if local and local[0] in _NCNAME_START and all(c in _NCNAME_REST for c in local):
            return iri[:i], local
    raise ValueError(f"predicate <{iri}> cannot be written in RDF/XML: no NCName local part")


def _sort_key(node: object) -> tuple[int, str]:
    rank = 0 if isinstance(node, URIRef) else 1 if isinstance(node, BNode) else 2
    return rank, node.n3() if hasattr(node, "n3") else str(node)


def write_rdfxml(graph: Graph, path: Path) -> None:
    """Write ``graph`` as flat RDF/XML with namespace prefixes taken from the graph where they fit."""
    bound = {str(ns): prefix for prefix, ns in graph.namespaces() if prefix}
    used: dict[str, str] = {str(RDF): "rdf"}
    for pred in sorted({p for _, p, _ in graph}, key=str):
        ns, _ = _split(str(pred))
        if ns not in used:
            prefix = bound.get(ns) or f"ns{len(used)}"
            if prefix in used.values() or prefix == "xml":
                prefix = f"ns{len(used)}"
            used[ns] = prefix
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    lines += [f"   xmlns:{prefix}={quoteattr(ns)}" for ns, prefix in sorted(used.items(), key=lambda kv: kv[1])]
    lines[-1] += ">"
    for subject in sorted({s for s, _, _ in graph}, key=_sort_key):
        attr = f"rdf:about={quoteattr(str(subject))}" if isinstance(subject, URIRef) else f'rdf:nodeID="{subject}"'
        lines.append(f"  <rdf:Description {attr}>")
        for pred, obj in sorted(graph.predicate_objects(subject), key=lambda po: (str(po[0]), _sort_key(po[1]))):
            ns, local = _split(str(pred))
            tag = f"{used[ns]}:{local}"
            if isinstance(obj, URIRef):
                lines.append(f"    <{tag} rdf:resource={quoteattr(str(obj))}/>")
            elif isinstance(obj, BNode):
                lines.append(f'    <{tag} rdf:nodeID="{obj}"/>')
            else:
                assert isinstance(obj, Literal)
                if obj.language:
                    extra = f' xml:lang="{obj.language}"'
                elif obj.datatype is not None and obj.datatype != XSD.string:
                    extra = f" rdf:datatype={quoteattr(str(obj.datatype))}"
                else:
                    extra = ""
                lines.append(f"    <{tag}{extra}>{escape(str(obj))}</{tag}>")
        lines.append("  </rdf:Description>")
    lines.append("</rdf:RDF>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
