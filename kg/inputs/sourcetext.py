"""The cited source documents as text that quotes can be checked against.

Quotes in the curated tables are sentences as a reader sees them. One source is plain text, the other is
YAML front matter followed by HTML, where markup splits words (``<i>t</i>umour``) and line breaks fall
mid-sentence. Both are compared after removing markup, decoding entities and collapsing white space.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from kg.errors import UserError
from kg.namespaces import DCTERMS, MKG, SOURCE
from kg.resources import sources_dir

__all__ = ["SourceDocument", "load_sources", "normalize_text"]

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def normalize_text(text: str, *, markup: bool = False) -> str:
    """Text as a reader sees it: markup removed (if any), entities decoded, white space collapsed."""
    if markup:
        text = _FRONT_MATTER.sub("", text)
        text = html.unescape(_TAG.sub("", text))
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class SourceDocument:
    """One cited document: its IRI, local copy and readable text."""

    key: str
    iri: URIRef
    path: Path
    sha256: str
    text: str

    def contains(self, quote: str) -> bool:
        """Whether the quote occurs verbatim (white space aside) in the document."""
        return normalize_text(quote) in self.text


@cache
def _cached(folder: Path) -> tuple[Graph, dict[str, SourceDocument]]:
    ttl = folder / "sources.ttl"
    graph = Graph()
    try:
        graph.parse(ttl, format="turtle")
    except Exception as exc:
        raise UserError(f"cannot parse source descriptions: {exc}", path=ttl) from exc
    docs: dict[str, SourceDocument] = {}
    for iri in sorted(graph.subjects(DCTERMS.title, None), key=str):
        key = str(iri).removeprefix(str(SOURCE))
        copy = graph.value(iri, MKG.localCopy)
        recorded = graph.value(iri, MKG.sha256)
        media = graph.value(iri, DCTERMS.format)
        if not isinstance(copy, Literal) or not isinstance(recorded, Literal):
            raise UserError(f"source {key} lacks mkg:localCopy or mkg:sha256", path=ttl)
        path = folder / str(copy)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read the local copy of source {key}: {exc}", path=path) from exc
        digest = hashlib.sha256(raw).hexdigest()
        if digest != str(recorded):
            raise UserError(
                f"source {key} changed: sha256 {digest} differs from the recorded {recorded}; "
                "source documents are kept unchanged",
                path=path,
            )
        text = normalize_text(raw.decode("utf-8"), markup=str(media) == "text/html")
        docs[key] = SourceDocument(key, URIRef(str(iri)), path, digest, text)
    return graph, docs


def load_sources(folder: Path | None = None) -> tuple[Graph, dict[str, SourceDocument]]:
    """The source descriptions (RDF) and the documents by key (``lee-2020``), checked against their hashes."""
    return _cached((folder or sources_dir()).resolve())
