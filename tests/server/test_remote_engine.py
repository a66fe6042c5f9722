"""``mkg serve --engine URL``: the front over existing engines (Oxigraph server from PyPI, Virtuoso 7 from Debian).

The same guards, formats, caps and answers as over the embedded store; the time limit is enforced at the
front. Each engine is started by the test on free loopback ports and stopped by it; a missing one is
skipped with the reason printed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverkit import Server, engine_args, expected_dump

from benchmarks.engines import OxigraphServer, free_port, missing
from server.engine import remote
from server.engine.base import Limits, QueryRejected, QueryRequest
from server.protocol.formats import BY_NAME
from server.protocol.guard import substitute_variables

_SERVE = [sys.executable, "-m", "kg.cli", "serve", "--port", "0"]
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def engine(request: pytest.FixtureRequest) -> str:
    """The query URL of the session's shared engine (conftest.py), holding the fixture release's quads."""
    return engine_args(request, request.param)[1]


@pytest.fixture(scope="module")
def front(engine: str, release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``mkg serve`` over the engine, with a small row cap and a generous time limit."""
    log = tmp_path_factory.mktemp("front") / "server.log"
    srv = Server(
        ["--release", str(release_dir), "--engine", engine, "--workers", "1", "--row-limit", "5", "--timeout", "5"],
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


def test_an_engine_error_is_never_a_200(front: Server) -> None:
    """A query the engine refuses or fails on (an unknown function) is a 4xx or 502 with its message."""
    reply = front.post_form([("query", "SELECT (<urn:no-such-function>(1) AS ?x) WHERE {}")])
    assert reply.status in (400, 502) and "no-such-function" in reply.text.lower(), reply.text


def test_the_time_limit_is_the_fronts(front: Server) -> None:
    """A query that cannot finish gets a 503 from the front at its deadline, never a cut 200."""
    reply = front.post_form([("query", CROSS_JOIN)])
    assert reply.status == 503 and "time limit" in reply.text
    assert front.get("ASK {} # after").status == 200


def test_stored_query_bindings_are_put_in_place_of_their_variables() -> None:
    """Bound variables become the term everywhere (filters too) and stay a column in the projection."""
    query = 'SELECT ?site ?c WHERE { ?c <urn:p> ?site FILTER(?c != <urn:x>) } # ?c in a comment "?c"'
    bound = substitute_variables(query, {"c": "<https://w3id.org/metastasis-kg/Bone>"})
    assert bound == (
        "SELECT ?site (<https://w3id.org/metastasis-kg/Bone> AS ?c) WHERE { <https://w3id.org/metastasis-kg/Bone>"
        ' <urn:p> ?site FILTER(<https://w3id.org/metastasis-kg/Bone> != <urn:x>) } # ?c in a comment "?c"'
    )
    grouped = substitute_variables(
        "SELECT ?c (COUNT(*) AS ?n) WHERE { ?c ?p ?o } GROUP BY ?c ORDER BY ?c", {"c": "<u:c>"}
    )
    assert grouped == "SELECT (<u:c> AS ?c) (COUNT(*) AS ?n) WHERE { <u:c> ?p ?o } GROUP BY (<u:c>) ORDER BY (<u:c>)"


def test_a_wrong_engine_url_is_one_clear_error(release_dir: Path) -> None:
    """An engine that does not answer is reported at start-up naming --engine, exit 2, no traceback."""
    run = subprocess.run(
        [*_SERVE, "--release", str(release_dir), "--engine", f"http://127.0.0.1:{free_port()}/sparql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "--engine" in run.stderr and "does not answer" in run.stderr


def test_health_is_503_when_the_engine_stops_answering(oxigraph_only: tuple[Server, OxigraphServer]) -> None:
    """/health asks the engine: a load balancer takes a front whose engine is gone out of rotation."""
    front, engine = oxigraph_only
    assert front.request("GET", "/health").status == 200
    engine.stop()
    reply = front.request("GET", "/health")
    assert reply.status == 503 and reply.json()["status"] == "unavailable"
    assert front.get("ASK {} # engine gone").status == 503


@pytest.fixture
def oxigraph_only(release_dir: Path, tmp_path: Path) -> Iterator[tuple[Server, OxigraphServer]]:
    """A front over an Oxigraph server of its own, which the test may stop."""
    reason = missing("oxigraph")
    if reason:
        pytest.skip(reason)
    engine = OxigraphServer(tmp_path / "oxigraph", release_dir / "kg.nq")
    front = Server(["--release", str(release_dir), "--engine", engine.query_url, "--workers", "1"], tmp_path / "f.log")
    try:
        yield front, engine
    finally:
        front.stop()
        engine.stop()


def test_a_valid_query_is_not_planned_here(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid query goes to the engine unparsed here; only a refused one is parsed, for our syntax message.

    pyoxigraph parses and plans together (a 300-pattern query takes about a minute on an empty store): the
    local parse must stay off the path of every valid query (counted), and still explain a malformed one
    with its position.
    """
    calls: list[str] = []

    class Counting:
        def query(self, text: str, **_: object) -> None:
            calls.append(text)
            remote._SYNTAX_STORE.query(text, **_)  # type: ignore[arg-type]

    monkeypatch.setattr(remote, "_SYNTAX_STORE", remote._SYNTAX, raising=False)
    monkeypatch.setattr(remote, "_SYNTAX", Counting())
    engine_ = remote.RemoteEngine(engine, Limits(rows=10, bytes=1_000_000), timeout=30)
    # 40 patterns: Virtuoso compiles no more than about 10,000 lines of SQL (300 patterns are refused)
    long_query = "SELECT * WHERE { ?s " + " ; ".join(f"<urn:p{i}> ?o{i}" for i in range(40)) + " }"
    answer = engine_.query(QueryRequest(long_query, BY_NAME["json"], time.monotonic() + 60))
    assert answer.body and calls == []
    with pytest.raises(QueryRejected) as refused:
        engine_.query(QueryRequest("SELECT * WHERE { ?s ?p }", BY_NAME["json"], time.monotonic() + 60))
    assert len(calls) == 1
    assert refused.value.problem is not None and refused.value.problem.line == 1


def test_versioned_graph_names_are_given_back_and_other_answers_pass_untouched() -> None:
    """A published release's versioned graph names become the release's again, escaped slashes included.

    An answer that names none of them (and has no blank node or boolean to fix) is passed on as sent,
    without the JSON round trip that costs tens of milliseconds on a large answer.
    """
    unstored = {"http://example.org/graph/v1/kg": "http://example.org/graph/kg"}
    plain = b'{"head":{"vars":["g"]},"results":{"bindings":[{"g":{"type":"uri","value":"http://example.org/graph/v1/kg"}}]}}'
    escaped = plain.replace(b"/", b"\\/")
    for body in (plain, escaped):
        answer = remote._canonical_results(body, unstored)
        assert b"http://example.org/graph/kg" in answer and b"/v1/" not in answer
    other = b'{"head": {"vars":["s"]}, "results":{"bindings":[{"s":{"type":"uri","value":"http://example.org/x"}}]}}'
    assert remote._canonical_results(other, unstored) is other
