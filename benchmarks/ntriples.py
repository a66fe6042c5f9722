"""Term writers for N-Quads, so the generator can stream millions of lines without an RDF library.

Building rdflib or pyoxigraph objects for every triple would make generating a 10M-triple KG take longer
than loading it; these helpers emit the canonical N-Triples forms the W3C grammar requires instead.
"""

from __future__ import annotations

__all__ = ["XSD", "iri", "literal", "quad", "typed"]

XSD = "http://www.w3.org/2001/XMLSchema#"

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """Write an IRI reference; callers pass only IRIs they built, never holding spaces or brackets."""
    return f"<{value}>"


def literal(text: str) -> str:
    """Write a plain (``xsd:string``) literal, with the four characters N-Triples requires escaped."""
    return f'"{text.translate(_ESCAPES)}"'


def typed(lexical: str, datatype: str) -> str:
    """Write a typed literal, e.g. ``typed("3.5", XSD + "decimal")``."""
    return f'"{lexical.translate(_ESCAPES)}"^^<{datatype}>'


def quad(subject: str, predicate: str, obj: str, graph: str) -> str:
    """One N-Quads line (terms already written by the helpers above)."""
    return f"{subject} {predicate} {obj} {graph} .\n"
