"""``mkg serve --engine URL``: the front over an existing engine (the Oxigraph server from PyPI).

The same guards, formats, caps and answers as over the embedded store; the time limit is enforced at the
front. The Oxigraph server is started by the test on a free loopback port and stopped by it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverkit import DATA, Server, expected_dump

from server.engine.remote import values_clause

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
_SERVE = [sys.executable, "-m", "kg.cli", "serve", "--port", "0"]
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server holding the fixture, its default graph the union of the named graphs."""
    if not Path(OXIGRAPH).is_file():
        pytest.skip("the Oxigraph server is missing: pip install oxigraph (the bench extra installs it)")
    store = tmp_path_factory.mktemp("oxigraph")
    subprocess.run([OXIGRAPH, "load", "--location", str(store), "--file", str(DATA / "kg.trig")], check=True)
    port = _free_port()
    process = subprocess.Popen(
        [OXIGRAPH, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "the Oxigraph server did not start"
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/query"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def front(oxigraph: str, release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``mkg serve`` over the Oxigraph server, with a small row cap and a generous time limit."""
    log = tmp_path_factory.mktemp("front") / "server.log"
    srv = Server(
        ["--release", str(release_dir), "--engine", oxigraph, "--workers", "1", "--row-limit", "5", "--timeout", "5"],
        log,
    )
    yield srv
    srv.stop()


def test_every_quad_is_answered_through_the_engine(front: Server) -> None:
    """The dump through the front equals the fixture, page by page under the row cap."""
    assert front.dump() == expected_dump()
    assert front.health()["engine"] == "remote"


def test_the_guards_run_before_the_engine(front: Server) -> None:
    """SERVICE and updates are refused by the front; the engine never sees them."""
    assert front.post_form([("query", "SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }")]).status == 400
    assert front.post_form([("query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }")]).status == 403


def test_formats_caps_and_etags_are_the_fronts(front: Server) -> None:
    """Results come in every negotiated format, are capped with the header, and repeat as 304."""
    reply = front.get("SELECT * WHERE { ?s ?p ?o }", accept="text/csv")
    assert reply.status == 200 and len(reply.text.strip().splitlines()) == 6
    assert (reply.header("MKG-Result-Truncated") or "").startswith("true")
    graph = front.get("CONSTRUCT WHERE { ?s ?p ?o }", accept="text/turtle")
    assert graph.status == 200 and graph.media_type == "text/turtle"
    assert front.get("ASK { ?s ?p ?o }").json() == {"head": {}, "boolean": True}
    etag = front.get("ASK { ?s ?p ?o }").header("ETag")
    again = front.request("GET", "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", headers={"If-None-Match": etag})
    assert again.status == 304


def test_an_engine_error_is_a_502_with_its_message(front: Server) -> None:
    """A query the engine fails on (Oxigraph answers 500 for an unknown function) is a 502 naming the cause."""
    reply = front.post_form([("query", "SELECT (<urn:no-such-function>(1) AS ?x) WHERE {}")])
    assert reply.status == 502 and "no-such-function" in reply.text


def test_the_time_limit_is_the_fronts(front: Server) -> None:
    """A query that cannot finish gets a 503 from the front at its deadline, never a cut 200."""
    reply = front.post_form([("query", CROSS_JOIN)])
    assert reply.status == 503 and "time limit" in reply.text
    assert front.get("ASK {} # after").status == 200


def test_stored_query_bindings_become_a_values_clause() -> None:
    """Pre-bound variables travel as standard SPARQL: one trailing VALUES row."""
    clause = values_clause({"c": {"type": "uri", "value": "https://w3id.org/metastasis-kg/Bone"}})
    assert clause == "\nVALUES (?c) { (<https://w3id.org/metastasis-kg/Bone>) }"


def test_a_wrong_engine_url_is_one_clear_error(release_dir: Path) -> None:
    """An engine that does not answer is reported at start-up naming --engine, exit 2, no traceback."""
    run = subprocess.run(
        [*_SERVE, "--release", str(release_dir), "--engine", f"http://127.0.0.1:{_free_port()}/sparql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "--engine" in run.stderr and "does not answer" in run.stderr
