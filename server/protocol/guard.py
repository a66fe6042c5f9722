r"""A lexical pre-check that every query passes before it may reach the query engine.

Oxigraph's parser kills its whole process (a segmentation fault, not an exception) on a few thousand
nested brackets, and its engine calls any URL written after ``SERVICE``. This module refuses such
queries from their tokens alone, without parsing: it skips strings, IRIs, comments, variables and
prefixed names exactly where SPARQL's grammar says they are, so a keyword hidden in a string is not
refused while one hidden by an unusual spelling (``\u0053ERVICE``, ``1.SERVICE``) is.

Where the tokens are ambiguous (an ``<`` that is an IRI to us but may be "less than" to the engine) the
check lexes the text both ways and keeps the stricter answer: a refusal too many is an inconvenience,
a ``SERVICE`` let through is a server that fetches URLs for strangers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.library.sparqltokens import TOKEN_ALTERNATIVES

__all__ = [
    "QueryRefused",
    "QueryShape",
    "decode_codepoint_escapes",
    "inspect_query",
    "rename_graphs",
    "substitute_variables",
]

_SKIPPED = ("ws", "comment")


def _compile(alternatives: list[tuple[str, str]]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One pattern of numbered alternatives, and the kind of token each group number stands for.

    Whitespace and comments are never tokens of interest: the pattern takes any run of them in front of
    the next token (possessively, as the alternatives in order would, so the tokens stay the same), which
    halves the matches Python has to look at. The token is optional so that trailing whitespace ends
    the scan in one match. No alternative has a capturing group of its own, so a match's ``lastindex``
    names the alternative that matched (``None`` for the trailing run).
    """
    skip = "|".join(rx for kind, rx in alternatives if kind in _SKIPPED)
    tokens = [(kind, rx) for kind, rx in alternatives if kind not in _SKIPPED]
    pattern = re.compile(f"(?:{skip})*+(?:" + "|".join(f"({rx})" for _, rx in tokens) + ")?", re.S)
    return pattern, ("", *(kind for kind, _ in tokens))


_TOKENS = _compile(TOKEN_ALTERNATIVES)
_TOKENS_NO_IRI = _compile([alt for alt in TOKEN_ALTERNATIVES if alt[0] != "iri"])


_CODEPOINT_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_AMBIGUOUS_IN_IRI = re.compile(r"[()']")

_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}
_PROLOGUE = {"BASE", "PREFIX"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_FORBIDDEN = {"SERVICE": "SERVICE (federated query) is disabled on this endpoint: it never calls other servers"}


class QueryRefused(Exception):
    """A query the endpoint will not run, with the HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class QueryShape:
    """What the tokens tell about a query: its form, whether it names its own dataset, its depth."""

    form: str | None
    has_dataset_clause: bool
    depth: int


def decode_codepoint_escapes(text: str) -> str:
    r"""Apply SPARQL's ``\uXXXX`` / ``\UXXXXXXXX`` escapes as a parser that honours them before parsing would.

    A backslash followed by anything else is kept together with that character, so ``\\u0041`` stays.
    """

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is None:
            return match.group(0)
        value = int(code, 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            return match.group(0)
        return chr(value)

    return _CODEPOINT_ESCAPE.sub(replace, text)


@dataclass
class _Scan:
    words: list[str]
    depth: int
    ambiguous: bool


def _scan(text: str, lexer: tuple[re.Pattern[str], tuple[str, ...]]) -> _Scan:
    pattern, kinds = lexer
    words: list[str] = []
    depth = deepest = 0
    ambiguous = False
    for match in pattern.finditer(text):
        index = match.lastindex or 0
        kind = kinds[index]
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif kind == "close":
            if depth:
                depth -= 1
        elif kind == "word":
            words.append(match.group(index).upper())
        elif kind == "iri" and _AMBIGUOUS_IN_IRI.search(match.group(index)):
            ambiguous = True
    return _Scan(words=words, depth=deepest, ambiguous=ambiguous)


def inspect_query(text: str, *, max_length: int, max_nesting: int) -> QueryShape:
    """Return the query's shape, or raise :class:`QueryRefused` for what must never reach the engine.

    Refuses (413) text longer than ``max_length`` characters, (400) brackets nested deeper than
    ``max_nesting``, (400) ``SERVICE``, and (403) SPARQL Update requests.
    """
    if len(text) > max_length:
        raise QueryRefused(413, f"query is {len(text)} characters long; this endpoint accepts at most {max_length}")
    variants = [text]
    decoded = decode_codepoint_escapes(text) if "\\" in text else text
    if decoded != text:
        variants.append(decoded)
    scans = []
    for variant in variants:
        scan = _scan(variant, _TOKENS)
        scans.append(scan)
        if scan.ambiguous:
            scans.append(_scan(variant, _TOKENS_NO_IRI))
    depth = max(scan.depth for scan in scans)
    if depth > max_nesting:
        raise QueryRefused(
            400, f"query nests brackets {depth} deep; this endpoint accepts at most {max_nesting} levels"
        )
    for scan in scans:
        for word, message in _FORBIDDEN.items():
            if word in scan.words:
                raise QueryRefused(400, message)
    firsts = [next((word for word in scan.words if word not in _PROLOGUE), "") for scan in scans]
    if any(first in _UPDATES for first in firsts):
        raise QueryRefused(403, "this endpoint is read-only: SPARQL Update requests are refused")
    return QueryShape(
        form=next((_FORMS[first] for first in firsts if first in _FORMS), None),
        has_dataset_clause=any("FROM" in scan.words for scan in scans),
        depth=depth,
    )


def substitute_variables(text: str, terms: dict[str, str]) -> str:
    """The query with each variable named in ``terms`` replaced by the term (in SPARQL syntax).

    What pyoxigraph's substitutions do inside the engine, done on the text for an engine that has no
    such parameter: the value is in place wherever the variable is (filters, optionals and the template
    included), not joined after evaluation as a trailing ``VALUES`` would be. In a SELECT's projection
    the variable stays a column as ``(term AS ?name)``; in GROUP BY and ORDER BY it is ``(term)``. Uses
    this module's lexer, so strings, IRIs and
    comments that merely contain ``?name`` are left alone.
    """
    pattern, kinds = _TOKENS
    out: list[str] = []
    last = 0
    form = ""
    projecting = False
    ordering = False  # in GROUP BY / ORDER BY, where a bare IRI would read as a function call
    previous = ""
    for match in pattern.finditer(text):
        index = match.lastindex or 0
        kind = kinds[index]
        token = match.group(index) if index else ""
        if kind == "word":
            word = token.upper()
            if not form and word in _FORMS:
                form = word
                projecting = word == "SELECT"
            elif projecting and word in ("WHERE", "FROM"):
                projecting = False
            elif word == "BY" and previous in ("GROUP", "ORDER"):
                ordering = True
            elif word in ("HAVING", "LIMIT", "OFFSET", "VALUES", "ORDER"):
                ordering = False
        elif kind in ("open", "close") and token in "{}":  # noqa: S105 (brackets, not passwords)
            projecting = projecting and token != "{"  # noqa: S105
            ordering = False
        elif kind == "var" and token[1:] in terms and previous != "AS":
            start, end = match.span(index)
            out.append(text[last:start])
            term = terms[token[1:]]
            out.append(f"({term} AS {token})" if projecting else f"({term})" if ordering else term)
            last = end
        if kind:
            previous = token.upper() if kind == "word" else kind
    out.append(text[last:])
    return "".join(out)


def rename_graphs(text: str, names: dict[str, str]) -> str:
    """The query with each graph IRI in ``names`` renamed where it names a graph (FROM, FROM NAMED, GRAPH).

    The same IRI elsewhere (a subject describing the graph, say) is left alone. For an engine that holds
    the release's graphs under other names (see :mod:`server.engine.publish`).
    """
    pattern, kinds = _TOKENS
    out: list[str] = []
    last = 0
    previous = ""
    for match in pattern.finditer(text):
        index = match.lastindex or 0
        kind = kinds[index]
        token = match.group(index) if index else ""
        if kind == "iri" and previous in ("FROM", "NAMED", "GRAPH") and token[1:-1] in names:
            start, end = match.span(index)
            out.append(text[last:start] + f"<{names[token[1:-1]]}>")
            last = end
        if kind:
            previous = token.upper() if kind == "word" else kind
    out.append(text[last:])
    return "".join(out)
