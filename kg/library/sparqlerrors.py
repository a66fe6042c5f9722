"""A malformed SPARQL query explained in one line: where, the text there, and what to do about it.

pyoxigraph's parser reports the furthest position it reached and every token it would have accepted
there (``error at 1:31: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' | ...``), which for a
person is six lines of Unicode ranges. :func:`describe_syntax_error` turns that into a
:class:`SyntaxProblem` (line, column, the text near it, a hint); ``mkg query``, the endpoint's 400 for
``/sparql`` and the REST API all show its :attr:`~SyntaxProblem.message`, and a JSON error body can carry
its fields. The hint comes from what the query text shows (an undeclared prefix, an unclosed string, a
bad IRI, a word that is no keyword), and for a triple with no object from asking the same parser
whether the query parses with one there: the parser, not a grammar of our own, decides.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.library.sparqltokens import Token, declared_prefixes, tokens
from kg.prefixes import default_prefixes

__all__ = ["SyntaxProblem", "describe_syntax_error"]

_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.S)
_NEAR = 24
_CANDIDATES = 12  # separators tried, nearest to the reported position first
# A patched query that parses is also planned (pyoxigraph has no parse-only call), and planning grows
# faster than linearly with the triple patterns of a group: past this many separators, no patching.
_PATCH_MAX_SEPARATORS = 40
_FILLER = "?mkgMissingTerm "
# SPARQL 1.1 keywords and built-in functions (grammar, section 19.8), plus SPARQL 1.2 / Oxigraph words.
_KEYWORDS = frozenset(
    [
        "a",
        "ABS",
        "ADD",
        "ADJUST",
        "ALL",
        "AS",
        "ASC",
        "ASK",
        "AVG",
        "BASE",
        "BIND",
        "BNODE",
        "BOUND",
        "BY",
        "CEIL",
        "CLEAR",
        "COALESCE",
        "CONCAT",
        "CONSTRUCT",
        "CONTAINS",
        "COPY",
        "COUNT",
        "CREATE",
        "DATATYPE",
        "DAY",
        "DEFAULT",
        "DELETE",
        "DESC",
        "DESCRIBE",
        "DISTINCT",
        "DROP",
        "ENCODE_FOR_URI",
        "EXISTS",
        "false",
        "FILTER",
        "FLOOR",
        "FROM",
        "GRAPH",
        "GROUP",
        "GROUP_CONCAT",
        "HAVING",
        "HOURS",
        "IF",
        "IN",
        "INSERT",
        "INTO",
        "IRI",
        "isBLANK",
        "isIRI",
        "isLITERAL",
        "isNUMERIC",
        "isTRIPLE",
        "isURI",
        "LANG",
        "LANGDIR",
        "LANGMATCHES",
        "LATERAL",
        "LCASE",
        "LIMIT",
        "LOAD",
        "MAX",
        "MD5",
        "MIN",
        "MINUS",
        "MINUTES",
        "MONTH",
        "MOVE",
        "NAMED",
        "NOT",
        "NOW",
        "OBJECT",
        "OFFSET",
        "OPTIONAL",
        "ORDER",
        "PREDICATE",
        "PREFIX",
        "RAND",
        "REDUCED",
        "REGEX",
        "REPLACE",
        "ROUND",
        "sameTerm",
        "SAMPLE",
        "SECONDS",
        "SELECT",
        "SEPARATOR",
        "SERVICE",
        "SHA1",
        "SHA256",
        "SHA384",
        "SHA512",
        "SILENT",
        "STR",
        "STRAFTER",
        "STRBEFORE",
        "STRDT",
        "STRENDS",
        "STRLANG",
        "STRLANGDIR",
        "STRLEN",
        "STRSTARTS",
        "STRUUID",
        "SUBJECT",
        "SUBSTR",
        "SUM",
        "TIMEZONE",
        "TO",
        "TRIPLE",
        "true",
        "TZ",
        "UCASE",
        "UNDEF",
        "UNION",
        "URI",
        "USING",
        "UUID",
        "VALUES",
        "WHERE",
        "WITH",
        "YEAR",
        "hasLANG",
        "hasLANGDIR",
    ]
)
_KEYWORDS_UPPER = {word.upper(): word for word in _KEYWORDS}
_UPDATES = frozenset(["INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"])
_BAD_IRI_CHARS = {" ": "a space", '"': "a quote", "{": "a brace", "}": "a brace", "|": "a '|'", "\\": "a backslash"}


@dataclass(frozen=True)
class SyntaxProblem:
    """Where a query is malformed and what to do: ``line``/``column`` are 1-based (None if unknown)."""

    line: int | None
    column: int | None
    near: str
    hint: str

    @property
    def message(self) -> str:
        """``malformed query at line 3, column 14 (near "?p }"): the triple pattern has no object``."""
        if self.line is None:
            return f"malformed query: {self.hint}"
        near = f' (near "{self.near}")' if self.near else " (at the end of the query)"
        return f"malformed query at line {self.line}, column {self.column}{near}: {self.hint}"

    def as_dict(self) -> dict[str, Any]:
        """The fields for a JSON error body: ``line``, ``column``, ``near``, ``hint``, ``message``."""
        return {"line": self.line, "column": self.column, "near": self.near, "hint": self.hint, "message": self.message}


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of 1-based ``line``/``column`` (pyoxigraph counts newlines and characters)."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            return len(text)
        start = found + 1
    return min(start + column - 1, len(text))


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _near(text: str, start: int, end: int | None = None) -> str:
    """The text from ``start`` (to ``end``, else a few words), on one line, for quoting in the message."""
    piece = text[start : end if end is not None else start + _NEAR]
    piece = piece.splitlines()[0] if piece.strip() else ""
    return piece.strip() if end is not None else piece.rstrip()


def _problem(text: str, start: int, hint: str, end: int | None = None) -> SyntaxProblem:
    line, column = _position(text, start)
    return SyntaxProblem(line, column, _near(text, start, end), hint)


def _expected(detail: str) -> list[str]:
    """The items of pyoxigraph's ``expected one of a, b, [c-d]`` list, character classes dropped."""
    detail = detail.removeprefix("expected one of ").removeprefix("expected ")
    items = re.findall(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|[^,]+', detail)
    return [item.strip() for item in items if item.strip() and not item.strip().startswith("[")]


_PAIRS = {"(": ")", "{": "}", "[": "]"}


def _unbalanced(text: str, found: list[Token]) -> SyntaxProblem | None:
    """A bracket closed by the wrong one, or left open at the end of the query."""
    stack: list[Token] = []
    for token in found:
        if token.kind == "open":
            stack.append(token)
        elif token.kind == "close":
            if stack and _PAIRS[stack[-1].text] == token.text:
                stack.pop()
            elif stack:
                opener = stack[-1]
                return _problem(
                    text,
                    opener.start,
                    f'"{opener.text}" is not closed (add "{_PAIRS[opener.text]}" before the "{token.text}")',
                )
            else:
                return _problem(text, token.start, f'"{token.text}" closes nothing (no bracket is open here)')
    if stack:
        opener = stack[-1]
        return _problem(text, opener.start, f'"{opener.text}" is never closed (add "{_PAIRS[opener.text]}")')
    return None


def _unclosed_string(text: str, offset: int, found: list[Token]) -> SyntaxProblem | None:
    for token in found:
        if token.start > offset:
            break
        if token.kind == "string" and not token.closed:
            quote = token.text[:3] if token.text[:3] in ('"""', "'''") else token.text[0]
            where = "before the end of the query" if len(quote) == 3 else "on the same line"
            return _problem(text, token.start, f"the string is not closed (add the closing {quote} {where})")
    return None


def _undeclared_prefix(
    text: str, offset: int, found: list[Token], active: Mapping[str, str], known: Mapping[str, str]
) -> SyntaxProblem | None:
    """The first prefixed name whose prefix is neither declared before it nor one of the ``active`` defaults."""
    declared = declared_prefixes(text)
    for token in found:
        if token.start > offset:
            break
        prefix = token.prefix
        if prefix is None or prefix in active or (prefix in declared and declared[prefix] < token.start):
            continue
        iri = known.get(prefix)
        add = f"add PREFIX {prefix}: <{iri}>" if iri else f"add PREFIX {prefix}: <…>"
        close = difflib.get_close_matches(prefix, [*declared, *known], n=1)
        also = f", or did you mean {close[0]}:?" if close and not iri else ""
        return _problem(text, token.start, f'prefix "{prefix}:" is not declared ({add}{also})')
    return None


def _bad_iri(text: str, offset: int, found: list[Token]) -> SyntaxProblem | None:
    opening = max((t.start for t in found if t.text == "<" and t.start <= offset), default=-1)
    iris = [t for t in found if t.kind == "iri" and t.start <= offset]
    if iris and iris[-1].start > opening:
        iri = iris[-1].text[1:-1]
        start, end = iris[-1].start, iris[-1].end
    elif opening >= 0:
        close = text.find(">", opening)
        end = close + 1 if close >= 0 else len(text)
        iri, start = text[opening + 1 : end - 1], opening
    else:
        return None
    bad = next((name for ch, name in _BAD_IRI_CHARS.items() if ch in iri), None)
    if bad:
        why = f"contains {bad}, which IRIs may not (write it percent-encoded, e.g. %20 for a space)"
    elif ":" not in iri:
        why = "is relative and the query has no BASE: write an absolute IRI such as <https://…>"
    else:
        why = "is not a valid IRI"
    return _problem(text, start, f"<{iri}> {why}", end)


def _unknown_word(text: str, offset: int, found: list[Token]) -> SyntaxProblem | None:
    for token in found:
        if token.start > offset:
            break
        if token.kind == "word" and token.text.upper() not in _KEYWORDS_UPPER and token.text not in _KEYWORDS:
            close = difflib.get_close_matches(token.text.upper(), list(_KEYWORDS_UPPER), n=1, cutoff=0.75)
            hint = f'"{token.text}" is not a SPARQL keyword'
            if close:
                hint += f" (did you mean {_KEYWORDS_UPPER[close[0]]}?)"
            else:
                hint += " (a variable needs ?, a prefixed name a colon, a string quotes)"
            return _problem(text, token.start, hint)
    return None


def _update(text: str, found: list[Token]) -> SyntaxProblem | None:
    """SPARQL Update text, which a read-only query service does not parse as a query."""
    first = next((t for t in found if t.kind == "word" and t.text.upper() not in ("PREFIX", "BASE")), None)
    if first is None or first.text.upper() not in _UPDATES:
        return None
    hint = "this is SPARQL Update: only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) run here"
    return _problem(text, first.start, hint)


def _parses_past(text: str, offset: int, prefixes: Mapping[str, str] | None) -> bool:
    """Whether ``text`` parses, or fails only beyond ``offset`` (an empty store: nothing is evaluated)."""
    try:
        ox.Store().query(text, prefixes=dict(prefixes) if prefixes else None)
    except SyntaxError as err:
        match = _POSITION.match(str(err))
        return match is not None and _offset(text, int(match[1]), int(match[2])) > offset
    except (RuntimeError, ValueError, TypeError, OSError):
        return True
    return True


def _missing_term(
    text: str, offset: int, found: list[Token], prefixes: Mapping[str, str] | None
) -> SyntaxProblem | None:
    """The separator before which one more term (or two) makes the query parse past where it failed.

    At most one patched query parses (the one that is fixed), so explaining costs at most one planning
    of a query the size of the user's; large queries are not patched at all.
    """
    if sum(1 for t in found if t.text in (".", ";", ",")) > _PATCH_MAX_SEPARATORS:
        return None
    separators = [
        (i, t) for i, t in enumerate(found) if t.start <= offset and t.text in ("}", ".", ";", ",", "]", ")") and i >= 2
    ]
    for filler in (_FILLER, _FILLER * 2):
        for index, token in reversed(separators[-_CANDIDATES:]):
            patched = text[: token.start] + filler + text[token.start :]
            if not _parses_past(patched, offset + len(filler), prefixes):
                continue
            previous, before = found[index - 1], found[index - 2]
            if token.text == ")":
                what, add = "an expression or argument is missing", "it"
            elif previous.text == ",":
                what, add = "nothing follows the ','", "an object"
            elif filler != _FILLER:
                what, add = "the triple pattern has a subject but no predicate and object", "them"
            elif before.text == ";":
                what, add = "the predicate after ';' has no object", "the object"
            else:
                what, add = "the triple pattern has no object", "the object"
            return _problem(text, previous.start, f'{what} (add {add} before the "{token.text}")', token.end)
    return None


def describe_syntax_error(
    query: str, err: SyntaxError | str, *, prefixes: Mapping[str, str] | None = None
) -> SyntaxProblem:
    """Explain pyoxigraph's ``SyntaxError`` for ``query``; ``prefixes`` are the default prefixes it was run with.

    ``prefixes`` are those the query could use undeclared (None: none); the hint for a prefix that is
    neither declared nor a default gives its IRI when the project's prefix table has it
    (``mkg query --no-default-prefixes``), else the nearest prefix name it might be a typo of.
    """
    raw = str(err)
    match = _POSITION.match(raw)
    if match is None:
        return SyntaxProblem(None, None, "", " ".join(raw.split()))
    if not query.strip():
        return SyntaxProblem(1, 1, "", "the query is empty")
    offset = _offset(query, int(match[1]), int(match[2]))
    expected = _expected(match[3])
    found = list(tokens(query))
    active = dict(prefixes or {})
    if "Prefix not found" in expected:
        undeclared = _undeclared_prefix(query, offset, found, active, {**default_prefixes(), **active})
        if undeclared is not None:
            return undeclared
    problem = _unclosed_string(query, offset, found) or _update(query, found)
    if problem is None and "IRI parsing failed" in expected:
        problem = _bad_iri(query, offset, found)
    if problem is None:
        problem = _unknown_word(query, offset, found)
    if problem is None:
        problem = _unbalanced(query, found)
    if problem is not None:
        return problem
    sentences = [item for item in expected if " " in item and not item.startswith('"')]
    if sentences:
        return _problem(query, min(offset, _last_start(query, found)), sentences[0][0].lower() + sentences[0][1:])
    problem = _missing_term(query, offset, found, prefixes)
    if problem is not None:
        return problem
    punctuation = [item for item in expected if item.startswith('"')][:8]
    hint = "this is not valid SPARQL here" + (f" (expected one of {', '.join(punctuation)})" if punctuation else "")
    return _problem(query, min(offset, _last_start(query, found)), hint)


def _last_start(text: str, found: list[Token]) -> int:
    """Where the last token starts (so a position past the end still quotes some text)."""
    return found[-1].start if found else len(text)
