"""``/``: the query page, YASGUI (editor, tabs, results) with the stored-query library, working offline.

YASGUI and everything it needs are vendored package data (``server/static/vendor/``, ``make vendor``),
so the page loads nothing from a CDN. This module gives the page what YASGUI cannot know: the stored
queries grouped by their first tag, their parameters and defaults (the same :mod:`kg.library.storedqueries`
library as ``/api/queries``), the prefix table, the KG's classes and properties for completion and its
labels for the results table (``/query-page/vocabulary.json``, from the label catalog), and
``/query-page/bind/<name>``, which binds a stored query's form values the way the REST API does
(checked by :mod:`kg.library.storedqueries`, so a bad value is the same 400 naming its parameter) and returns
the text with the values as a ``VALUES`` block, so the editor shows exactly what runs and a shared link
reproduces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask
from werkzeug.wrappers import Response

from kg.errors import UserError
from kg.library.sparqltokens import tokens
from kg.library.storedqueries import BoundTerm, MissingParameter, StoredQuery, without_header
from server.engine.service import QueryService
from server.protocol.formats import GRAPH_FORMATS, SOLUTION_FORMATS, Format
from server.web.api import load_api_library
from server.web.catalog import catalog
from server.web.http import error_response, html_page
from server.web.ldquery import QueryFailed

__all__ = ["bind_values", "blueprint", "page_prefixes"]

blueprint = flask.Blueprint("page", __name__)

_EXTENSION = "mkg-page-library"
# Scripts only from here; YASGUI (CodeMirror, DataTables) writes style attributes into the HTML it builds.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_LABELS = {
    "json": "JSON",
    "xml": "XML",
    "csv": "CSV",
    "tsv": "TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF/XML",
    "nquads": "N-Quads",
    "trig": "TriG",
}
_STARTER_BODY = "SELECT ?class ?label\nWHERE {\n  ?class a owl:Class ;\n    rdfs:label ?label .\n}\nLIMIT 25\n"


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


def page_prefixes() -> str:
    """Where the page reads the prefix table (the one table, ``kg/prefixes.tsv``, as ``/prefixes.json``)."""
    return flask.url_for("meta.prefix_table")


def _starter(prefixes: Mapping[str, str]) -> str:
    """The first tab's query, declaring the two prefixes it uses (YASQE adds others as they are typed)."""
    lines = [f"PREFIX {name}: <{prefixes[name]}>" for name in ("owl", "rdfs") if name in prefixes]
    return "\n".join([*lines, "", _STARTER_BODY])


def _library() -> dict[str, StoredQuery]:
    app = flask.current_app
    library: dict[str, StoredQuery] | None = app.extensions.get(_EXTENSION)
    if library is None:
        library = app.extensions.setdefault(_EXTENSION, load_api_library(_service().config.queries))
    return library


def _formats(formats: tuple[Format, ...]) -> list[dict[str, str]]:
    return [
        {"name": f.name, "label": _LABELS[f.name], "mediaType": f.media_type, "extension": f.extension} for f in formats
    ]


def _example(query: StoredQuery) -> dict[str, Any]:
    return {
        "name": query.name,
        "summary": query.summary or query.name.replace("-", " "),
        "description": query.description,
        "tags": list(query.tags),
        "query": query.text,
        "parameters": [
            {"name": p.name, "type": p.type_label, "required": p.required and p.default is None, "default": p.default}
            for p in query.parameters
        ],
    }


def _groups(library: Mapping[str, StoredQuery]) -> list[dict[str, Any]]:
    """The examples by their first tag (the query's main topic), topics and titles in alphabetical order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for query in library.values():
        groups.setdefault(query.tags[0] if query.tags else "other", []).append(_example(query))
    return [
        {"tag": tag, "examples": sorted(items, key=lambda e: str(e["summary"]).casefold())}
        for tag, items in sorted(groups.items(), key=lambda item: item[0].casefold())
    ]


@blueprint.route("/")
def index() -> Response:
    """The query page, with the examples, formats and URLs it needs embedded as JSON."""
    service = _service()
    groups = _groups(_library())
    settings = {
        "endpoint": flask.url_for("sparql.sparql"),
        "prefixesUrl": page_prefixes(),
        "vocabularyUrl": flask.url_for("page.vocabulary"),
        "bindUrl": flask.url_for("page.bind", name="NAME"),
        "starter": _starter(service.prefixes),
        "examples": {e["name"]: e for group in groups for e in group["examples"]},
        "formats": {"solutions": _formats(SOLUTION_FORMATS), "graph": _formats(GRAPH_FORMATS)},
        "rowLimit": service.config.row_limit,
    }
    html = flask.render_template(
        "index.html", settings=settings, groups=groups, version=service.dataset.version, triples=service.dataset.triples
    )
    return html_page(html, _CSP)


@blueprint.route("/query-page/vocabulary.json")
def vocabulary() -> Response:
    """The KG's classes and properties (for completion) and the labels of its own IRIs (for the table)."""
    try:
        found = catalog()
    except QueryFailed as failed:
        return failed.outcome.to_response()
    classes = sorted(iri for iri, kind in found.kinds.items() if kind == "class")
    properties = sorted(iri for iri, kind in found.kinds.items() if kind == "property")
    labels = {iri: label for iri, label in sorted(found.labels.items()) if iri.startswith(found.base)}
    response = flask.jsonify({"base": found.base, "classes": classes, "properties": properties, "labels": labels})
    response.set_etag(f"vocabulary-{_service().tag}")
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(flask.request)


def _term(term: BoundTerm) -> str:
    if term.kind == "iri":
        return f"<{term.value}>"
    text = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def bind_values(text: str, bound: Mapping[str, BoundTerm]) -> str:
    """``text`` with ``VALUES (?_a ?_b) { (...) }`` opening its WHERE group: the bound values, as SPARQL.

    Joining one row of values at the start of the group gives the same solutions as binding them
    before evaluation (what the REST API does). The group is the one after the first ``WHERE``, else
    the first ``{`` (``SELECT * { ... }``); comments, strings and IRIs are skipped by the lexer.
    """
    if not bound:
        return text
    opening = None
    after_where = False
    for token in tokens(text):
        if token.kind == "word" and token.text.upper() == "WHERE":
            after_where = True
        elif token.text == "{" and (after_where or opening is None):
            opening = token
            if after_where:
                break
    if opening is None:
        raise UserError("the query has no WHERE group to bind its parameters in")
    names = " ".join(f"?{name}" for name in bound)
    values = " ".join(_term(term) for term in bound.values())
    clause = f"\n  VALUES ({names}) {{ ({values}) }}  # the form's values\n"
    return text[: opening.end] + clause + text[opening.end :].lstrip("\n")


@blueprint.route("/query-page/bind/<name>")
def bind(name: str) -> Response:
    """Stored query ``name`` with the URL's parameter values (or its defaults) bound, as ``{"query": text}``."""
    query = _library().get(name)
    if query is None:
        return error_response(404, f"no stored query '{name}'")
    given: dict[str, str] = {}
    for key, value in flask.request.args.items():
        try:
            query.parameter(key)
        except UserError as err:
            return error_response(400, str(err), parameter=key)
        if value.strip():
            given[key] = value.strip()
    try:
        text = bind_values(without_header(query.text), query.resolve(given))
    except MissingParameter as missing:
        name = missing.parameter.name
        return error_response(400, f"{missing}: fill in its field, or add ?{name}=VALUE", parameter=name)
    except UserError as err:
        return error_response(400, str(err))
    return flask.jsonify({"query": text})
