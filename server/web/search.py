"""Label and synonym search for ``/api/search``: accent- and case-insensitive, word-prefix matching, ranked.

Researchers type "metastase", "Sweet", "oesoph" or "lymph no" and expect the term; so every label and
synonym is normalised once (Unicode NFKD, combining marks removed, casefolded) and split into words,
and a query matches when each of its words starts a different word of the text. The index is built
once per served dataset from one SPARQL query's rows (see :mod:`server.web.catalog`); a search is a scan
over a few thousand short strings, which is far cheaper than a query round trip to a worker. The same
index suggests what a mistyped term IRI meant (:meth:`SearchIndex.closest`), for the 404 page.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Entry", "Hit", "Match", "SearchIndex", "normalize", "words"]

_WORD = re.compile(r"\w+")
_CLOSE = 0.75  # difflib ratio from which a spelling counts as close (one typo in a ten-letter name is 0.9)


def normalize(text: str) -> str:
    """Fold ``text`` for comparison: compatibility decomposition, no combining marks, casefolded, one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def words(text: str) -> tuple[str, ...]:
    """The normalised words of ``text`` (letters and digits; punctuation separates words)."""
    return tuple(_WORD.findall(normalize(text)))


class Match(IntEnum):
    """How well a text matches a query; lower is better, so sorting ranks exact matches first."""

    EXACT = 0
    PREFIX = 1
    WORD_PREFIX = 2


@dataclass(frozen=True)
class Entry:
    """One searchable text of one IRI: its label or one of its synonyms."""

    iri: str
    label: str
    text: str
    field: str  # "label" or "synonym"
    kind: str
    folded: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """A search result as ``/api/search`` returns it."""

    iri: str
    label: str
    matched: str
    field: str
    kind: str
    match: Match

    def to_json(self) -> dict[str, str]:
        """The JSON object of one result: IRI, label, the text that matched, how, and what kind of thing."""
        return {
            "iri": self.iri,
            "label": self.label,
            "matched": self.matched,
            "field": self.field,
            "match": self.match.name.lower().replace("_", "-"),
            "kind": self.kind,
        }


def _match(query: str, query_words: tuple[str, ...], entry: Entry) -> Match | None:
    if entry.folded == query:
        return Match.EXACT
    if entry.folded.startswith(query):
        return Match.PREFIX
    available = list(entry.tokens)
    for wanted in query_words:
        for i, token in enumerate(available):
            if token.startswith(wanted):
                del available[i]
                break
        else:
            return None
    return Match.WORD_PREFIX


class SearchIndex:
    """Every label and synonym of the served terms, folded once, searched by :meth:`search`."""

    def __init__(self, entries: Iterable[tuple[str, str, str, str, str]]) -> None:
        """``entries`` are ``(iri, label, text, field, kind)``; ``text`` is the label itself or a synonym."""
        self.entries: list[Entry] = []
        seen: set[tuple[str, str, str]] = set()
        for iri, label, text, field, kind in entries:
            key = (iri, text, field)
            if key in seen or not text.strip():
                continue
            seen.add(key)
            self.entries.append(Entry(iri, label, text, field, kind, normalize(text), words(text)))

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, query: str, *, limit: int = 20, kinds: frozenset[str] | None = None) -> list[Hit]:
        """The best match per IRI, exact before prefix before word-prefix, labels before synonyms."""
        folded = normalize(query)
        query_words = words(query)
        if not folded or not query_words:
            return []
        best: dict[str, tuple[tuple[int, int, int, str, str], Hit]] = {}
        for entry in self.entries:
            if kinds is not None and entry.kind not in kinds:
                continue
            match = _match(folded, query_words, entry)
            if match is None:
                continue
            rank = (
                int(match),
                0 if entry.field == "label" else 1,
                len(entry.folded),
                normalize(entry.label),
                entry.iri,
            )
            known = best.get(entry.iri)
            if known is None or rank < known[0]:
                best[entry.iri] = (rank, Hit(entry.iri, entry.label, entry.text, entry.field, entry.kind, match))
        ranked = sorted(best.values(), key=lambda pair: pair[0])
        return [hit for _, hit in ranked[:limit]]

    def closest(self, text: str, *, limit: int = 5, kinds: frozenset[str] | None = None) -> list[Hit]:
        """The terms a mistyped name most likely meant: search hits first, then the nearest spellings.

        ``text`` is what was typed, e.g. the path ``breastcancer`` or ``Breast_Cancr``: camel case and
        punctuation are split into words for :meth:`search`; the spelling is then compared, spaces and
        punctuation ignored, with every label and synonym by :mod:`difflib`'s ratio (at least 0.75), so
        "breastcancer" finds "breast cancer" and "melanomma" finds "melanoma".
        """
        spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
        spaced = " ".join(_WORD.findall(spaced.replace("_", " ")))
        hits = self.search(spaced, limit=limit, kinds=kinds) if spaced else []
        wanted = "".join(words(text))
        if len(hits) >= limit or not wanted:
            return hits
        seen = {hit.iri for hit in hits}
        scored: dict[str, tuple[float, Entry]] = {}
        for entry in self.entries:
            if entry.iri in seen or (kinds is not None and entry.kind not in kinds):
                continue
            ratio = difflib.SequenceMatcher(None, wanted, "".join(entry.tokens), autojunk=False).ratio()
            if ratio >= _CLOSE and ratio > scored.get(entry.iri, (0.0, entry))[0]:
                scored[entry.iri] = (ratio, entry)
        ranked = sorted(scored.values(), key=lambda pair: (-pair[0], 0 if pair[1].field == "label" else 1, pair[1].iri))
        for ratio, entry in ranked[: limit - len(hits)]:
            match = Match.EXACT if ratio == 1.0 else Match.WORD_PREFIX
            hits.append(Hit(entry.iri, entry.label, entry.text, entry.field, entry.kind, match))
        return hits
