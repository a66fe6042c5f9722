"""Where each quote sits in its source file: W3C Web Annotation selectors a page can highlight with.

Quotes are checked as a reader sees the text (:func:`kg.inputs.sourcetext.normalize_text`: front matter and
markup removed, entities decoded, white space collapsed), so a quote of the HTML source is often not a
substring of the file (``<i>t</i>umour``, ``&amp;``, line breaks). Here the same normalisation is replayed
over the file while remembering, for every character of the readable text, the span of the file it came
from; a quote found in the readable text is then mapped back to the file's offsets. Each record gets, in
the provenance graph::

    fact:x mkg:quoteLocation <fact/x#quote> .
    <fact/x#quote> a oa:SpecificResource ; oa:hasSource src:sebald-2017 ;
        oa:hasSelector <fact/x#quote-position> , <fact/x#quote-text> .
    <fact/x#quote-position> a oa:TextPositionSelector ; oa:start 1234 ; oa:end 1302 .
    <fact/x#quote-text> a oa:TextQuoteSelector ; oa:exact "...the file's characters..." ;
        oa:prefix "..." ; oa:suffix "..." .

Offsets count Unicode code points of the source file as stored (``kg/sources/``, byte-identical to the
seed files it was received as), markup included, ``end`` exclusive; ``oa:exact`` is the file's own text
between them (with its tags), so ``file[start:end] == exact``. The replay is checked against
``normalize_text`` for every document; a quote it cannot place gets no selector (a test requires none).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg.inputs.sourcetext import SourceDocument, normalize_text
from kg.inputs.tables import Tables
from kg.namespaces import FACT, GROUP, MKG, SOURCE, STATISTIC

__all__ = ["OA", "ReadableText", "quote_selectors"]

OA = Namespace("http://www.w3.org/ns/oa#")
_CONTEXT = 32
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class ReadableText:
    """The readable text of a file and, for each of its characters, the file span it was read from."""

    raw: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, raw: str, *, markup: bool) -> ReadableText:
        """Replay :func:`normalize_text` over ``raw``, keeping offsets."""
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        begin = 0
        if markup:
            front = _FRONT_MATTER.match(raw)
            begin = front.end() if front else 0
        for token in _TOKEN.finditer(raw, begin):
            piece = token.group()
            if markup and piece.startswith("<") and piece.endswith(">") and len(piece) > 1:
                continue
            if piece.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    starts.append(token.start())
                    ends.append(token.end())
                elif chars:
                    ends[-1] = token.end()
                continue
            decoded = html.unescape(piece) if markup and piece.startswith("&") else piece
            for ch in decoded:
                if ch.isspace():
                    if chars and chars[-1] != " ":
                        chars.append(" ")
                        starts.append(token.start())
                        ends.append(token.end())
                    continue
                chars.append(ch)
                starts.append(token.start())
                ends.append(token.end())
        while chars and chars[-1] == " ":
            chars.pop()
            starts.pop()
            ends.pop()
        return cls(raw, "".join(chars), tuple(starts), tuple(ends))

    def span(self, quote: str) -> tuple[int, int] | None:
        """File offsets ``(start, end)`` of the first occurrence of ``quote`` as a reader sees it."""
        wanted = normalize_text(quote)
        at = self.text.find(wanted) if wanted else -1
        if at < 0:
            return None
        return self.starts[at], self.ends[at + len(wanted) - 1]


def _records(tables: Tables) -> Iterable[tuple[URIRef, str, str]]:
    yield from ((FACT[a.id], a.source, a.quote) for a in tables.associations)
    yield from ((STATISTIC[s.id], s.source, s.quote) for s in tables.statistics)
    yield from ((GROUP[g.id], g.source, g.quote) for g in tables.groups)


def quote_selectors(tables: Tables, docs: dict[str, SourceDocument]) -> Graph:
    """The Web Annotation location of every record's quote in its source file (see the module docstring)."""
    readable: dict[str, ReadableText] = {}
    for key, doc in docs.items():
        raw = doc.path.read_text(encoding="utf-8")
        found = ReadableText.of(raw, markup=doc.text != normalize_text(raw))
        if found.text != doc.text:
            continue  # the replay disagrees with the checked text: give no offsets rather than wrong ones
        readable[key] = found
    out = Graph()
    for record, source, quote in _records(tables):
        text = readable.get(source)
        span = text.span(quote) if text else None
        if text is None or span is None:
            continue
        start, end = span
        target = URIRef(f"{record}#quote")
        position, exact = URIRef(f"{record}#quote-position"), URIRef(f"{record}#quote-text")
        out.add((record, MKG.quoteLocation, target))
        out.add((target, RDF.type, OA.SpecificResource))
        out.add((target, OA.hasSource, SOURCE[source]))
        out.add((target, OA.hasSelector, position))
        out.add((target, OA.hasSelector, exact))
        out.add((position, RDF.type, OA.TextPositionSelector))
        # xsd:integer, not the model's xsd:nonNegativeInteger: engines such as Virtuoso return the latter as
        # the former, and every engine must answer the stored queries alike.
        out.add((position, OA.start, Literal(start)))
        out.add((position, OA.end, Literal(end)))
        out.add((exact, RDF.type, OA.TextQuoteSelector))
        out.add((exact, OA.exact, Literal(text.raw[start:end])))
        out.add((exact, OA.prefix, Literal(text.raw[max(0, start - _CONTEXT) : start])))
        out.add((exact, OA.suffix, Literal(text.raw[end : end + _CONTEXT])))
    return out
