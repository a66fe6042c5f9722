"""``/sparql``: the SPARQL 1.1 Protocol's query operation, and the Service Description on a bare GET.

Requests arrive three ways (GET with ``query=``, POST form-encoded, POST ``application/sparql-query``);
this module reads each exactly as the protocol says, refuses the malformed ones (two queries, a query
and an update, an unknown body type) and hands the query to the shared executor.
"""

from __future__ import annotations

import flask

from server.conneg import choose
from server.description import serialize_description, service_description
from server.formats import DESCRIPTION_FORMATS
from server.service import QueryOutcome, QueryService

__all__ = ["blueprint", "public_base"]

blueprint = flask.Blueprint("sparql", __name__)

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
_UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
_READ_ONLY = "this endpoint is read-only: SPARQL Update requests are refused"


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


def public_base() -> str:
    """The server's public URL: ``--base-url`` if configured, else what this request was sent to."""
    configured = _service().config.public_base
    return configured or flask.request.host_url.rstrip("/")


def _error(status: int, message: str) -> flask.Response:
    return QueryOutcome.error(status, message).to_response()


def _description() -> flask.Response:
    fmt = choose(flask.request.headers.get("Accept"), DESCRIPTION_FORMATS)
    if fmt is None:
        kinds = ", ".join(f.media_type for f in DESCRIPTION_FORMATS)
        return _error(406, f"the service description is available as: {kinds}")
    service = _service()
    endpoint = public_base() + "/sparql"
    body = serialize_description(service_description(endpoint, service.dataset), fmt)
    response = flask.Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    response.set_etag(f"sd-{service.dataset.tag}-{fmt.name}")
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(flask.request)


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> flask.Response:
    """Answer one SPARQL query (GET or POST), or describe the service when GET has no query."""
    request = flask.request
    args = request.args
    if any(name in args for name in _UPDATE_PARAMETERS):
        return _error(403, _READ_ONLY)
    queries = args.getlist("query")
    default_graphs = args.getlist("default-graph-uri")
    named_graphs = args.getlist("named-graph-uri")
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == _FORM:
            form = request.form
            if any(name in form for name in _UPDATE_PARAMETERS):
                return _error(403, _READ_ONLY)
            queries += form.getlist("query")
            default_graphs += form.getlist("default-graph-uri")
            named_graphs += form.getlist("named-graph-uri")
        elif mimetype == _QUERY:
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                return _error(415, f"a direct POST query must be UTF-8, not {charset}")
            try:
                queries.append(request.get_data(cache=False).decode("utf-8"))
            except UnicodeDecodeError:
                return _error(400, "the query is not valid UTF-8")
        elif mimetype == _UPDATE:
            return _error(403, _READ_ONLY)
        else:
            response = _error(
                415,
                f"unsupported body type {mimetype or '(none)'!r}: send {_FORM} with a query parameter,"
                f" or the query itself as {_QUERY}",
            )
            response.headers["Accept-Post"] = f"{_FORM}, {_QUERY}"
            return response
    if len(queries) > 1:
        return _error(400, f"the request holds {len(queries)} queries; send exactly one query parameter")
    if not queries:
        if request.method == "GET":
            return _description()
        return _error(400, "the request holds no query parameter")
    query = queries[0]
    service = _service()
    if request.method == "GET" and len(query) > service.config.max_query_length:
        return _error(414, f"query is {len(query)} characters long; at most {service.config.max_query_length}")
    outcome = service.run_query(
        query,
        accept=request.headers.get("Accept"),
        default_graph_uris=default_graphs,
        named_graph_uris=named_graphs,
        if_none_match=request.headers.get("If-None-Match"),
    )
    return outcome.to_response()
