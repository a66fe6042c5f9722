"""``/sparql``: the SPARQL 1.1 Protocol's query operation, and the Service Description on a bare GET.

Requests are read by :mod:`server.protocol.request`; the query goes to the shared executor with the
endpoint's own URL as base IRI, so relative IRIs in a query resolve against it (as the W3C protocol
tests expect) instead of failing. A CONSTRUCT or DESCRIBE asked for as compacted JSON-LD (the
``profile`` of ``Accept``) is written with the KG's context (``/context.jsonld``); errors are text or RFC
9457 problem details by ``Accept`` (:mod:`server.protocol.problem`).
"""

from __future__ import annotations

import flask
from werkzeug.wrappers import Response

from server.engine.service import QueryOutcome, QueryService
from server.protocol.conneg import choose
from server.protocol.description import serialize_description, service_description
from server.protocol.formats import DESCRIPTION_FORMATS
from server.protocol.request import ProtocolRefusal, read_request
from server.web.catalog import compaction

__all__ = ["blueprint", "public_base"]

blueprint = flask.Blueprint("sparql", __name__)


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


def public_base() -> str:
    """The server's public URL: ``--base-url`` if configured, else what this request was sent to."""
    configured = _service().config.public_base
    return configured or flask.request.host_url.rstrip("/")


def _browser_reading() -> bool:
    """Whether a browser asks (``text/html`` preferred to every RDF type): it gets Turtle as text to read.

    Browsers would otherwise get RDF/XML (their ``application/xml;q=0.9``) and offer ``sparql.rdf``
    for download; Turtle under ``text/plain`` is displayed, readable, and still Turtle.
    """
    accept = flask.request.accept_mimetypes
    html = accept["text/html"]
    return html > 0 and all(accept[f.media_type] < html for f in DESCRIPTION_FORMATS)


def _description() -> Response:
    fmt = choose(flask.request.headers.get("Accept"), DESCRIPTION_FORMATS)
    if fmt is None:
        kinds = ", ".join(f.media_type for f in DESCRIPTION_FORMATS)
        return QueryOutcome.error(406, f"the service description is available as: {kinds}").to_response()
    service = _service()
    endpoint = public_base() + "/sparql"
    browser = _browser_reading()
    if browser:
        fmt = next(f for f in DESCRIPTION_FORMATS if f.name == "turtle")
    body = serialize_description(service_description(endpoint, service.dataset), fmt)
    response = flask.Response(body, content_type="text/plain; charset=utf-8" if browser else fmt.content_type)
    response.vary.add("Accept")
    response.set_etag(f"sd-{service.tag}-{'text' if browser else fmt.name}")
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(flask.request)


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Answer one SPARQL query (GET or POST), or describe the service when GET has no query."""
    request = flask.request
    service = _service()
    read = read_request(
        request.method,
        request.query_string.decode("latin-1"),
        request.headers.get("Content-Type"),
        lambda: request.get_data(cache=False),
    )
    if isinstance(read, ProtocolRefusal):
        response = QueryOutcome.error(read.status, read.message).to_response()
        response.headers.extend(read.headers)
        return response
    if read.query is None:
        return _description()
    if request.method != "POST" and len(read.query) > service.config.max_query_length:
        message = f"query is {len(read.query)} characters long; at most {service.config.max_query_length}"
        return QueryOutcome.error(414, message).to_response()
    outcome = service.run_query(
        read.query,
        accept=request.headers.get("Accept"),
        default_graph_uris=read.default_graphs,
        named_graph_uris=read.named_graphs,
        if_none_match=request.headers.get("If-None-Match"),
        base_iri=public_base() + "/sparql",
        compaction=compaction(public_base() + "/context.jsonld"),
    )
    return outcome.to_response()
