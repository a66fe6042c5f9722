"""Every error the server gives, in the two forms clients read: RFC 9457 problem details or one text line.

In-process (Flask's test client): the errors raised before any query runs (a request that waited too
long for a thread, a body over the limit, a query string over the limit, an unknown route) take the same
two forms as the executor's, chosen by the same negotiation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import flask
import pytest

from server.config import ServerConfig
from server.protocol.problem import wants_problem_json
from server.web.app import create_app
from server.web.http import QUEUED_KEY

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def app(release_dir: Path) -> Iterator[flask.Flask]:
    """The fixture release with small limits: 8 KiB bodies, 4000-character queries, 1 s of queueing."""
    application = create_app(
        ServerConfig(release=release_dir, workers=1, max_body=8192, max_query_length=4000, queue_timeout=1.0)
    )
    yield application
    application.extensions["mkg"].close()


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        (None, False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/json", True),
        ("application/problem+json", True),
        ("application/json, text/plain;q=0.5", True),
        ("text/plain, application/json", False),
        ("application/sparql-results+json", True),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', True),
        ("application/sparql-results+json, */*;q=0.1", True),
        ("text/csv", False),
    ],
)
def test_json_errors_only_when_json_is_preferred_over_text(accept: str | None, json: bool) -> None:
    """Problem details when the client prefers JSON (or names only JSON types); text on ties and for browsers."""
    assert wants_problem_json(accept) is json


def test_a_request_that_waited_too_long_is_a_503_problem_with_retry_after(app: flask.Flask) -> None:
    """The queue-timeout 503 carries Retry-After, and retry_after in its problem details."""
    client = app.test_client()
    reply = client.get("/api/queries", headers=JSON, environ_base={QUEUED_KEY: 5.0})
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "2"
    assert reply.mimetype == "application/problem+json"
    problem = reply.get_json(force=True)
    assert (problem["status"], problem["title"], problem["retry_after"]) == (503, "Service Unavailable", 2)
    assert "waited 5.0 s" in problem["detail"] and problem["instance"] == "/api/queries"
    text = client.get("/api/queries", environ_base={QUEUED_KEY: 5.0})
    assert text.status_code == 503 and text.mimetype == "text/plain" and text.headers["Retry-After"] == "2"


def test_a_body_or_a_query_string_over_the_limit_is_413_or_414_in_either_form(app: flask.Flask) -> None:
    """413 (body past --max-body) and 414 (GET query past --max-query-length) as problem details or text."""
    client = app.test_client()
    body = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 10_000
    large = client.post("/sparql", data=body, content_type="application/sparql-query", headers=JSON)
    assert large.status_code == 413 and large.get_json(force=True)["status"] == 413
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 4000
    uri = client.get("/sparql", query_string={"query": long_query}, headers=JSON)
    assert uri.status_code == 414 and uri.mimetype == "application/problem+json"
    assert uri.get_json(force=True)["title"] == "URI Too Long" and "at most 4000" in uri.get_json(force=True)["detail"]
    assert client.get("/sparql", query_string={"query": long_query}).mimetype == "text/plain"


def test_unknown_routes_and_methods_answer_in_the_negotiated_form(app: flask.Flask) -> None:
    """Werkzeug's own 404 and 405 become problem details for JSON clients, one text line otherwise."""
    client = app.test_client()
    gone = client.get("/api/nothing/here", headers=JSON)
    assert gone.status_code == 404 and gone.get_json(force=True)["instance"] == "/api/nothing/here"
    wrong = client.delete("/sparql", headers=JSON)
    assert wrong.status_code == 405 and wrong.get_json(force=True)["status"] == 405 and "Allow" in wrong.headers
    assert client.delete("/sparql").data.decode().startswith("405 Method Not Allowed")
