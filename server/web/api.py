"""The REST API: stored queries as GET URLs, term search, and the OpenAPI document that describes them.

``GET /api/queries/<name>?param=...`` runs one query of the library through the shared executor: the
parameters are checked by :mod:`kg.library.storedqueries` and bound as RDF terms (never pasted into the query
text), and the answer comes in any format the SPARQL endpoint offers, by ``Accept``. Unlike grlc, a
missing, unknown, repeated or malformed parameter is a 400 that names it; an unknown query a 404; an
``Accept`` nothing satisfies a 406 (never a relayed error dressed as 200); errors are RFC 9457 problem
details for clients that prefer JSON (:mod:`server.protocol.problem`), with the bad parameter named in
``parameter``. The columns are the query's answer: its parameter variables (``?_primary_iri``), projected
only so they can be bound, are left out of every format. ``limit`` (at most :data:`MAX_PAGE`) and
``offset`` (alone: pages of :data:`DEFAULT_PAGE`) page a SELECT result, cut from the whole capped result
so pages never overlap or skip, with ``Link: rel="next"``/``rel="prev"`` (RFC 8288) and the row count of
the whole result in ``MKG-Result-Total``; they are reserved names, never query parameters. The library is the
``--queries`` folder when given (headers optional there), else the packaged ``queries/``, read once
when the app is built.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask
from werkzeug.wrappers import Response

from kg import __version__
from kg.errors import UserError
from kg.library.storedqueries import StoredQuery, load_library, parse_query
from server.engine.base import Page
from server.engine.service import QueryOutcome, QueryService
from server.protocol.conneg import choose
from server.protocol.formats import Format, formats_for_form
from server.protocol.guard import QueryRefused, inspect_query
from server.web.catalog import catalog, compaction
from server.web.ldquery import QueryFailed
from server.web.openapi import openapi_document
from server.web.paging import DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE, PAGING, TOTAL_HEADER

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "PAGING", "blueprint", "load_api_library"]

log = logging.getLogger(__name__)

blueprint = flask.Blueprint("api", __name__)

JSON = Format("json", "application/json", (), "json", "", "")
_EXTENSION = "mkg-api"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KINDS = frozenset(
    {"class", "property", "association", "statistic", "statistic-group", "source", "individual", "ontology", "resource"}
)
_MAX_LIMIT = 100
_PARAMETER_FIELD = re.compile(r"^parameter '([^']+)'$")  # how kg.library.storedqueries names a bad value's field


def load_api_library(folder: Path | None) -> dict[str, StoredQuery]:
    """The stored queries the API serves: the packaged library, or every ``*.rq`` in ``folder``.

    The packaged library must be fully documented (:func:`kg.library.storedqueries.load_library`); a folder of
    one's own may leave out summaries and tags. A file that does not parse stops start-up with a
    message naming it; a file whose name cannot be a URL segment is skipped with a warning.
    """
    if folder is None:
        return load_library()
    library: dict[str, StoredQuery] = {}
    if not folder.is_dir():
        return library
    for path in sorted(folder.glob("*.rq")):
        if not _NAME.match(path.stem):
            log.warning("%s: not served by the REST API: name it with lower-case words joined by '-'", path)
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UserError(f"cannot read query file: {err}", path=path) from err
        library[path.stem] = parse_query(text, path.stem, path)
    return library


def _form(query: StoredQuery, config_limit: int) -> str | None:
    try:
        return inspect_query(query.text, max_length=max(config_limit, len(query.text)), max_nesting=10_000).form
    except QueryRefused:
        return None


@blueprint.record_once
def _load(state: Any) -> None:
    service: QueryService = state.app.extensions["mkg"]
    library = load_api_library(service.config.queries)
    forms = {name: _form(query, service.config.max_query_length) for name, query in library.items()}
    state.app.extensions[_EXTENSION] = {"library": library, "forms": forms}


def _library() -> dict[str, StoredQuery]:
    library: dict[str, StoredQuery] = flask.current_app.extensions[_EXTENSION]["library"]
    return library


def _formats(name: str) -> tuple[Format, ...]:
    return formats_for_form(flask.current_app.extensions[_EXTENSION]["forms"][name])


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


def _error(status: int, message: str, **fields: Any) -> Response:
    return QueryOutcome.error(status, message, **fields).to_response()


def _json(body: Any) -> Response:
    """``body`` as JSON, or a 406 when the client accepts no JSON."""
    if choose(flask.request.headers.get("Accept"), (JSON,)) is None:
        return _error(406, f"this resource is JSON only; Accept was: {flask.request.headers.get('Accept')}")
    response = flask.jsonify(body)
    response.vary.add("Accept")
    return response


def _root() -> str:
    configured = _service().config.public_base
    return configured or flask.request.url_root.rstrip("/")


def _describe(name: str, query: StoredQuery) -> dict[str, Any]:
    return {
        "name": name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "url": flask.url_for("api.run", name=name),
        "parameters": [
            {
                "name": p.name,
                "type": p.type_label,
                "required": p.required and p.default is None,
                "default": p.default,
            }
            for p in query.parameters
        ],
        "formats": [f.media_type for f in _formats(name)],
    }


@blueprint.route("/api/queries")
def queries() -> Response:
    """Every stored query with its documentation and parameters."""
    return _json([_describe(name, query) for name, query in _library().items()])


def _bindings(query: StoredQuery) -> dict[str, dict[str, str]] | Response:
    """The request's parameters as checked terms, or the 400 naming what is wrong with them."""
    args = flask.request.args
    given: dict[str, str] = {}
    names: set[str] = set()
    for key in args:
        values = args.getlist(key)
        if len(values) > 1:
            return _error(400, f"parameter '{key}' is given {len(values)} times; give it once", parameter=key)
        if key in PAGING:
            continue
        try:
            parameter = query.parameter(key)
        except UserError as err:
            return _error(400, str(err), parameter=key)
        if parameter.name in names:
            return _error(400, f"parameter '{parameter.name}' is given twice (as '{key}' too)", parameter=key)
        names.add(parameter.name)
        given[key] = values[0]
    for parameter in query.parameters:
        if parameter.required and parameter.default is None and parameter.name not in names:
            return _error(
                400,
                f"missing required parameter '{parameter.name}' ({parameter.type_label}) of query '{query.name}':"
                f" add ?{parameter.name}=VALUE to the URL",
                parameter=parameter.name,
            )
    try:
        return query.json_bindings(given)
    except UserError as err:
        named = _PARAMETER_FIELD.match(err.field or "")
        return _error(400, str(err), parameter=named.group(1) if named else None)


def _page(query: StoredQuery, name: str) -> Page | Response:
    """The columns to leave out (the query's parameters) and the rows asked for by ``limit``/``offset``."""
    hidden = query.hidden_columns
    args = flask.request.args
    if not any(key in args for key in PAGING):
        return Page(hidden)
    if flask.current_app.extensions[_EXTENSION]["forms"][name] != "select":
        return _error(400, f"query '{name}' is not a SELECT query: its result has no rows to page", parameter="limit")
    numbers: dict[str, int] = {}
    for key, low, high in (("limit", 1, MAX_PAGE), ("offset", 0, MAX_OFFSET)):
        text = args.get(key)
        if text is None:
            continue
        if not text.isdigit() or not low <= int(text) <= high:
            return _error(
                400, f"parameter '{key}' must be a whole number from {low} to {high}, got {text!r}", parameter=key
            )
        numbers[key] = int(text)
    return Page(hidden, numbers.get("offset", 0), numbers.get("limit", DEFAULT_PAGE))


def _page_links(name: str, page: Page, total: int) -> list[str]:
    """RFC 8288 ``Link`` values to the next and previous pages of the same query, same parameters."""
    assert page.limit is not None
    others = [(k, v) for k, v in flask.request.args.items(multi=True) if k not in PAGING]
    links = []
    url = flask.url_for("api.run", name=name)
    if page.offset + page.limit < total:
        query = urlencode([*others, ("limit", page.limit), ("offset", page.offset + page.limit)])
        links.append(f'<{url}?{query}>; rel="next"')
    if page.offset > 0:
        query = urlencode([*others, ("limit", page.limit), ("offset", max(0, page.offset - page.limit))])
        links.append(f'<{url}?{query}>; rel="prev"')
    return links


@blueprint.route("/api/queries/<name>")
def run(name: str) -> Response:
    """Run stored query ``name`` with the URL's parameters; results as ``Accept`` asks."""
    query = _library().get(name)
    if query is None:
        return _error(404, f"no stored query '{name}'; GET {flask.url_for('api.queries')} lists them")
    bindings = _bindings(query)
    if isinstance(bindings, Response):
        return bindings
    page = _page(query, name)
    if isinstance(page, Response):
        return page
    outcome = _service().run_query(
        query.text,
        bindings=bindings,
        accept=flask.request.headers.get("Accept"),
        if_none_match=flask.request.headers.get("If-None-Match"),
        page=page,
        compaction=compaction(_root() + "/context.jsonld"),
    )
    response = outcome.to_response()
    links = [f'<{flask.url_for("api.openapi")}>; rel="describedby"']
    if page.limit is not None and outcome.total is not None:
        links += _page_links(name, page, outcome.total)
        response.headers[TOTAL_HEADER] = str(outcome.total)
    response.headers["Link"] = ", ".join(links)
    return response


@blueprint.route("/api/search")
def search() -> Response:
    """Terms whose label or synonym matches ``q``, best first."""
    args = flask.request.args
    text = args.get("q", "")
    if not text.strip():
        return _error(400, "missing required parameter 'q': the text to search for, e.g. ?q=breast", parameter="q")
    try:
        limit = int(args.get("limit", "20"))
    except ValueError:
        message = f"parameter 'limit' must be a whole number from 1 to {_MAX_LIMIT}, got {args['limit']!r}"
        return _error(400, message, parameter="limit")
    if not 1 <= limit <= _MAX_LIMIT:
        return _error(400, f"parameter 'limit' must be from 1 to {_MAX_LIMIT}, got {limit}", parameter="limit")
    kinds = None
    if args.get("kind"):
        kinds = frozenset(k.strip() for k in args["kind"].split(",") if k.strip())
        unknown = sorted(kinds - _KINDS)
        if unknown:
            return _error(
                400, f"parameter 'kind' names unknown kinds {unknown}; known: {sorted(_KINDS)}", parameter="kind"
            )
    if choose(flask.request.headers.get("Accept"), (JSON,)) is None:
        return _error(406, f"search results are JSON only; Accept was: {flask.request.headers.get('Accept')}")
    try:
        hits = catalog().search.search(text, limit=limit, kinds=kinds)
    except QueryFailed as failed:
        return failed.outcome.to_response()
    return _json([hit.to_json() for hit in hits])


def _document() -> dict[str, Any]:
    service = _service()
    library = _library()
    formats = {name: _formats(name) for name in library}
    version = service.dataset.version or __version__
    return openapi_document(library, formats, server_url=_root(), version=version)


@blueprint.route("/api/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document, generated from the stored queries' headers."""
    return _json(_document())
