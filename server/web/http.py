"""Behaviour every response shares, whichever blueprint made it: CORS, compression, errors as text or JSON.

A request that waited for a free thread longer than ``--queue-timeout`` (the serving layer passes the
wait as ``environ["mkg.queued_seconds"]``) is answered 503 with ``Retry-After`` before any work, so a
burst costs the late requests a quick retry instead of a query that starts with its time used up.

CORS is open (``*``, no credentials) because the data are public and browser tools on other sites are
meant to query them; compression applies to any response that is large enough and not compressed yet.
"""

from __future__ import annotations

import gzip
from typing import Any

import flask
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from server.protocol.problem import error_body

__all__ = ["error_response", "html_page", "init_app", "shared_headers"]

_GZIP_MIN = 1024
_COMPRESSIBLE = ("text/", "application/json", "application/ld+json", "application/javascript", "+xml", "+json")
EXPOSED_HEADERS = (
    "ETag, Content-Length, Link, Retry-After, MKG-Result-Truncated, MKG-Row-Limit, MKG-Result-Rows, MKG-Result-Total"
)


def shared_headers(method: str) -> list[tuple[str, str]]:
    """Headers every response carries: open CORS (preflight answers too) and ``nosniff``."""
    headers = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if method == "OPTIONS":
        headers += [
            ("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS"),
            ("Access-Control-Allow-Headers", "Accept, Content-Type, If-None-Match"),
            ("Access-Control-Max-Age", "86400"),
        ]
    return headers


def html_page(html: str, csp: str) -> flask.Response:
    """An HTML page under its own Content-Security-Policy, revalidated on every use (pages follow the release)."""
    response = flask.Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = csp
    response.headers["Cache-Control"] = "no-cache"
    return response


def _compress(response: flask.Response) -> None:
    if (
        response.direct_passthrough
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or flask.request.accept_encodings.quality("gzip") <= 0
    ):
        return
    mimetype = response.mimetype or ""
    if not any(part in mimetype for part in _COMPRESSIBLE):
        return
    body = response.get_data()
    if len(body) < _GZIP_MIN:
        return
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(etag + "-gzip", weak=bool(weak))


QUEUED_KEY = "mkg.queued_seconds"


def _before() -> flask.Response | None:
    waited = flask.request.environ.get(QUEUED_KEY, 0.0)
    limit = flask.current_app.extensions["mkg"].config.queue_timeout
    if waited <= limit:
        return None
    response = error_response(
        503,
        f"the server is busy: this request waited {waited:.1f} s for a free thread (the limit is {limit:g} s);"
        " retry shortly",
        retry_after=2,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _after(response: flask.Response) -> flask.Response:
    for name, value in shared_headers(flask.request.method):
        response.headers[name] = value
    _compress(response)
    return response


def error_response(status: int, detail: str, *, retry_after: int | None = None, **fields: Any) -> flask.Response:
    """An error for the current request: problem details when its ``Accept`` prefers JSON, else one text line."""
    if retry_after is not None:
        fields["retry_after"] = retry_after
    body, content_type = error_body(
        status, detail, accept=flask.request.headers.get("Accept"), instance=flask.request.path, fields=fields
    )
    response = flask.Response(body, status=status, content_type=content_type)
    response.vary.add("Accept")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _http_error(error: HTTPException) -> Response:
    """Werkzeug's own errors (404 route, 405, 413 body too large, ...) in the same two forms as ours."""
    original = error.get_response()
    response = error_response(error.code or 500, f"{error.code} {error.name}: {error.description}")
    for name, value in original.headers.items():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def init_app(app: flask.Flask) -> None:
    """Register the shared response hooks and the error bodies (text or problem details) on ``app``."""
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(HTTPException, _http_error)
