"""SPARQL's lexical tokens (strings, IRIs, variables, prefixed names, ...), defined once for every reader.

The query guard of the endpoint (``server/protocol/guard.py``) compiles these alternatives for its
refusal scan; :func:`tokens` gives the same tokens with their positions to the readers in ``kg`` that
need to know where a prefixed name or an unclosed string is (:mod:`kg.prefixes`, :mod:`kg.library.sparqlerrors`).
It is a lexer, not a parser: it tells what each piece of text is, never whether the query is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["PN_PREFIX", "TOKEN_ALTERNATIVES", "Token", "declared_prefixes", "tokens"]

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"

# (kind, pattern) in the order they are tried. Strings are possessive, and an unterminated string runs
# to the end of its line (or, for a long string, of the text): a failed match never rescans, so lexing
# stays linear in the query's length.
TOKEN_ALTERNATIVES: list[tuple[str, str]] = [
    ("ws", r"\s+"),
    ("comment", r"\#[^\n\r]*"),
    (
        "string",
        r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*+(?:'''|'{0,2}\Z)" r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*+(?:"""|"{0,2}\Z)',
    ),
    ("string", r"'(?:[^'\\\n\r]|\\.)*+(?:'|(?=[\n\r])|\Z)" r'|"(?:[^"\\\n\r]|\\.)*+(?:"|(?=[\n\r])|\Z)'),
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    ("var", f"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"),
    ("bnode", f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", f"(?:{PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("open", r"[({\[]"),
    ("close", r"[)}\]]"),
    ("other", r"."),
]

# For positions, numbers and language tags are tokens of their own, so that ``1e5`` or ``"x"@en`` never
# look like words (the guard keeps them apart on purpose: ``1.SERVICE`` must show it the word).
_READER_ALTERNATIVES = [
    *TOKEN_ALTERNATIVES[:-4],
    ("number", r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"),
    ("langtag", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    *TOKEN_ALTERNATIVES[-4:],
]
_KINDS = tuple(kind for kind, _ in _READER_ALTERNATIVES)
_PATTERN = re.compile("|".join(f"({rx})" for _, rx in _READER_ALTERNATIVES), re.S)
_PREFIX_OF = re.compile(f"({PN_PREFIX})?:")


@dataclass(frozen=True)
class Token:
    """One token: its kind (``string``, ``iri``, ``var``, ``pname``, ``word``, ``open``, ...) and where it is."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def closed(self) -> bool:
        """For a string, whether its closing quote is there (always true for other kinds)."""
        if self.kind != "string":
            return True
        quote = self.text[:3] if self.text[:3] in ('"""', "'''") else self.text[0]
        if len(self.text) < 2 * len(quote) or not self.text.endswith(quote):
            return False
        before = self.text[: -len(quote)]
        return (len(before) - len(before.rstrip("\\"))) % 2 == 0  # an even run of backslashes escapes none

    @property
    def prefix(self) -> str | None:
        """For a prefixed name, its prefix without the colon (``""`` for ``:name``); else None."""
        if self.kind != "pname":
            return None
        return self.text.partition(":")[0]


def tokens(text: str) -> Iterator[Token]:
    """Every token of ``text`` except whitespace and comments, in order, with character offsets."""
    for match in _PATTERN.finditer(text):
        kind = _KINDS[(match.lastindex or 1) - 1]
        if kind in ("ws", "comment"):
            continue
        yield Token(kind, match.group(), match.start(), match.end())


def declared_prefixes(text: str) -> dict[str, int]:
    """The prefixes ``text`` declares with ``PREFIX name: <iri>``, each with the offset of its declaration."""
    declared: dict[str, int] = {}
    previous: Token | None = None
    for token in tokens(text):
        if (
            token.kind == "pname"
            and previous is not None
            and previous.text.upper() == "PREFIX"
            and (match := _PREFIX_OF.fullmatch(token.text))
        ):
            declared.setdefault(match.group(1) or "", previous.start)
        previous = token
    return declared
