"""Turn an HTTP answer into a canonical value, so answers from different servers can be compared.

A faster endpoint must not win by answering wrongly, so every response of every contender is checked
against the reference's answer. Servers legitimately differ in how they write the same answer: variable
and key order in SPARQL JSON, ``"4"^^xsd:integer`` against ``"4.0"^^xsd:decimal`` for the same average,
language-tag case, N-Triples escapes, triple order in a graph. The canonical form forgets exactly those
differences and nothing else: row order is kept where the query's ORDER BY fixes it, and duplicates
count (SPARQL answers are multisets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph

__all__ = ["Answer", "AnswerError", "canonical_answer", "describe_difference"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {
    _XSD + t
    for t in (
        "integer", "decimal", "float", "double", "int", "long", "short", "byte", "nonNegativeInteger",
        "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
        "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
_SIGNIFICANT_DIGITS = 12

Term = tuple[str, ...]
Row = tuple[tuple[str, Term], ...]


class AnswerError(ValueError):
    """A response that is not a readable SPARQL answer of the expected kind."""


@dataclass(frozen=True)
class Answer:
    """A canonical answer: a boolean, a table (ordered or sorted rows), or a sorted list of triples."""

    kind: str
    value: Any
    size: int


def _number(lexical: str) -> str:
    try:
        value = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    rounded = round(value, _SIGNIFICANT_DIGITS - value.adjusted() - 1)
    return format(rounded.normalize(), "f")


def _literal(value: str, lang: str | None, datatype: str | None) -> Term:
    if lang:
        return ("lit", value, "@" + lang.lower())
    if datatype in _NUMERIC:
        return ("num", _number(value))
    return ("lit", value, datatype or _XSD + "string")


def _json_term(term: dict[str, str]) -> Term:
    kind = term.get("type")
    if kind == "uri":
        return ("uri", term["value"])
    if kind in ("literal", "typed-literal"):
        return _literal(term["value"], term.get("xml:lang"), term.get("datatype"))
    if kind == "bnode":
        return ("bnode",)
    raise AnswerError(f"unknown term type {kind!r}")


def _ox_term(term: Any) -> Term:
    if isinstance(term, pyoxigraph.NamedNode):
        return ("uri", term.value)
    if isinstance(term, pyoxigraph.Literal):
        return _literal(term.value, term.language, term.datatype.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return ("bnode",)
    raise AnswerError(f"unexpected term {term!r}")


def _table(body: bytes, ordered: bool) -> Answer:
    try:
        doc = json.loads(body)
    except ValueError as err:
        raise AnswerError(f"not JSON: {err}") from err
    if not isinstance(doc, dict):
        raise AnswerError("SPARQL JSON results must be an object")
    if "boolean" in doc:
        return Answer("boolean", bool(doc["boolean"]), 1)
    try:
        bindings = doc["results"]["bindings"]
        rows: list[Row] = [tuple(sorted((var, _json_term(t)) for var, t in b.items())) for b in bindings]
    except (KeyError, TypeError, AttributeError) as err:
        raise AnswerError(f"malformed SPARQL JSON results: {err!r}") from err
    return Answer("table", rows if ordered else sorted(rows), len(rows))


def _graph(body: bytes) -> Answer:
    try:
        triples = [
            (_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object))
            for t in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES)
        ]
    except (SyntaxError, ValueError) as err:
        raise AnswerError(f"not N-Triples: {err}") from err
    unique = sorted(set(triples))  # a graph is a set: a server may repeat a triple it found twice
    return Answer("graph", unique, len(unique))


def canonical_answer(body: bytes, *, graph: bool, ordered: bool) -> Answer:
    """Read a SPARQL JSON result (or N-Triples, for ``graph``) into its canonical form."""
    return _graph(body) if graph else _table(body, ordered)


def describe_difference(expected: Answer, got: Answer) -> str:
    """One line saying how an answer differs from the expected one, for the report."""
    if expected.kind != got.kind:
        return f"expected a {expected.kind}, got a {got.kind}"
    if expected.kind == "boolean":
        return f"expected {expected.value}, got {got.value}"
    if expected.size != got.size:
        return f"expected {expected.size} rows/triples, got {got.size}"
    for i, (a, b) in enumerate(zip(expected.value, got.value, strict=True)):
        if a != b:
            return f"first difference at item {i}: expected {a!r}, got {b!r}"[:400]
    return "no difference"
