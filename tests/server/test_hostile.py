"""Hostile input and load: the server refuses, stops or isolates it, keeps serving, and never changes the data.

Each test ends by checking that every query worker still serves exactly the fixture's quads.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from serverkit import Server

WORKERS = 2
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
REGEX_STORM = """SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l
  FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l)), "^(x+x+)+y$")) }"""
DEEP = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"


@pytest.fixture(scope="module")
def tight(start_server, release_dir) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """A server with small limits, so every limit can be reached quickly with the tiny fixture."""
    srv = start_server(
        "--release",
        release_dir,
        "--workers",
        str(WORKERS),
        "--threads",
        "8",
        "--timeout",
        "2",
        "--row-limit",
        "5",
        "--max-query-length",
        "4000",
        "--max-nesting",
        "30",
        "--max-body",
        "8192",
        "--read-timeout",
        "2",
    )
    yield srv
    srv.stop()


def test_no_query_reaches_the_network(tight: Server, listener: tuple[str, list[str]]) -> None:
    """SERVICE (in any spelling), FROM, dataset parameters and LOAD never make the server call a URL."""
    url, hits = listener
    attempts = [
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p 1.SERVICE <{url}/sparql> {{ ?x ?y ?z }} }}",
        f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",  # noqa: S608 (SPARQL, not SQL)
        f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",  # noqa: S608
        f"DESCRIBE <{url}/resource>",
        f"LOAD <{url}/data.ttl>",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    ]
    for query in attempts:
        reply = tight.post_form([("query", query)])
        assert reply.status in (200, 400, 403), (query, reply.status, reply.text)
        assert b"x.example" not in reply.body
        if reply.status == 200 and not query.startswith("DESCRIBE"):
            assert reply.json()["results"]["bindings"] == []
    reply = tight.get("SELECT * WHERE { ?s ?p ?o }", default_graph_uri=url + "/data.ttl")
    assert reply.status == 200 and reply.json()["results"]["bindings"] == []
    reply = tight.get("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uri=url + "/data.ttl")
    assert reply.status == 200 and reply.json()["results"]["bindings"] == []
    time.sleep(0.2)
    assert hits == []
    tight.assert_data_unchanged(WORKERS)


def test_workers_cannot_reach_the_network_even_if_a_service_slipped_through(
    listener: tuple[str, list[str]],
) -> None:
    """Defence in depth: in a query worker's network namespace the engine's own SERVICE call fails."""
    from server.zygote import _leave_network

    url, hits = listener
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        outcome = b"skip"
        if _leave_network():
            try:
                list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"))
                outcome = b"reached"
            except Exception:
                outcome = b"blocked"
        os.write(write, outcome)
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    outcome = os.read(read, 16)
    os.close(read)
    if outcome == b"skip":
        pytest.skip("this kernel does not let an unprivileged process leave the network")
    assert outcome == b"blocked"
    assert hits == []


def test_expensive_queries_time_out_with_503_never_a_cut_200(tight: Server) -> None:
    """A query past the time limit is stopped and answered 503 with a message; the server goes on."""
    for query in (CROSS_JOIN, REGEX_STORM):
        reply = tight.post_form([("query", query)])
        assert reply.status == 503, reply.text
        assert "time limit" in reply.text
        assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    assert tight.get("ASK { ?s ?p ?o }").status == 200
    health = tight.request("GET", "/health").json()
    assert health["timeouts"] >= 2
    assert health["workers"]["alive"] == WORKERS
    tight.assert_data_unchanged(WORKERS)


def test_a_slow_query_does_not_block_cheap_ones(tight: Server) -> None:
    """While an expensive query occupies one worker, cheap queries keep being answered by the others."""
    slow_reply: list[int] = []
    slow = threading.Thread(target=lambda: slow_reply.append(tight.post_form([("query", CROSS_JOIN + " #x")]).status))
    slow.start()
    deadline = time.monotonic() + 10
    while tight.request("GET", "/health").json()["workers"]["idle"] == WORKERS and time.monotonic() < deadline:
        time.sleep(0.02)
    answers = [tight.get(f"SELECT ?s WHERE {{ ?s a ?t }} LIMIT {n}").status for n in range(1, 16)]
    still_running = slow.is_alive()
    slow.join()
    assert answers == [200] * 15
    assert still_running, "the cheap queries should have finished while the slow one was still running"
    assert slow_reply == [503]
    tight.assert_data_unchanged(WORKERS)


def test_slow_queries_never_take_the_worker_kept_for_quick_ones(tight: Server) -> None:
    """Once a query shape has run slow, its queries wait for a general worker; lookups never queue behind them.

    Three queries of a shape that timed out before arrive together: two hold the general workers, the
    third waits although the worker kept for quick queries is idle, and lookups are answered on that
    worker while all three are pending.
    """
    assert tight.post_form([("query", CROSS_JOIN + " # learn")]).status == 503
    tight.wait_for_idle_workers(WORKERS, WORKERS)
    before = tight.health()["slow_queries"]
    replies: list[int] = []
    slow = [
        threading.Thread(target=lambda n=n: replies.append(tight.post_form([("query", f"{CROSS_JOIN} # {n}")]).status))
        for n in range(3)
    ]
    for thread in slow:
        thread.start()
    tight.wait_for_idle_workers(0, WORKERS)
    time.sleep(0.2)  # the third request arrives meanwhile and waits for a general worker
    health = tight.health()
    answers = [tight.get(f"SELECT ?s WHERE {{ ?s a ?t }} LIMIT {n}").status for n in range(1, 11)]
    pending = sum(thread.is_alive() for thread in slow)
    for thread in slow:
        thread.join()
    assert health["slow_queries"] == before + WORKERS
    assert health["quick_workers"] == {"alive": 1, "idle": 1, "size": 1}
    assert answers == [200] * 10
    assert pending == 3, "the lookups should have been answered while all three slow queries were pending"
    assert replies == [503, 503, 503]
    tight.assert_data_unchanged(WORKERS)


def test_row_cap_truncates_and_says_so(tight: Server) -> None:
    """Results beyond the row limit are cut at a row boundary and the cut is announced in a header."""
    reply = tight.get("SELECT * WHERE { ?s ?p ?o }")
    assert reply.status == 200
    assert len(reply.json()["results"]["bindings"]) == 5
    assert (reply.header("MKG-Result-Truncated") or "").startswith("true")
    assert reply.header("MKG-Row-Limit") == "5"
    csv_rows = tight.get("SELECT * WHERE { ?s ?p ?o }", accept="text/csv").text.strip().splitlines()
    assert len(csv_rows) == 6
    graph = tight.get("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert len(graph.text.strip().splitlines()) == 5
    assert graph.header("MKG-Result-Truncated")
    small = tight.get("SELECT * WHERE { ?s ?p ?o } LIMIT 5")
    assert small.header("MKG-Result-Truncated") is None
    tight.assert_data_unchanged(WORKERS)


def test_oversized_requests_are_refused(tight: Server) -> None:
    """Bodies over the limit get 413; queries over the length limit 413 (POST) or 414 (GET)."""
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 20_000
    assert tight.post_form([("query", huge)]).status == 413
    direct = tight.request("POST", "/sparql", headers={"Content-Type": "application/sparql-query"}, body=huge)
    assert direct.status == 413
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5_000
    assert tight.post_form([("query", long_query)]).status == 413
    assert tight.get(long_query).status == 414
    tight.assert_data_unchanged(WORKERS)


def test_deep_nesting_is_refused_before_the_engine(server: Server, tight: Server) -> None:
    """The 10 KB, 5,000-parenthesis query that crashes Oxigraph's parser is a 400; nothing crashes."""
    reply = server.post_form([("query", DEEP)])
    assert reply.status == 400
    assert "nests brackets 5002 deep" in reply.text
    assert tight.get("SELECT * WHERE {" + "{" * 31 + "}" * 31 + "}").status == 400
    assert server.request("GET", "/health").json()["crashes"] == 0
    server.assert_data_unchanged(2)
    tight.assert_data_unchanged(WORKERS)


def test_an_engine_crash_kills_only_its_worker(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """With the nesting guard switched off, the parser's segfault takes down one worker, not the server."""
    srv = start_server(
        "--release", release_dir, "--workers", "2", "--max-nesting", "1000000", "--max-query-length", "1000000"
    )
    try:
        reply = srv.post_form([("query", DEEP)])
        assert reply.status == 500
        assert "stopped abnormally" in reply.text
        assert srv.get("ASK { ?s ?p ?o }").status == 200
        health = srv.request("GET", "/health").json()
        assert health["crashes"] == 1
        assert health["workers"]["alive"] == 2
        srv.assert_data_unchanged(2)
    finally:
        srv.stop()


def test_malformed_http_is_answered_and_forgotten(tight: Server) -> None:
    """Garbage request lines, bad percent-encoding and invalid UTF-8 get 4xx; the server keeps serving."""
    with socket.create_connection(("127.0.0.1", tight.port), timeout=10) as sock:
        sock.sendall(b"\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.")
    assert 400 <= tight.request("GET", "/sparql?query=%E0%A4%A").status < 500
    bad_utf8 = tight.request(
        "POST", "/sparql", headers={"Content-Type": "application/sparql-query"}, body=b"SELECT \xff\xfe WHERE {}"
    )
    assert bad_utf8.status == 400
    assert tight.request("GET", "/sparql?" + urlencode({"query": "ASK {}"})).status == 200
    tight.assert_data_unchanged(WORKERS)


def _trickle(port: int, stop: threading.Event, closed: list[bool], body: bool) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        if body:
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 1000\r\n\r\n"
            )
        else:
            sock.sendall(b"GET /sparql?query=ASK")
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                sock.sendall(b"A")
                if sock.recv(1024) == b"":
                    closed.append(True)
                    return
            except TimeoutError:
                continue
            except OSError:
                closed.append(True)
                return


def test_slow_clients_cannot_pin_the_server(tight: Server) -> None:
    """Clients trickling headers or bodies byte by byte are cut off, and others are served meanwhile."""
    stop = threading.Event()
    closed: list[bool] = []
    trickles = [
        threading.Thread(target=_trickle, args=(tight.port, stop, closed, i % 2 == 0), daemon=True) for i in range(40)
    ]
    for thread in trickles:
        thread.start()
    try:
        time.sleep(0.5)
        answers = [tight.get(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n} # slow clients").status for n in range(20)]
        assert answers == [200] * 20
        deadline = time.monotonic() + 20
        while len(closed) < len(trickles) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(closed) == len(trickles), "the server should close connections that never finish a request"
    finally:
        stop.set()
        for thread in trickles:
            thread.join(timeout=5)
    tight.assert_data_unchanged(WORKERS)


def test_concurrent_load_answers_everyone_consistently(tight: Server) -> None:
    """Sixteen clients sending a mix of repeated and distinct queries all get complete, correct answers."""
    queries = [
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "ASK { ?s ?p ?o }",
        "SELECT ?l WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l LIMIT 3",
    ]
    expected = {q: tight.get(q).body for q in queries}
    failures: list[str] = []

    def client(number: int) -> None:
        for i in range(15):
            query = queries[i % len(queries)]
            reply = tight.get(query)
            if reply.status != 200 or reply.body != expected[query]:
                failures.append(f"{query}: {reply.status}")
            distinct = tight.get(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT 1 # client {number} request {i}")
            if distinct.status != 200:
                failures.append(f"distinct: {distinct.status} {distinct.text}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    tight.assert_data_unchanged(WORKERS)


def test_workers_that_copied_the_store_are_recycled(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """A worker whose scan left it holding unshared memory is replaced by a fresh fork; answers stay right."""
    srv = start_server("--release", release_dir, "--workers", "2", "--worker-recycle-mb", "1")
    try:
        scan = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        assert srv.get(scan).json()["results"]["bindings"][0]["n"]["value"] == str(79**3)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            health = srv.request("GET", "/health").json()
            if health["recycled"] >= 1 and health["workers"]["alive"] == 2:
                break
            time.sleep(0.05)
        assert health["recycled"] >= 1
        assert health["workers"]["alive"] == 2
        srv.assert_data_unchanged(2)
    finally:
        srv.stop()


def test_several_front_processes_share_the_port_and_stop_together(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """With --fronts 2 both front processes answer on the one port, and SIGTERM stops every process."""
    srv = start_server("--release", release_dir, "--fronts", "2", "--workers", "4")
    fronts = set()
    for n in range(60):
        assert srv.get(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n} # fronts").status == 200
        fronts.add(srv.request("GET", "/health").json()["front"])
        if len(fronts) == 2:
            break
    assert len(fronts) == 2
    assert len(srv.descendants()) == 1 + 2 + 2 * (2 + 1)  # zygote, two fronts, two workers + one quick each
    srv.stop()
