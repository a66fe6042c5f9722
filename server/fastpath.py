"""A WSGI fast path for ``/sparql`` queries that skips Flask's request and response machinery.

Answering a cached query is a dictionary look-up; the Flask layers around it (request context,
routing, response objects, hooks) cost several times more than the look-up itself. This wrapper reads
the request with :mod:`server.protocol`, runs it through the same :class:`~server.service.QueryService`,
adds the same shared headers as :mod:`server.http`, and hands everything else (the Service Description,
OPTIONS, every other path) to the Flask app unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from server.http import shared_headers
from server.protocol import ProtocolRefusal, read_request
from server.service import QueryOutcome, QueryService

__all__ = ["SparqlFastPath"]

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class SparqlFastPath:
    """WSGI middleware answering ``GET``/``HEAD``/``POST /sparql`` queries; the rest goes to ``fallback``."""

    def __init__(self, fallback: WSGIApp, service: QueryService, path: str = "/sparql") -> None:
        self.fallback = fallback
        self.service = service
        self.path = path

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer a query here, or pass the request on to the Flask app."""
        method = environ.get("REQUEST_METHOD", "GET")
        if environ.get("PATH_INFO") != self.path or method not in ("GET", "HEAD", "POST"):
            return self.fallback(environ, start_response)
        try:
            outcome = self._outcome(environ, method)
        except Exception:
            log.exception("unexpected error answering a query")
            outcome = QueryOutcome.error(500, "internal server error")
        if outcome is None:
            return self.fallback(environ, start_response)
        status, headers, body = outcome.render(environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_ACCEPT_ENCODING"))
        pairs = list(headers.items()) + shared_headers(method)
        pairs.append(("Content-Length", str(len(body))))
        start_response(_reason(status), pairs)
        return [b"" if method == "HEAD" else body]

    def _outcome(self, environ: dict[str, Any], method: str) -> QueryOutcome | None:
        config = self.service.config
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return QueryOutcome.error(400, "invalid Content-Length")
        if length > config.max_body:
            return QueryOutcome.error(413, f"request body over {config.max_body} bytes")

        def read_body() -> bytes:
            data: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
            return data

        read = read_request(method, environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE"), read_body)
        if isinstance(read, ProtocolRefusal):
            outcome = QueryOutcome.error(read.status, read.message)
            outcome.headers.update(read.headers)
            return outcome
        if read.query is None:
            return None
        if method != "POST" and len(read.query) > config.max_query_length:
            return QueryOutcome.error(
                414, f"query is {len(read.query)} characters long; at most {config.max_query_length}"
            )
        return self.service.run_query(
            read.query,
            accept=environ.get("HTTP_ACCEPT"),
            default_graph_uris=read.default_graphs,
            named_graph_uris=read.named_graphs,
            if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
        )
