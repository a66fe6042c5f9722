"""Hostile input, load and faults: the server refuses, stops or isolates it, keeps serving, never changes the data.

Each test ends by checking that the workers still serve exactly the fixture's quads. No test depends on
the machine's speed: a query meant to time out cannot finish within any time limit used here (a 5-way
cross join of the fixture is 3 billion rows), and a query meant to be quick touches no data.

The front's defences run over every engine: the ``tight`` server and the tests that start their own
(``over_engine``) run on the embedded store, the Oxigraph server and Virtuoso (the session's shared
engines, ``conftest.py``). The tests about the embedded store itself (its workers' network, its parser
crash, its memory cap, replacing a worker whose query it cannot cancel) run on it alone and say so.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from serverkit import ENGINES, Server, engine_args

WORKERS = 2
TIMEOUT = "5"  # generous for every quick query on a loaded machine; nothing meant to time out comes near it
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
REGEX_STORM = """SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o
  FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l), STR(?o)), "^(x+x+)+y$")) }"""
QUICK = "ASK {}"  # touches no data
DEEP = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"


@pytest.fixture(scope="module", params=ENGINES)
def tight(request, start_server, release_dir) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """A server with small limits, so every limit can be reached quickly with the tiny fixture; once per engine."""
    srv = start_server(
        *engine_args(request, request.param),
        "--release",
        release_dir,
        "--workers",
        str(WORKERS),
        "--threads",
        "8",
        "--timeout",
        TIMEOUT,
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
    """SERVICE (in any spelling), FROM, dataset parameters, LOAD and engine pragmas never make a call to a URL.

    Over a remote engine too: the guard refuses before the engine, and what is not standard SPARQL (such
    as Virtuoso's ``DEFINE get:soft``, which makes it fetch a FROM URL) is a syntax error at the front.
    """
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
        f'DEFINE get:soft "replace" SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}',  # noqa: S608
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
    """Defence in depth: in a worker's network namespace the engine's own SERVICE call fails.

    Embedded store only: it is the engine in the worker's process; a remote engine's network is its own.
    """
    from server.serving.isolation import leave_network

    url, hits = listener
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        outcome = b"skip"
        if leave_network():
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
    """A query past the time limit is answered 503 with a message, on every engine; the server goes on.

    On Virtuoso the query also carries its ``timeout``: whether Virtuoso's partial ("anytime") answer
    (206 or ``X-SQL-State``) or the front's deadline comes first, the client gets the 503.
    """
    for query in (CROSS_JOIN, REGEX_STORM):
        reply = tight.post_form([("query", query)])
        assert reply.status == 503, reply.text
        assert "time limit" in reply.text
        assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    assert tight.get(QUICK + " # after the timeouts").status == 200
    tight.assert_data_unchanged(WORKERS)


def test_a_worker_whose_query_ran_away_is_replaced(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """The worker that ran a query past its time limit is replaced, and the server answers throughout.

    Embedded store only: pyoxigraph cannot cancel a running query, so the worker retires; a remote engine
    is only waited for, and its worker carries on.
    """
    srv = start_server("--release", release_dir, "--workers", str(WORKERS), "--timeout", TIMEOUT)
    try:
        before = srv.wait_for_workers(WORKERS)
        deadline = time.monotonic() + 120
        while srv.worker_pids() & before and time.monotonic() < deadline:
            reply = srv.post_form([("query", CROSS_JOIN + f" # until every worker was replaced {time.monotonic()}")])
            assert reply.status == 503, reply.text
            srv.wait_for_workers(WORKERS)
        assert not srv.worker_pids() & before, "a worker that ran a runaway query should have been replaced"
        assert "retires: a query outlived its time limit" in srv.log.read_text(errors="replace")
        srv.assert_data_unchanged(WORKERS)
    finally:
        srv.stop()


def test_virtuoso_s_partial_answer_to_an_unfinishable_query_is_a_503(  # type: ignore[no-untyped-def]
    start_server, release_dir, virtuoso_engine
) -> None:
    """Virtuoso answers a query cut at its ``timeout`` with a 200 and ``X-SQL-State``; through the front, a 503.

    First the quirk itself, asked of Virtuoso directly (so the adapter's handling is needed), then the
    same query through a front over it, which passes its limit down as ``timeout``: whichever comes
    first, Virtuoso's partial answer or the front's deadline, the client gets a 503, never a 200.
    """
    form = urlencode({"query": CROSS_JOIN, "timeout": "1000"}).encode()
    direct = urllib.request.Request(
        virtuoso_engine.query_url, data=form, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(direct, timeout=120) as answer:
        assert answer.status == 206 or answer.headers.get("X-SQL-State"), dict(answer.headers)
    srv = start_server(
        "--release", release_dir, "--workers", "1", "--timeout", TIMEOUT, "--engine", virtuoso_engine.query_url
    )
    try:
        reply = srv.post_form([("query", CROSS_JOIN + " # anytime")])
        assert reply.status == 503 and "time limit" in reply.text, reply.text
        assert srv.get(QUICK + " # after the partial answer").status == 200
    finally:
        srv.stop()


def test_a_slow_query_does_not_block_cheap_ones(tight: Server) -> None:
    """While a query that cannot finish runs, quick queries on the same worker are answered before it ends."""
    tight.wait_for_workers(WORKERS)
    connection = tight.connect()
    finished: list[str] = []
    try:
        assert tight.health(connection)["status"] == "ok"
        slow = threading.Thread(
            target=lambda: finished.append(f"slow {tight.post_form([('query', CROSS_JOIN + ' #x')]).status}")
        )
        slow.start()
        deadline = time.monotonic() + 30
        while sum(w.get("running", 0) for w in tight.health(connection)["workers"]) == 0:
            assert time.monotonic() < deadline, "the slow query never started"
            time.sleep(0.05)
        answers = [
            tight.request("GET", "/sparql?" + urlencode({"query": f"{QUICK} # {n}"}), connection=connection)
            for n in range(5)
        ]
        finished.append("quick")
        slow.join()
    finally:
        connection.close()
    assert [a.status for a in answers] == [200] * 5
    assert finished == ["quick", "slow 503"], "the quick queries should not wait for the slow one"
    tight.assert_data_unchanged(WORKERS)


def test_a_request_that_waited_too_long_for_a_thread_gets_503_with_retry_after(  # type: ignore[no-untyped-def]
    start_server, release_dir, over_engine
) -> None:
    """A request queued past --queue-timeout gets a 503 with Retry-After, not a start with its time used up.

    With one thread, of two queries that cannot finish the second waits the first's whole time limit for it,
    past --queue-timeout, and gets a 503 with Retry-After instead of starting with its time used up.
    """
    srv = start_server(
        "--release",
        release_dir,
        "--workers",
        "1",
        "--threads",
        "1",
        "--timeout",
        TIMEOUT,
        "--queue-timeout",
        "1",
        *over_engine,
    )
    try:
        replies: list[tuple[int, str, str | None]] = []

        def send(n: int) -> None:
            reply = srv.post_form([("query", f"{CROSS_JOIN} # {n}")])
            replies.append((reply.status, reply.text, reply.header("Retry-After")))

        threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(status for status, _, _ in replies) == [503, 503]
        waited = [r for r in replies if "free thread" in r[1]]
        assert len(waited) == 1, replies
        assert waited[0][2] is not None, "the queue-wait 503 must say when to retry"
        assert any("time limit" in text for _, text, _ in replies)
        srv.wait_for_workers(1)
        assert srv.get(QUICK + " # later").status == 200
    finally:
        srv.stop()


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


def test_deep_nesting_is_refused_before_the_engine(server: Server) -> None:
    """The 10 KB, 5,000-parenthesis query that crashes Oxigraph's parser is a 400; nothing crashes."""
    reply = server.post_form([("query", DEEP)])
    assert reply.status == 400
    assert "nests brackets 5002 deep" in reply.text
    server.assert_data_unchanged(2)


def test_the_nesting_limit_is_the_one_configured(tight: Server) -> None:
    """--max-nesting 30 refuses 32 nested groups with a 400 before any engine sees them."""
    assert tight.get("SELECT * WHERE {" + "{" * 31 + "}" * 31 + "}").status == 400
    tight.assert_data_unchanged(WORKERS)


def test_an_engine_crash_kills_only_its_worker(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """An engine crash ends only its worker, which the arbiter replaces (embedded store only: its parser crashes).

    With the nesting guard switched off, the parser's crash ends one worker: its request is lost (the
    connection closes, nothing is cut short into a 200), the other worker answers, the arbiter replaces it.
    """
    srv = start_server(
        "--release", release_dir, "--workers", "2", "--max-nesting", "1000000", "--max-query-length", "1000000"
    )
    try:
        before = srv.wait_for_workers(2)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            srv.post_form([("query", DEEP)])
        assert srv.get(QUICK + " # after the crash").status == 200
        after = srv.wait_for_workers(2)
        assert len(before - after) == 1, "exactly the worker that ran the query should have been replaced"
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


def test_workers_are_replaced_after_max_requests(start_server, release_dir, over_engine) -> None:  # type: ignore[no-untyped-def]
    """--max-requests N replaces each worker after N requests (gunicorn's recycling); no request fails."""
    srv = start_server("--release", release_dir, "--workers", "2", "--max-requests", "5", *over_engine)
    try:
        first = srv.wait_for_workers(2)
        statuses = [srv.get(f"{QUICK} # {n}").status for n in range(30)]
        assert statuses == [200] * 30
        assert not srv.wait_for_workers(2) & first, "every worker should have been replaced"
        srv.assert_data_unchanged(2)
    finally:
        srv.stop()


def test_killing_a_worker_under_load_loses_at_most_its_requests(start_server, release_dir, over_engine) -> None:  # type: ignore[no-untyped-def]
    """A worker killed under load costs only its in-flight requests.

    kill -9 of a worker while clients send queries: only requests in flight on it fail, the next request is
    answered within 5 s, and the arbiter starts a replacement.
    """
    srv = start_server("--release", release_dir, "--workers", "2", "--threads", "4", *over_engine)
    stop = threading.Event()
    failures: list[str] = []
    answered = [0]

    def client(n: int) -> None:
        for i in range(400):
            if stop.is_set():
                return
            try:
                reply = srv.get(f"{QUICK} # client {n} request {i}")
                if reply.status == 200:
                    answered[0] += 1
                else:
                    failures.append(str(reply.status))
            except (OSError, http.client.HTTPException) as err:
                failures.append(type(err).__name__)

    try:
        victim = min(srv.wait_for_workers(2))
        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        while True:
            try:
                if srv.get(QUICK + f" # probe {time.monotonic()}").status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        recovered = time.monotonic() - killed
        deadline = time.monotonic() + 60  # the supervisor notices the death and reaps it on its own time
        while victim in (replaced := srv.wait_for_workers(2)) and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        for thread in clients:
            thread.join()
        assert recovered < 5, f"the endpoint answered again only after {recovered:.1f} s"
        assert victim not in replaced
        assert len(failures) <= 4, f"more requests failed than the 4 clients had in flight: {failures}"
        assert answered[0] > 0
        srv.assert_data_unchanged(2)
    finally:
        stop.set()
        srv.stop()


def test_idle_connections_cannot_lock_clients_out(start_server, release_dir, over_engine) -> None:  # type: ignore[no-untyped-def]
    """Idle connections cannot lock clients out.

    Many connections that never send a byte hold no thread: past --max-connections the longest-idle is
    closed to let a client in, and each one left is closed within the read timeout.
    """
    srv = start_server(
        "--release",
        release_dir,
        "--workers",
        "1",
        "--threads",
        "2",
        "--read-timeout",
        "2",
        "--max-connections",
        "50",
        *over_engine,
    )
    idle: list[socket.socket] = []
    try:
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=30))
        statuses = [srv.get(f"{QUICK} # past the idle ones {n}").status for n in range(10)]
        assert statuses == [200] * 10
        for sock in idle:
            assert sock.recv(1) == b"", "an idle connection should be closed by the server"
    finally:
        for sock in idle:
            sock.close()
        srv.stop()


def _raw(port: int, request: bytes) -> bytes:
    """Send ``request`` whole on a raw socket, then read until the server closes (or 10 s pass)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        sock.settimeout(10)
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def test_invalid_utf8_in_a_query_string_or_form_is_a_400(tight: Server) -> None:
    """%FF (no UTF-8) in a GET query string or a form body is refused, never run as U+FFFD."""
    assert tight.request("GET", "/sparql?query=ASK%20%7B%7D%23%FF").status == 400
    form = tight.request(
        "POST",
        "/sparql",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="query=ASK%20%7B%7D%23%FF",
    )
    assert form.status == 400 and "UTF-8" in form.text


def test_relative_iris_resolve_against_the_endpoint(tight: Server) -> None:
    """CONSTRUCT { <s> <p> 1 } WHERE {} resolves <s> against the endpoint's URL (W3C query_content_type_construct)."""
    reply = tight.get("CONSTRUCT { <s> <p> 1 } WHERE {}", accept="application/n-triples")
    assert reply.status == 200, reply.text
    assert reply.text.startswith(f"<http://127.0.0.1:{tight.port}/s> <http://127.0.0.1:{tight.port}/p> ")


def test_an_oversized_body_gets_a_readable_413_after_the_client_sent_it_all(tight: Server) -> None:
    """A client that sends a whole too-large body before reading still reads the 413, then the server closes."""
    body = b"query=" + b"x" * 100_000
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(body)
    )
    answer = _raw(tight.port, head + body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_chunked_with_content_length_is_refused_and_the_connection_closed(tight: Server) -> None:
    """Transfer-Encoding: chunked together with Content-Length is a 400 and nothing after it is read (RFC 9112)."""
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n"
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    answer = _raw(tight.port, request)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert answer.count(b"HTTP/1.1 ") == 1, "the request smuggled after it must not be answered"


def test_an_order_by_past_the_memory_cap_is_a_503_with_retry_after(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """A sort that would grow the worker without bound is stopped at --worker-memory-mb: 503, a message, Retry-After.

    The 5-way cross join cannot finish, and sorting it needs all its rows in memory, so the memory cap
    is reached long before the generous time limit; the worker is then replaced. Embedded store only: the
    cap is on the memory of the engine in the worker's process.
    """
    srv = start_server("--release", release_dir, "--workers", "1", "--timeout", "120", "--worker-memory-mb", "300")
    try:
        before = srv.wait_for_workers(1)
        sort = CROSS_JOIN.replace("(COUNT(*) AS ?n)", "*") + " ORDER BY ?a ?b ?c ?d ?e ?f"
        reply = srv.post_form([("query", sort)])
        assert reply.status == 503, reply.text
        assert "memory" in reply.text and reply.header("Retry-After") is not None
        assert not srv.wait_for_workers(1) & before, "the worker that ran short of memory should be replaced"
        assert srv.get(QUICK + " # after the sort").status == 200
    finally:
        srv.stop()
