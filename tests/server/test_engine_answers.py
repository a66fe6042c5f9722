"""Bad answers from an engine: a fake engine on loopback (a real ``http.server``) that misbehaves on request.

It answers like a real engine (pyoxigraph over the fixture's quads) until a query carries a marker
comment; then it answers in the wrong media type, with JSON or N-Triples cut short, with fewer bytes
than its ``Content-Length``, with Virtuoso's partial-result 206 or its ``X-SQL-State`` header. None of
that may reach a client as a 200. A fake Graph Store that refuses writes checks that ``mkg publish``
names the step that failed and removes what it had loaded.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from serverkit import Server

_JSON = "application/sparql-results+json"
_NT = "application/n-triples"


class _FakeEngine(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint over ``store`` that breaks its answer where the query says ``#fake:<how>``."""

    store: ox.Store
    requests: list[str]  # every query received, in order

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads statuses, not logs."""

    def _send(self, status: int, media: str, body: bytes, *, length: int | None = None, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)
        if length is not None:
            self.close_connection = True

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        query = form["query"][0]
        self.requests.append(query)
        result = self.store.query(
            query,
            default_graph=[ox.NamedNode(g) for g in form.get("default-graph-uri", [])] or None,
            named_graphs=[ox.NamedNode(g) for g in form.get("named-graph-uri", [])] or None,
        )
        if isinstance(result, ox.QueryTriples):
            media, body = _NT, result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        else:
            media, body = _JSON, result.serialize(format=ox.QueryResultsFormat.JSON) or b""
        how = query.split("#fake:", 1)[1].split()[0] if "#fake:" in query else ""
        if how == "wrong-type":
            self._send(200, "text/html", b"<html><body>Service temporarily overloaded</body></html>")
        elif how == "truncated":
            self._send(200, media, body[: len(body) // 2])
        elif how == "short":
            self._send(200, media, body[: len(body) // 2], length=len(body))
        elif how == "partial":
            self._send(206, media, body)
        elif how == "sql-state":
            self._send(200, media, body, X_SQL_State="S1TAT", X_SQL_Message="RC...: Returning incomplete results")
        else:
            self._send(200, media, body)


@pytest.fixture(scope="module")
def fake_front(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``mkg serve --engine`` over the fake engine, which serves the fixture release's quads."""
    store = ox.Store()
    store.load(path=str(release_dir / "kg.nq"), format=ox.RdfFormat.N_QUADS)
    handler = type("Engine", (_FakeEngine,), {"store": store, "requests": []})
    engine = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=engine.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{engine.server_address[1]}/sparql"
    front = Server(
        ["--release", str(release_dir), "--engine", url, "--workers", "1"], tmp_path_factory.mktemp("f") / "log"
    )
    front.engine_requests = handler.requests  # type: ignore[attr-defined]
    try:
        yield front
    finally:
        front.stop()
        engine.shutdown()
        engine.server_close()


SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("query", "accept", "how", "status"),
    [
        (SELECT, _JSON, "wrong-type", 502),
        (SELECT, "text/csv", "truncated", 502),
        (SELECT, _JSON, "short", 502),
        (SELECT, _JSON, "partial", 503),
        (SELECT, _JSON, "sql-state", 503),
        ("ASK { ?s ?p ?o }", _JSON, "truncated", 502),
        (CONSTRUCT, "text/turtle", "wrong-type", 502),
        (CONSTRUCT, _NT, "truncated", 502),
        (CONSTRUCT, _NT, "partial", 503),
    ],
)
def test_a_bad_engine_answer_is_never_passed_on_as_success(
    fake_front: Server, query: str, accept: str, how: str, status: int
) -> None:
    """Wrong media type, cut-short bodies and partial results are a 502/503 with a message, every time."""
    for attempt in range(2):  # a bad answer must not be cached either
        reply = fake_front.post_form([("query", f"{query} #fake:{how} {accept}")], accept)
        assert reply.status == status, (attempt, reply.status, reply.text[:300])
        assert reply.text.strip() and "Traceback" not in reply.text
    assert fake_front.post_form([("query", query)], accept).status == 200


class _RefusingStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store that takes the first PUT and refuses the next with 403; it records every request."""

    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.requests.append("PUT " + parse_qs(urlsplit(self.path).query)["graph"][0])
        if sum(r.startswith("PUT") for r in self.requests) > 1:
            self._answer(403, b"SPARQL_UPDATE permission denied")
        else:
            self._answer(201)

    def do_DELETE(self) -> None:
        self.requests.append("DELETE " + parse_qs(urlsplit(self.path).query)["graph"][0])
        self._answer(200)


def test_publish_to_a_store_that_refuses_writes_names_the_step_and_removes_what_it_loaded(release_dir: Path) -> None:
    """The refused PUT is one line naming the graph being loaded and the 403; the graph loaded before is deleted."""
    handler = type("Store", (_RefusingStore,), {"requests": []})
    store = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=store.serve_forever, daemon=True)
    thread.start()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kg.cli",
                "publish",
                str(release_dir),
                "--to",
                f"http://127.0.0.1:{store.server_address[1]}/store",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=os.environ,
        )
    finally:
        store.shutdown()
        store.server_close()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "loading graph" in done.stderr and "403" in done.stderr, done.stderr
    puts = [r.split()[1] for r in handler.requests if r.startswith("PUT")]
    assert len(puts) == 2 and handler.requests[-1] == f"DELETE {puts[0]}", handler.requests
    assert json.loads((release_dir / "release.json").read_text())["version"] in puts[0]


def test_an_idle_front_sends_its_engine_nothing(fake_front: Server) -> None:
    """A worker's heartbeat reads its counters without asking the engine.

    The heartbeat runs on the worker's event loop: an engine round-trip there (as ``/health`` makes)
    would stall every connection of the worker for as long as the engine takes, and load the engine
    once a second per worker. Only ``/health`` itself asks the engine whether it answers.
    """
    seen: list[str] = fake_front.engine_requests  # type: ignore[attr-defined]
    before = len(seen)
    time.sleep(3.5)  # more than three heartbeats
    assert seen[before:] == []
    assert fake_front.health()["status"] == "ok"
    assert len(seen) > before, "/health should have asked the engine whether it answers"
