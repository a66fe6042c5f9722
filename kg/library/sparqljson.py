"""RDF terms as SPARQL 1.1 JSON results write them (``{"type": "uri", "value": ...}``), and back.

The one converter for every reader and writer of SPARQL-JSON terms: ``mkg query``'s JSON output, a stored
query's bound parameters sent to another process, the endpoint's bindings and its engines' answers.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

__all__ = ["term_from_json", "term_to_json"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def term_to_json(term: Any) -> dict[str, str]:
    """A pyoxigraph or rdflib term as a SPARQL-JSON term (plain ``xsd:string`` literals carry no datatype)."""
    kind = type(term).__name__
    if kind in ("NamedNode", "URIRef"):
        return {"type": "uri", "value": str(getattr(term, "value", term))}
    if kind in ("BlankNode", "BNode"):
        return {"type": "bnode", "value": str(getattr(term, "value", term))}
    if kind != "Literal":
        raise TypeError(f"cannot write a {kind} as a SPARQL-JSON term; use an IRI, blank node or literal")
    lexical = term.value if isinstance(getattr(term, "value", None), str) else str(term)
    out = {"type": "literal", "value": lexical}
    language = getattr(term, "language", None)
    datatype = getattr(term, "datatype", None)
    if language:
        out["xml:lang"] = str(language)
    elif datatype is not None:
        iri = str(getattr(datatype, "value", datatype))
        if iri != _XSD_STRING:
            out["datatype"] = iri
    return out


def term_from_json(value: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A SPARQL-JSON term as a pyoxigraph term; raises ValueError on a malformed one."""
    kind = value.get("type")
    text = value.get("value")
    if not isinstance(text, str):
        raise ValueError(f"binding has no string value: {value!r}")
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode(text)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return ox.Literal(text, language=value["xml:lang"])
        if "datatype" in value:
            return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(text)
    raise ValueError(f"unknown binding type {kind!r}")
