"""``/health`` for monitors, ``/.well-known/void`` for dataset crawlers, ``/prefixes.json`` for editors.

``/health`` answers 200 while the process that answers can query its engine, so a load balancer or the
``make run`` smoke test learns about a broken server from one request. It names the release and its
size, and describes every process of the server: the supervisor (gunicorn's arbiter) and each live
worker with its connections, requests, queries, time-outs and whether it is retiring, read from the
snapshots the workers write (:mod:`server.health`). ``process`` is the pid of the worker that answered.

``/prefixes.json`` is the project's prefix table (``kg/prefixes.tsv``) as ``{"owl": "http://...#"}``, the
shape YASGUI's ``yasqe.addPrefixes`` takes: the prefixes ``/sparql`` lets a query use undeclared.
"""

from __future__ import annotations

import os
import time
from typing import Any

import flask
from werkzeug.wrappers import Response

from server.engine.service import QueryOutcome, QueryService
from server.health import read_snapshots
from server.protocol.conneg import choose
from server.protocol.description import serialize_description, void_description
from server.protocol.formats import DESCRIPTION_FORMATS
from server.web.sparql import public_base

__all__ = ["blueprint"]

blueprint = flask.Blueprint("meta", __name__)


def _service() -> QueryService:
    service: QueryService = flask.current_app.extensions["mkg"]
    return service


def _processes(service: QueryService, engine: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    own = {"pid": os.getpid(), "role": "worker", **service.counters(), **engine}
    folder = service.config.state_dir
    if folder is None:
        return None, [own]
    supervisor, workers = read_snapshots(folder)
    # This process's own engine numbers are fresher than its last snapshot; its connection counts are not.
    last = next((w for w in workers if w["pid"] == own["pid"]), {})
    others = [w for w in workers if w["pid"] != own["pid"]]
    return supervisor, sorted([*others, {**last, **own}], key=lambda w: w["pid"])


@blueprint.route("/health")
def health() -> Response:
    """Release version, triple count and the state of every process; 503 when this one cannot query."""
    service = _service()
    engine = service.engine.health()
    healthy = engine.get("status", "ok") == "ok"
    dataset = service.dataset
    supervisor, workers = _processes(service, engine)
    body = {
        "status": "ok" if healthy else "unavailable",
        "version": dataset.version,
        "triples": dataset.triples,
        "graphs": dataset.graphs,
        "dataset_tag": service.tag,
        "engine": engine.get("engine"),
        "process": os.getpid(),
        "uptime_s": round(time.time() - service.started, 1),
        "supervisor": supervisor,
        "workers": workers,
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
    response.set_etag(f"void-{service.tag}-{fmt.name}")
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(flask.request)


@blueprint.route("/prefixes.json")
def prefix_table() -> Response:
    """The prefixes a query may use without declaring them, as ``{prefix: namespace}``."""
    service = _service()
    response = flask.jsonify(service.prefixes)
    response.set_etag(f"prefixes-{service.tag}")
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(flask.request)
