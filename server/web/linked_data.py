"""Linked data: every IRI the KG mints resolves on this server, as HTML for people and RDF for programs.

A request path maps to a KG IRI by swapping the server's base for the KG's base IRI
(``https://w3id.org/metastasis-kg/``): ``/BreastCancer`` is ``mkg:BreastCancer``, ``/fact/<id>`` an
association, ``/graph/<name>`` a named graph, ``/metastasis-kg.owl`` the ontology and
``/releases/<date>/<file>`` a file of the served release. When w3id.org redirects the base IRI to a
server started with ``--base-url``, every IRI of the KG therefore resolves.

**One documented choice: 200 with Content-Location, not 303 See Other.** A negotiated request for
``/BreastCancer`` is answered directly (one round trip, no redirect for CORS or Protégé to follow) with
``Vary: Accept`` and ``Content-Location: /BreastCancer.ttl`` naming the representation sent; each
representation also has its own URL by suffix (``.ttl``, ``.jsonld``, ``.rdf``, ``.nt``, ``.html``),
which is answered in that format whatever ``Accept`` says. The IRIs name terms and associations; the
suffixed URLs name documents about them. When ``Accept`` ties or is absent the server's order decides
(:data:`RESOURCE_OFFERS`, :data:`ONTOLOGY_OFFERS`): HTML for terms, so a link pasted anywhere reads well,
and RDF/XML for the ontology IRI, which is what Protégé's "open from URL" and the OWL API want.

Minted IRIs never end in one of those suffixes, which keeps the mapping unambiguous. ``/browse`` (the
index by category), ``/context.jsonld`` (the JSON-LD context) and ``/api/...`` are the server's own
pages; since ``/context.jsonld`` is taken, the JSON-LD of the property ``mkg:context`` is reached with
``Accept: application/ld+json`` on ``/context``.

An unknown IRI is a 404 (HTML or plain text by ``Accept``), an ``Accept`` nothing matches a 406.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import flask
import pyoxigraph as ox
from werkzeug.wrappers import Response

from kg.hpo.summary import xrefs_file
from kg.prefixes import default_prefixes
from kg.release.files import read_manifest
from kg.release.sssom import FILE_NAME as SSSOM_FILE
from server.engine.service import QueryOutcome, QueryService, etag_matches
from server.protocol.conneg import choose
from server.protocol.formats import BY_NAME, Format
from server.protocol.jsonld import EXPANDED, compact_graph, requested_profile
from server.release import MANIFEST
from server.web.catalog import Catalog, catalog, jsonld_context, kg_base
from server.web.hierarchy import TreeNode, ancestor_tree, direct_children
from server.web.http import error_response, html_page
from server.web.ldpage import EVIDENCE_CODES, build_view
from server.web.ldquery import QUERIES, QueryFailed, iri_term, run_graph, run_select
from server.web.mappings import load_evidence, merge_mappings
from server.web.search import Hit
from server.web.sparql import public_base

__all__ = ["ONTOLOGY_OFFERS", "RESOURCE_OFFERS", "blueprint", "href", "page_context"]

blueprint = flask.Blueprint("linked_data", __name__)

HTML = Format("html", "text/html", ("application/xhtml+xml",), "html", "", "")
PLAIN = Format("text", "text/plain", (), "txt", "", "")
RESOURCE_OFFERS: tuple[Format, ...] = (
    HTML,
    BY_NAME["turtle"],
    BY_NAME["jsonld"],
    BY_NAME["rdfxml"],
    BY_NAME["ntriples"],
)
ONTOLOGY_OFFERS: tuple[Format, ...] = (
    BY_NAME["rdfxml"],
    BY_NAME["turtle"],
    BY_NAME["jsonld"],
    BY_NAME["ntriples"],
    HTML,
)
SUFFIXES: dict[str, Format] = {"." + f.extension: f for f in RESOURCE_OFFERS}
LABELS = {"html": "HTML", "turtle": "Turtle", "jsonld": "JSON-LD", "rdfxml": "RDF/XML", "ntriples": "N-Triples"}

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self';"
    " frame-ancestors 'none'"
)
# What a minted IRI's local part may contain (RFC 3987 unreserved, sub-delims, ':', '@', '/').
_LOCAL = re.compile(r"^(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})+$")
_NS = default_prefixes()  # the project's prefix table (kg/prefixes.tsv)
DCTERMS = _NS["dcterms"]
RDFS = _NS["rdfs"]
OWL = _NS["owl"]
_SUGGESTIONS = 5
_SUGGESTED_KINDS = frozenset({"class", "property", "association", "statistic", "source", "individual", "ontology"})
_RELEASE_FILE = re.compile(r"^releases/(\d{4}-\d{2}-\d{2})/([A-Za-z0-9][A-Za-z0-9._-]*)$")
_MEDIA_TYPES = {
    ".owl": "application/rdf+xml",
    ".rdf": "application/rdf+xml",
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".tsv": "text/tab-separated-values",
    ".txt": "text/plain",
}


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


def _site_prefix() -> str:
    """The path this server's pages live under: that of ``--base-url``, else the WSGI script root."""
    configured = _service().config.public_base
    if configured:
        return urlsplit(configured).path.rstrip("/")
    return flask.request.script_root.rstrip("/")


def href(iri: str) -> str:
    """Where a link to ``iri`` points: this server for the KG's own IRIs, the IRI itself for other web IRIs.

    Any other scheme (``urn:``, ``javascript:``, ...) gives ``""``: templates then show text, not a link.
    """
    base = kg_base(_service())
    if iri.startswith(base):
        return _site_prefix() + "/" + quote(iri[len(base) :], safe="/:@!$&'()*+,;=-._~%")
    if iri.startswith(("http://", "https://")):
        return iri
    return ""


def _graphs() -> dict[str, int]:
    return _service().dataset.graphs


def _ontology_iri(base: str) -> str:
    return base + "metastasis-kg.owl"


@dataclass(frozen=True)
class Alternate:
    """One representation of a resource, for ``<link rel="alternate">`` and the ``Link`` header."""

    format: Format
    href: str

    @property
    def label(self) -> str:
        """The format's human name."""
        return LABELS[self.format.name]


def _alternates(iri: str, offers: tuple[Format, ...]) -> list[Alternate]:
    return [Alternate(fmt, f"{href(iri)}.{fmt.extension}") for fmt in offers]


def _etag(iri: str, fmt: Format) -> str:
    service = _service()
    profile = requested_profile(flask.request.headers.get("Accept")) if fmt.name == "jsonld" else None
    key = "\0".join((service.tag, iri, fmt.name, public_base(), _site_prefix(), profile or ""))
    return '"ld-' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _common_headers(
    response: Response, iri: str, fmt: Format, offers: tuple[Format, ...], negotiated: bool
) -> Response:
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = f"{href(iri)}.{fmt.extension}"
    response.headers["Link"] = ", ".join(
        f'<{alt.href}>; rel="alternate"; type="{alt.format.media_type}"' for alt in _alternates(iri, offers)
    )
    response.headers.setdefault("Cache-Control", "public, no-cache")
    if fmt is HTML:
        response.headers["Content-Security-Policy"] = CSP
    return response


def _suggestions(local: str | None) -> list[Hit]:
    """The terms a mistyped local name most likely meant (``breastcancer``: breast cancer), best first."""
    if not local:
        return []
    name = local.rsplit("/", 1)[-1]
    try:
        return catalog().search.closest(name, limit=_SUGGESTIONS, kinds=_SUGGESTED_KINDS)
    except QueryFailed:
        return []


def _not_found(message: str, local: str | None = None) -> Response:
    """A 404 as an HTML page, problem details or text by ``Accept``, offering the closest labels to ``local``."""
    suggestions = _suggestions(local)
    fmt = choose(flask.request.headers.get("Accept"), (PLAIN, HTML))
    if fmt is HTML:
        html = flask.render_template(
            "ld_error.html", status=404, message=message, suggestions=suggestions, **page_context()
        )
        response = flask.Response(html, status=404, content_type="text/html; charset=utf-8")
        response.headers["Content-Security-Policy"] = CSP
    else:
        detail = f"404 Not Found: {message}"
        if suggestions:
            detail += "; did you mean: " + "; ".join(f"{hit.label} <{href(hit.iri)}>" for hit in suggestions)
        response = error_response(
            404,
            detail,
            suggestions=[{"label": hit.label, "iri": hit.iri, "href": href(hit.iri)} for hit in suggestions] or None,
        )
    response.vary.add("Accept")
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_acceptable(offers: tuple[Format, ...]) -> Response:
    kinds = [f.media_type for f in offers]
    accept = flask.request.headers.get("Accept")
    message = f"cannot produce any format named in Accept: {accept}\navailable: {', '.join(kinds)}"
    response = QueryOutcome.error(406, message, available=kinds).to_response()
    response.vary.add("Accept")
    return response


def page_context() -> dict[str, Any]:
    """What every page's layout needs: the link maker, the release version, the ontology IRI."""
    service = _service()
    return {
        "href": href,
        "version": service.dataset.version,
        "ontology_iri": _ontology_iri(kg_base(service)),
    }


def _jsonld_document(triples: list[ox.Triple], cat: Catalog, first: str | None) -> dict[str, Any]:
    """Compacted JSON-LD of ``triples`` with the KG's context, ``first`` leading (pages embed it, .jsonld sends it)."""
    return compact_graph(sorted(set(triples), key=str), cat.context, public_base() + "/context.jsonld", first=first)


def _serialize(triples: list[ox.Triple], fmt: Format, cat: Catalog, first: str | None) -> bytes:
    """``triples`` in ``fmt``; JSON-LD compacted with the KG's context unless the expanded profile is asked for."""
    ordered = sorted(set(triples), key=str)
    if fmt.name == "jsonld":
        if requested_profile(flask.request.headers.get("Accept")) == EXPANDED:
            return ox.serialize(ordered, format=ox.RdfFormat.JSON_LD) or b""
        document = _jsonld_document(ordered, cat, first)
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
    rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
    prefixes = cat.context.prefixes if fmt.name in ("turtle", "rdfxml") else None
    return ox.serialize(ordered, format=rdf_format, prefixes=prefixes) or b""


def _by_label(cat: Catalog) -> Any:
    return lambda iri: (cat.label(iri).casefold(), iri)


def _incoming(iri: str, links: list[dict[str, dict[str, str]]]) -> list[ox.Triple]:
    node = ox.NamedNode(iri)
    return [
        ox.Triple(ox.NamedNode(row["value"]["value"]), ox.NamedNode(row["property"]["value"]), node)
        for row in links
        if row["direction"]["value"] == "in" and row["value"].get("type") == "uri"
    ]


def _describe(iri: str) -> tuple[list[dict[str, dict[str, str]]], list[ox.Triple]]:
    service = _service()
    links = run_select(service, "ld-links", {"resource": iri_term(iri)})
    described = run_graph(service, "ld-describe", {"resource": iri_term(iri)}) if links else []
    return links, described


def _respond(body: bytes, fmt: Format, etag: str, status: int = 200) -> Response:
    response = flask.Response(body, status=status, content_type=fmt.content_type)
    response.set_etag(etag.strip('"'))
    return response


def _resource(iri: str, fmt: Format, offers: tuple[Format, ...], negotiated: bool) -> Response:
    """A term, association, statistic, source, ...: its description and incoming links."""
    links, described = _describe(iri)
    if not links:
        return _not_found(f"no resource <{iri}> in this knowledge graph", iri.removeprefix(kg_base(_service())))
    cat = catalog()
    etag = _etag(iri, fmt)
    triples = described + _incoming(iri, links)
    if fmt is HTML:
        service = _service()
        view_rows: dict[str, Any] = {}
        kind = cat.kind(iri)
        term = {"term": iri_term(iri)}
        tree: list[TreeNode] = []
        children: list[str] = []
        if kind in ("class", "individual", "resource", "property"):
            view_rows["associations"] = run_select(service, "ld-associations", term)
        if kind == "class":
            view_rows["hpo"] = run_select(service, "ld-hpo-diseases", {"finding": iri_term(iri)})
            tree = ancestor_tree(iri, run_select(service, "ld-ancestors", term), cat.label)
            children = sorted(direct_children(run_select(service, "ld-children", term)), key=_by_label(cat))
        if kind == "association":
            view_rows["figures"] = run_select(service, "ld-figures", {"fact": iri_term(iri)})
        view = build_view(iri, links, described, cat, **view_rows)
        mappings = merge_mappings(
            view.label,
            [(kind, v.iri) for kind, v in view.mappings if v.iri],
            [x.text for x in view.xrefs],
            load_evidence(xrefs_file()),
        )
        html = flask.render_template(
            "ld_resource.html",
            view=view,
            tree=tree,
            children=children,
            mappings=mappings,
            evidence_codes=EVIDENCE_CODES,
            label=cat.label,
            alternates=_alternates(iri, tuple(f for f in offers if f is not HTML)),
            jsonld=_jsonld_document(triples, cat, iri),
            **page_context(),
        )
        return _common_headers(_respond(html.encode(), fmt, etag), iri, fmt, offers, negotiated)
    body = _serialize(triples, fmt, cat, iri)
    return _common_headers(_respond(body, fmt, etag), iri, fmt, offers, negotiated)


def _graph_rdf(iri: str, graph: str, fmt: Format, offers: tuple[Format, ...], negotiated: bool) -> Response:
    """A whole named graph in an RDF format, serialized by the query workers (JSON-LD compacted here)."""
    service = _service()
    if fmt.name == "jsonld":
        triples = run_graph(service, "ld-graph", {"graph": iri_term(graph)})
        body = _serialize(triples, fmt, catalog(), iri)
        return _common_headers(_respond(body, fmt, _etag(iri, fmt)), iri, fmt, offers, negotiated)
    outcome = service.run_query(
        QUERIES["ld-graph"],
        bindings={"graph": iri_term(graph)},
        accept=fmt.media_type,
        if_none_match=flask.request.headers.get("If-None-Match"),
    )
    response = outcome.to_response()
    if outcome.status not in (200, 304):
        return response
    return _common_headers(response, iri, fmt, offers, negotiated)


def _ontology_page(iri: str, graph: str, offers: tuple[Format, ...], negotiated: bool) -> Response:
    service = _service()
    cat = catalog()
    links, described = _describe(iri)
    header = build_view(iri, links, described, cat)
    entities: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for row in run_select(service, "ld-ontology-entities", {"graph": iri_term(graph)}):
        entity, kind = row["entity"]["value"], row["type"]["value"].rsplit("#", 1)[-1]
        if (entity, kind) in seen:
            continue
        seen.add((entity, kind))
        entities[kind].append(
            {
                "iri": entity,
                "label": cat.label(entity),
                "definition": row.get("definition", {}).get("value", ""),
                "deprecated": row.get("deprecated", {}).get("value") in ("true", "1"),
            }
        )
    for items in entities.values():
        items.sort(key=lambda item: (item["label"].casefold(), item["iri"]))
    facts = {pv.iri: [v.iri or v.text for v in pv.values] for pv in header.outgoing}
    for row in links:  # description and comment are not listed among the outgoing statements
        prop = row["property"]["value"]
        value = row["value"]["value"]
        wanted = row["direction"]["value"] == "out" and prop in (DCTERMS + "description", RDFS + "comment")
        if wanted and value not in facts.setdefault(prop, []):
            facts[prop].append(value)
    meta = {
        "title": (facts.get(DCTERMS + "title") or [header.label])[0],
        "version_info": (facts.get(OWL + "versionInfo") or [service.dataset.version or ""])[0],
        "version_iri": (facts.get(OWL + "versionIRI") or [""])[0],
        "creators": facts.get(DCTERMS + "creator", []),
        "licences": facts.get(DCTERMS + "license", []),
        "descriptions": facts.get(DCTERMS + "description", []),
        # rdfs:comment on the ontology is the editors' note: last, its `code` spans shown as code.
        "notes": [_code_spans(note) for note in facts.get(RDFS + "comment", [])],
    }
    jsonld = _jsonld_document(described, cat, iri)
    html = flask.render_template(
        "ld_ontology.html",
        mappings_file=_release_file_href(SSSOM_FILE),
        view=header,
        meta=meta,
        entities=entities,
        triples=_graphs().get(graph, 0),
        alternates=_alternates(iri, tuple(f for f in offers if f is not HTML)),
        jsonld=jsonld,
        label=cat.label,
        **page_context(),
    )
    response = _respond(html.encode(), HTML, _etag(iri, HTML))
    return _common_headers(response, iri, HTML, offers, negotiated)


def _release_file_href(name: str) -> str:
    """The link to file ``name`` of the served release (``/releases/<date>/<name>``), or ``""`` if it has none."""
    release = _service().release
    if release is None or name not in (read_manifest(release.folder).get("files") or {}):
        return ""
    return href(f"{kg_base(_service())}releases/{release.version}/{name}")


def _code_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` split at Markdown backticks into (part, is_code) pairs, so a note reads without raw backticks."""
    return [(part, i % 2 == 1) for i, part in enumerate(text.split("`")) if part]


def _graph_page(iri: str, offers: tuple[Format, ...], negotiated: bool) -> Response:
    cat = catalog()
    size = _graphs().get(iri, 0)
    triples = [
        ox.Triple(
            ox.NamedNode(iri),
            ox.NamedNode("http://rdfs.org/ns/void#triples"),
            ox.Literal(str(size), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
    ]
    html = flask.render_template(
        "ld_graph.html",
        iri=iri,
        name=iri.rsplit("/", 1)[-1],
        size=size,
        alternates=_alternates(iri, tuple(f for f in offers if f is not HTML)),
        jsonld=compact_graph(triples, cat.context, public_base() + "/context.jsonld", first=iri),
        **page_context(),
    )
    return _common_headers(_respond(html.encode(), HTML, _etag(iri, HTML)), iri, HTML, offers, negotiated)


def _release_file(version: str, name: str) -> Response:
    service = _service()
    release = service.release
    if release is None or version != release.version:
        return _not_found(f"this server serves release {release.version if release else '(none)'}, not {version}")
    manifest = read_manifest(release.folder)
    files = dict(manifest.get("files") or {})
    files[MANIFEST] = release.fingerprint  # the manifest itself, which lists every other file
    if name not in files:
        return _not_found(f"release {version} has no file {name}")
    path: Path = release.folder / name
    media = _MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = flask.send_file(path, mimetype=media, etag=str(files[name]), conditional=True, max_age=None)
    if media.startswith("text/") or media.endswith(("+xml", "+json", "/n-triples", "/n-quads", "/trig", "/json")):
        response.headers["Content-Type"] = f"{media}; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@blueprint.route("/context.jsonld")
def context() -> Response:
    """The JSON-LD context of the KG's vocabulary, for apps that read the JSON-LD compactly."""
    etag = _etag("context.jsonld", BY_NAME["jsonld"])
    if etag_matches(flask.request.headers.get("If-None-Match"), etag):
        response = flask.Response(status=304)
        response.set_etag(etag.strip('"'))
        return response
    body = json.dumps(jsonld_context().document(), ensure_ascii=False, indent=1) + "\n"
    response = flask.Response(body, content_type="application/ld+json; charset=utf-8")
    response.set_etag(etag.strip('"'))
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@blueprint.route("/browse")
def browse() -> Response:
    """The index: every term by category, associations by kind, the evidence; a search form that needs no script."""
    cat = catalog()
    query = flask.request.args.get("q", "").strip()
    hits = cat.search.search(query, limit=100) if query else []
    sections: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for row in run_select(_service(), "ld-index"):
        iri = row["iri"]["value"]
        if not iri.startswith(cat.base):
            continue
        sections[row["section"]["value"]][row["category"]["value"]].append((cat.label(iri), iri))
    ordered = []
    for section in ("classes", "associations", "evidence", "individuals", "properties"):
        categories = sections.get(section, {})
        ordered.append(
            (
                section,
                sorted(
                    (
                        (category, cat.label(category), sorted(set(items), key=lambda item: item[0].casefold()))
                        for category, items in categories.items()
                    ),
                    key=lambda group: (-len(group[2]), group[1].casefold()),
                ),
            )
        )
    html = flask.render_template(
        "ld_index.html",
        sections=ordered,
        query=query,
        hits=hits,
        **page_context(),
    )
    return html_page(html, CSP)


@blueprint.route("/<path:local>")
def resolve(local: str) -> Response:
    """Answer for the KG IRI this path stands for, in the negotiated or suffix-named format."""
    release_file = _RELEASE_FILE.match(local)
    if release_file:
        return _release_file(*release_file.groups())
    fmt: Format | None = None
    for suffix, suffix_format in SUFFIXES.items():
        if local.endswith(suffix) and len(local) > len(suffix):
            local, fmt = local[: -len(suffix)], suffix_format
            break
    base = kg_base(_service())
    iri = base + local
    if not _LOCAL.match(local):
        return _not_found(f"{local!r} is not the local part of an IRI minted by this knowledge graph")
    graph = iri if iri in _graphs() else None
    ontology = iri == _ontology_iri(base)
    if ontology:
        graph = base + "graph/ontology"
    offers = ONTOLOGY_OFFERS if ontology else RESOURCE_OFFERS
    negotiated = fmt is None
    if fmt is None:
        fmt = choose(flask.request.headers.get("Accept"), offers)
        if fmt is None:
            if graph is None and not run_select(_service(), "ld-links", {"resource": iri_term(iri)}):
                return _not_found(f"no resource <{iri}> in this knowledge graph", local)
            return _not_acceptable(offers)
    etag = _etag(iri, fmt)
    if (fmt is HTML or graph is None or fmt.name == "jsonld") and etag_matches(
        flask.request.headers.get("If-None-Match"), etag
    ):
        response = flask.Response(status=304)
        response.set_etag(etag.strip('"'))
        return _common_headers(response, iri, fmt, offers, negotiated)
    if ontology and fmt is HTML:
        return _ontology_page(iri, graph or "", offers, negotiated)
    if graph is not None and fmt is HTML:
        return _graph_page(iri, offers, negotiated)
    if graph is not None:
        return _graph_rdf(iri, graph, fmt, offers, negotiated)
    return _resource(iri, fmt, offers, negotiated)


@blueprint.app_errorhandler(QueryFailed)
def _query_failed(failed: QueryFailed) -> Response:
    """A server query (a page's, the catalog's, the JSON-LD context's) failed: pass the executor's answer on.

    App-wide, since /sparql and the API need the context for compacted JSON-LD.
    """
    return failed.outcome.to_response()
