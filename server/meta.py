"""``/health`` for monitors and ``/.well-known/void`` for dataset crawlers.

``/health`` answers 200 only while query workers are running, so a load balancer or ``make run`` smoke
test learns about a broken server from one request; it also names the release version and size. Its
counters (queries, timeouts, crashes) are those of the front process that answered (``front``).
"""

from __future__ import annotations

import os

import flask
from werkzeug.wrappers import Response

from server.conneg import choose
from server.description import serialize_description, void_description
from server.formats import DESCRIPTION_FORMATS
from server.service import QueryOutcome, QueryService
from server.sparql import public_base

__all__ = ["blueprint"]

blueprint = flask.Blueprint("meta", __name__)


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


@blueprint.route("/health")
def health() -> Response:
    """Release version, triple count and worker state; 503 when no query worker is alive."""
    service = _service()
    pool = service.pool
    dataset = service.dataset
    healthy = pool.alive > 0
    body = {
        "status": "ok" if healthy else "unavailable",
        "version": dataset.version,
        "triples": dataset.triples,
        "graphs": dataset.graphs,
        "dataset_tag": service.backend.tag,
        "front": os.getpid(),
        "workers": {"alive": pool.alive, "idle": pool.idle, "size": pool.size},
        "quick_workers": {"alive": pool.reserved_alive, "idle": pool.reserved_idle, "size": pool.reserve},
        "queries": pool.stats.queries,
        "timeouts": pool.stats.timeouts,
        "crashes": pool.stats.crashes,
        "recycled": pool.stats.recycled,
        "slow_queries": pool.stats.slow,
        "network_isolated": pool.stats.network_isolated,
        "cache": {"entries": len(service.cache), "bytes": service.cache.size, "hits": service.cache.hits},
    }
    response = flask.jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/.well-known/void")
def void() -> Response:
    """The VoID description, in Turtle, JSON-LD, RDF/XML or N-Triples."""
    fmt = choose(flask.request.headers.get("Accept"), DESCRIPTION_FORMATS)
    if fmt is None:
        kinds = ", ".join(f.media_type for f in DESCRIPTION_FORMATS)
        return QueryOutcome.error(406, f"VoID is available as: {kinds}").to_response()
    service = _service()
    release_void = service.release.folder / "void.ttl" if service.release else None
    graph = void_description(public_base() + "/sparql", service.dataset, release_void)
    response = flask.Response(serialize_description(graph, fmt), content_type=fmt.content_type)
    response.vary.add("Accept")
    response.set_etag(f"void-{service.backend.tag}-{fmt.name}")
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(flask.request)
