"""What the linked-data pages and the search need about every term, read once per served dataset.

Labels (so every link on a page reads "breast cancer", not an IRI), a coarse kind per IRI, the search
index and the JSON-LD context come from two queries (``ld-catalog.rq``, ``ld-context.rq``) run through
the shared executor the first time any of them is needed, then kept for the life of the process (one
process serves one dataset: a new release means a restart). Building lazily rather than in
``create_app`` keeps start-up quick and leaves the forked HTTP fronts free of threads started early.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import flask

from kg.resources import BASE_IRI
from server.engine.service import QueryService
from server.protocol.jsonld import Compaction, JsonLdContext, build_context
from server.web.ldquery import run_select
from server.web.search import SearchIndex

__all__ = ["Catalog", "catalog", "compaction", "jsonld_context", "kg_base"]

_EXTENSION = "mkg-catalog"
_FIELD_RANK = {"label": 0, "title": 1}


@dataclass(frozen=True)
class Catalog:
    """Labels, kinds, search index and JSON-LD context of the served dataset."""

    base: str
    labels: dict[str, str]
    kinds: dict[str, str]
    search: SearchIndex
    context: JsonLdContext

    def label(self, iri: str) -> str:
        """The term's label, else its compact IRI (``obo:RO_0002607``), else the IRI itself."""
        return self.labels.get(iri) or self.context.compact_iri(iri)

    def kind(self, iri: str) -> str:
        """``class``, ``property``, ``association``, ``statistic``, ``source``, ... or ``resource``."""
        return self.kinds.get(iri, "resource")


def kg_base(service: QueryService) -> str:
    """The base IRI of the served release's IRIs (the project's, when only data files are served)."""
    return service.release.base_iri if service.release is not None else BASE_IRI


def _build(service: QueryService) -> Catalog:
    base = kg_base(service)
    labels: dict[str, tuple[tuple[int, int], str]] = {}
    kinds: dict[str, str] = {}
    texts: list[tuple[str, str, str]] = []  # (iri, text, "label" or "synonym")
    for row in run_select(service, "ld-catalog"):
        iri = row["iri"]["value"]
        text = row["text"]["value"]
        field = row["field"]["value"]
        kinds[iri] = row.get("kind", {}).get("value", "resource")
        if field in _FIELD_RANK:
            rank = (_FIELD_RANK[field], 0 if row["text"].get("xml:lang", "en").startswith("en") else 1)
            if iri not in labels or rank < labels[iri][0]:
                labels[iri] = (rank, text)
        texts.append((iri, text, "synonym" if field == "synonym" else "label"))
    best = {iri: text for iri, (_, text) in labels.items()}
    entries = [
        (iri, best.get(iri, text), text, field, kinds.get(iri, "resource"))
        for iri, text, field in texts
        if iri.startswith(base)
    ]
    return Catalog(base, best, kinds, SearchIndex(entries), jsonld_context())


def compaction(context_url: str) -> Compaction:
    """How routes write graph results as compacted JSON-LD: this app's context, built only when first used."""
    return Compaction(context_url, jsonld_context)


def _holder() -> dict[str, Any]:
    app = flask.current_app
    holder: dict[str, Any] | None = app.extensions.get(_EXTENSION)
    if holder is None:
        holder = app.extensions.setdefault(_EXTENSION, {"lock": threading.RLock(), "value": None, "context": None})
    return holder


def jsonld_context() -> JsonLdContext:
    """The current app's JSON-LD context alone (``ld-context.rq``), so compaction needs no label catalog."""
    holder = _holder()
    value: JsonLdContext | None = holder["context"]
    if value is None:
        with holder["lock"]:
            value = holder["context"]
            if value is None:
                service: QueryService = flask.current_app.extensions["mkg"]
                value = build_context(service.prefixes, run_select(service, "ld-context"), kg_base(service))
                holder["context"] = value
    return value


def catalog() -> Catalog:
    """The current app's catalog, built on first use (a failed build is retried on the next request)."""
    holder = _holder()
    value: Catalog | None = holder["value"]
    if value is None:
        with holder["lock"]:
            value = holder["value"]
            if value is None:
                value = _build(flask.current_app.extensions["mkg"])
                holder["value"] = value
    return value
