"""Error bodies: RFC 9457 problem details (``application/problem+json``) for JSON clients, one line of text otherwise.

Every 4xx and 5xx the endpoint, the REST API and the linked-data routes give goes through
:func:`error_body`, so an app that asked for JSON can always parse the error it gets, and ``curl`` still
reads one plain line. The choice is content negotiation between ``text/plain`` and
``application/problem+json`` (``application/json`` named exactly counts for the latter): JSON when the
client prefers it, text on a tie (``*/*``, a browser's ``Accept``). A client that names another JSON type
outright (``application/sparql-results+json``, ``application/ld+json``) above any ``text/plain`` is a JSON
client whose error cannot be in the format it asked for: it gets problem details too, not text.

The members are RFC 9457's: ``type`` (``about:blank``: the status code says what kind of problem it is),
``title`` (the status code's reason phrase), ``status``, ``detail`` (the same sentence the text body
gives) and ``instance`` (the request path); extension members carry what a program needs without parsing
the sentence: ``parameter`` (a bad request parameter), ``line``/``column``/``near``/``hint`` (a malformed
query), ``available`` (the media types a 406 could have given), ``retry_after`` (seconds, with the
``Retry-After`` header).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from server.protocol.conneg import choose, parse_accept
from server.protocol.formats import Format

__all__ = ["PROBLEM_JSON", "TEXT", "error_body", "wants_problem_json"]

PROBLEM_JSON = Format("problem", "application/problem+json", ("application/json",), "json", "", "")
TEXT = Format("text", "text/plain", (), "txt", "", "")
_ERROR_OFFERS = (TEXT, PROBLEM_JSON)  # order breaks ties: text for */* and browsers


def wants_problem_json(accept: str | None) -> bool:
    """Whether a client sending ``accept`` gets its errors as problem details rather than text."""
    if choose(accept, _ERROR_OFFERS) is PROBLEM_JSON:
        return True
    # Text won only through a wildcard or a tie: a JSON type named outright still beats it.
    ranges = [r for r in parse_accept(accept) if r.type != "*" and r.subtype != "*"]
    named_json = max((r.q for r in ranges if r.subtype == "json" or r.subtype.endswith("+json")), default=0.0)
    named_text = max((r.q for r in ranges if (r.type, r.subtype) == ("text", "plain")), default=0.0)
    return named_json > named_text


# RFC 9110's reason phrases where Python's table still has the older ones.
_TITLES = {413: "Content Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}


def _title(status: int) -> str:
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(
    status: int,
    detail: str,
    *,
    accept: str | None,
    instance: str | None = None,
    fields: Mapping[str, Any] | None = None,
) -> tuple[bytes, str]:
    """The body and ``Content-Type`` of an error for a client sending ``accept``."""
    detail = detail.rstrip("\n")
    if not wants_problem_json(accept):
        return (detail + "\n").encode(), TEXT.content_type
    problem: dict[str, Any] = {"type": "about:blank", "title": _title(status), "status": status, "detail": detail}
    if instance:
        problem["instance"] = instance
    for name, value in (fields or {}).items():
        if name not in problem and value is not None:
            problem[name] = value
    return (json.dumps(problem, ensure_ascii=False) + "\n").encode(), PROBLEM_JSON.content_type
