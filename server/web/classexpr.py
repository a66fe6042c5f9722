"""OWL class expressions (blank-node structures) as readable text with links, for the HTML term pages.

A definition such as ``CervicalLymphNodeMetastasis ≡ Metastasis ⊓ ∃hasSite.CervicalLymphNode`` is a tree
of blank nodes in RDF; pages show it the way Protégé does, in Manchester syntax ("metastasis and (has
site some cervical lymph node)"), each named class or property a link. The result is a list of tokens
rather than HTML, so the template escapes every piece.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.prefixes import default_prefixes

__all__ = ["ClassExpressions", "Token"]

_NS = default_prefixes()  # the project's prefix table (kg/prefixes.tsv)
OWL = _NS["owl"]
RDF = _NS["rdf"]
_MAX_DEPTH = 12
_RESTRICTIONS = (
    ("someValuesFrom", "some"),
    ("allValuesFrom", "only"),
    ("hasValue", "value"),
    ("hasSelf", "Self"),
)
_CARDINALITIES = (
    ("minQualifiedCardinality", "min"),
    ("maxQualifiedCardinality", "max"),
    ("qualifiedCardinality", "exactly"),
    ("minCardinality", "min"),
    ("maxCardinality", "max"),
    ("cardinality", "exactly"),
)
_BOOLEANS = (("intersectionOf", "and"), ("unionOf", "or"))


@dataclass(frozen=True)
class Token:
    """A piece of a rendered expression: plain text, or a link to a term (``iri`` set)."""

    text: str
    iri: str | None = None


Term = ox.NamedNode | ox.BlankNode | ox.Literal


class ClassExpressions:
    """Renders the blank nodes of one resource's concise bounded description."""

    def __init__(self, triples: Iterable[ox.Triple], label: Callable[[str], str]) -> None:
        """``label`` names an IRI for display (a term's label, else a short form of the IRI)."""
        self._out: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for triple in triples:
            if isinstance(triple.subject, ox.BlankNode) and isinstance(triple.object, Term):
                self._out[triple.subject.value][triple.predicate.value].append(triple.object)
        self._label = label

    def _one(self, node: str, prop: str) -> Term | None:
        values = self._out.get(node, {}).get(prop)
        return values[0] if values else None

    def _list(self, head: Term | None) -> list[Term]:
        items: list[Term] = []
        seen: set[str] = set()
        while isinstance(head, ox.BlankNode) and head.value not in seen and len(items) < 1000:
            seen.add(head.value)
            first = self._one(head.value, RDF + "first")
            if first is not None:
                items.append(first)
            head = self._one(head.value, RDF + "rest")
        return items

    def render(self, node: Term) -> list[Token]:
        """Tokens for a class expression (a named class is one link)."""
        return self._render(node, 0, top=True)

    def _render(self, node: Term, depth: int, top: bool = False) -> list[Token]:
        if isinstance(node, ox.NamedNode):
            return [Token(self._label(node.value), node.value)]
        if isinstance(node, ox.Literal):
            return [Token(f'"{node.value}"')]
        if depth > _MAX_DEPTH or node.value not in self._out:
            return [Token("(an anonymous class)")]
        tokens = self._expression(node.value, depth)
        if not top and len(tokens) > 1:
            return [Token("("), *tokens, Token(")")]
        return tokens

    def _expression(self, node: str, depth: int) -> list[Token]:
        for prop, word in _BOOLEANS:
            members = self._list(self._one(node, OWL + prop))
            if members:
                tokens: list[Token] = []
                for i, member in enumerate(members):
                    if i:
                        tokens.append(Token(f" {word} "))
                    tokens += self._render(member, depth + 1)
                return tokens
        complement = self._one(node, OWL + "complementOf")
        if complement is not None:
            return [Token("not "), *self._render(complement, depth + 1)]
        one_of = self._list(self._one(node, OWL + "oneOf"))
        if one_of:
            tokens = [Token("{")]
            for i, member in enumerate(one_of):
                if i:
                    tokens.append(Token(", "))
                tokens += self._render(member, depth + 1)
            return [*tokens, Token("}")]
        prop_node = self._one(node, OWL + "onProperty")
        if prop_node is not None:
            return self._restriction(node, prop_node, depth)
        return [Token("(an anonymous class)")]

    def _restriction(self, node: str, prop_node: Term, depth: int) -> list[Token]:
        head = self._render(prop_node, depth + 1)
        for prop, word in _RESTRICTIONS:
            filler = self._one(node, OWL + prop)
            if filler is not None:
                if word == "Self":
                    return [*head, Token(" Self")]
                return [*head, Token(f" {word} "), *self._render(filler, depth + 1)]
        for prop, word in _CARDINALITIES:
            number = self._one(node, OWL + prop)
            if isinstance(number, ox.Literal):
                on_class = self._one(node, OWL + "onClass")
                tail = [Token(" "), *self._render(on_class, depth + 1)] if on_class is not None else []
                return [*head, Token(f" {word} {number.value}"), *tail]
        return [*head, Token(" (a restriction)")]
