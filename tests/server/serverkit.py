"""Helpers for the endpoint tests: a tiny fixture release, and an ``mkg serve`` process driven over HTTP.

Kept apart from conftest.py so test modules import them by a name no other test folder uses.
"""

from __future__ import annotations

import collections
import hashlib
import http.client
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from serving import Reply, descendants, stop_tree

DATA = Path(__file__).parent / "data"
ENGINES = ["embedded", "oxigraph", "virtuoso"]  # what the front is run over (conftest.py's shared engines)
BASE_IRI = "https://w3id.org/metastasis-kg/"
GRAPH = BASE_IRI + "graph/"
DUMP_QUERY = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/")
_PREFIXES = {
    "mkg": BASE_IRI,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dcterms": "http://purl.org/dc/terms/",
}


def build_release(out: Path, extra: list[ox.Quad] | None = None) -> Path:
    """Write a release folder honouring the contract in docs/ARCHITECTURE.md from ``data/kg.trig``.

    ``extra`` quads are added (a test that needs a large release makes them).
    """
    out.mkdir(parents=True, exist_ok=True)
    quads = list(ox.parse(path=str(DATA / "kg.trig"), format=ox.RdfFormat.TRIG)) + (extra or [])
    nquads = ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS) or b""
    (out / "kg.nq").write_bytes(nquads)
    (out / "kg.trig").write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG) or b"")
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_PREFIXES) or b""
    (out / "kg.ttl").write_bytes(turtle)
    counts = collections.Counter(q.graph_name.value for q in quads)
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
    manifest = {
        "version": "2025-01-31",
        "base_iri": BASE_IRI,
        "graphs": dict(sorted(counts.items())),
        "triples": len(quads),
        "files": files,
        "fingerprint": hashlib.sha256(nquads).hexdigest(),
    }
    (out / "release.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out


def engine_args(request: Any, engine: str) -> list[str]:
    """The ``mkg serve`` arguments that put a front over ``engine`` (none for the embedded store).

    ``request`` is the test's ``pytest.FixtureRequest``: the engine is the session's shared one
    (``oxigraph_engine`` / ``virtuoso_engine`` of conftest.py), skipped with the reason when missing.
    """
    if engine == "embedded":
        return []
    return ["--engine", request.getfixturevalue(f"{engine}_engine").query_url]


def versioned_graphs(engine: Any, version: str) -> dict[str, int]:
    """Release ``version``'s graphs in a ``benchmarks.engines.Virtuoso``: release name -> triples."""
    out = engine.sql(
        "SPARQL SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRENDS(STR(?g), "/release/{version}")) }} GROUP BY ?g;\n'
    )
    rows = [line.split() for line in out.splitlines() if f"/release/{version}" in line]
    return {row[0].removesuffix(f"/release/{version}"): int(row[1]) for row in rows}


def expected_dump() -> set[str]:
    """The quads of the fixture as the endpoint's TSV rows for :data:`DUMP_QUERY`."""
    store = ox.Store()
    store.load(path=str(DATA / "kg.trig"), format=ox.RdfFormat.TRIG)
    tsv = store.query(DUMP_QUERY).serialize(format=ox.QueryResultsFormat.TSV) or b""
    return set(tsv.decode().splitlines()[1:])


class Server:
    """One ``mkg serve`` process started by a test."""

    def __init__(self, args: list[str], log: Path, cwd: Path | None = None) -> None:
        self.log = log
        self._log_handle = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", "0", *args],
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
        self.port = self._wait_for_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._probe = 0

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = _LISTENING.search(self.log.read_text(errors="replace"))
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log.read_text(errors='replace')}")

    def connect(self, timeout: float = 30) -> http.client.HTTPConnection:
        """A keep-alive connection: every request on it reaches the same worker process."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        timeout: float = 30,
        connection: http.client.HTTPConnection | None = None,
    ) -> Reply:
        """One request, on ``connection`` when given (kept open), else on a new connection closed after it."""
        conn = connection or self.connect(timeout)
        try:
            data = body.encode() if isinstance(body, str) else body
            conn.request(method, path, body=data, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            if connection is None:
                conn.close()

    def get(self, query: str | None = None, accept: str | None = None, **params: str) -> Reply:
        fields = [("query", query)] if query is not None else []
        fields += [(k.replace("_", "-"), v) for k, v in params.items()]
        path = "/sparql" + ("?" + urlencode(fields) if fields else "")
        return self.request("GET", path, headers={"Accept": accept} if accept else {})

    def post_form(
        self,
        fields: list[tuple[str, str]],
        accept: str | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> Reply:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/sparql", headers=headers, body=urlencode(fields), connection=connection)

    def dump(self, connection: http.client.HTTPConnection | None = None) -> set[str]:
        """Every quad the server answers with, as TSV rows, page by page under the server's row limit.

        A comment makes each probe miss the result cache, so it really runs on the engine.
        """
        self._probe += 1
        rows: set[str] = set()
        offset = 0
        while True:
            query = f"{DUMP_QUERY} ORDER BY ?g ?s ?p ?o OFFSET {offset} # probe {self._probe}"
            reply = self.post_form([("query", query)], "text/tab-separated-values", connection)
            assert reply.status == 200, reply.text
            page = reply.text.splitlines()[1:]
            rows.update(page)
            if not reply.header("MKG-Result-Truncated"):
                return rows
            offset += len(page)

    def health(self, connection: http.client.HTTPConnection | None = None) -> dict[str, Any]:
        reply = self.request("GET", "/health", connection=connection)
        assert reply.status == 200, reply.text
        health: dict[str, Any] = reply.json()
        return health

    def worker_pids(self) -> set[int]:
        """The worker processes ``/health`` lists as taking requests."""
        return {w["pid"] for w in self.health()["workers"] if w.get("accepting", True) and not w.get("retiring")}

    def wait_for_workers(self, count: int, within: float = 60.0) -> set[int]:
        """Wait until ``count`` workers take requests (a replaced one appears within a second of booting)."""
        deadline = time.monotonic() + within
        while True:
            try:
                pids = self.worker_pids()
            except (OSError, AssertionError):
                pids = set()
            if len(pids) == count:
                return pids
            assert time.monotonic() < deadline, f"workers stayed {pids}, wanted {count}"
            time.sleep(0.1)

    def assert_data_unchanged(self, workers: int) -> None:
        """``workers`` workers run, and each one that answers serves exactly the fixture.

        Which worker takes a new connection is the kernel's choice, so fresh connections are opened
        (a bounded number) until each listed worker has answered a full dump on its own connection.
        """
        expected = expected_dump()
        wanted = self.wait_for_workers(workers)
        checked: set[int] = set()
        for _ in range(40):
            connection = self.connect()
            try:
                pid = self.health(connection)["process"]
                if pid not in checked:
                    assert self.dump(connection) == expected
                    checked.add(pid)
            finally:
                connection.close()
            if checked >= wanted:
                return
        assert checked, "no worker answered"

    def descendants(self) -> set[int]:
        return descendants(self.process.pid)

    def stop(self) -> None:
        """SIGTERM the server; SIGKILL it if it does not stop; check no query process outlives it."""
        stop_tree(self.process, self._log_handle)
