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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from serving import Reply, descendants, stop_tree

DATA = Path(__file__).parent / "data"
BASE_IRI = "https://w3id.org/metastasis-kg/"
GRAPH = BASE_IRI + "graph/"
DUMP_QUERY = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
# Keeps a worker busy for a few tenths of a second on the fixture (79 triples, cubed, times 6).
HOLD_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i VALUES ?x { 1 2 3 4 5 6 } }"
_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/")
_PREFIXES = {
    "mkg": BASE_IRI,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dcterms": "http://purl.org/dc/terms/",
}


def build_release(out: Path) -> Path:
    """Write a release folder honouring the contract in docs/ARCHITECTURE.md from ``data/kg.trig``."""
    out.mkdir(parents=True, exist_ok=True)
    quads = list(ox.parse(path=str(DATA / "kg.trig"), format=ox.RdfFormat.TRIG))
    nquads = ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS) or b""
    (out / "kg.nq").write_bytes(nquads)
    (out / "kg.trig").write_bytes((DATA / "kg.trig").read_bytes())
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


def expected_dump() -> set[str]:
    """The quads of the fixture as the endpoint's TSV rows for :data:`DUMP_QUERY`."""
    store = ox.Store()
    store.load(path=str(DATA / "kg.trig"), format=ox.RdfFormat.TRIG)
    tsv = store.query(DUMP_QUERY).serialize(format=ox.QueryResultsFormat.TSV) or b""
    return set(tsv.decode().splitlines()[1:])


class Server:
    """One ``mkg serve`` process started by a test."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        self._log_handle = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", "0", *self._fronts(args)],
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.port = self._wait_for_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._probe = 0

    @staticmethod
    def _fronts(args: list[str]) -> list[str]:
        """One front process unless a test asks for more: counters and worker probes are per front."""
        return args if "--fronts" in args else [*args, "--fronts", "1"]

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

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        timeout: float = 30,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body.encode() if isinstance(body, str) else body
            connection.request(method, path, body=data, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, query: str | None = None, accept: str | None = None, **params: str) -> Reply:
        fields = [("query", query)] if query is not None else []
        fields += [(k.replace("_", "-"), v) for k, v in params.items()]
        path = "/sparql" + ("?" + urlencode(fields) if fields else "")
        return self.request("GET", path, headers={"Accept": accept} if accept else {})

    def post_form(self, fields: list[tuple[str, str]], accept: str | None = None) -> Reply:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/sparql", headers=headers, body=urlencode(fields))

    def dump(self) -> set[str]:
        """Every quad the server answers with, as TSV rows, page by page under the server's row limit.

        A comment makes each probe miss the result cache, so it really runs on a worker.
        """
        self._probe += 1
        rows: set[str] = set()
        offset = 0
        while True:
            query = f"{DUMP_QUERY} ORDER BY ?g ?s ?p ?o OFFSET {offset} # probe {self._probe}"
            reply = self.post_form([("query", query)], "text/tab-separated-values")
            assert reply.status == 200, reply.text
            page = reply.text.splitlines()[1:]
            rows.update(page)
            if not reply.header("MKG-Result-Truncated"):
                return rows
            offset += len(page)

    def health(self) -> dict[str, Any]:
        reply = self.request("GET", "/health")
        assert reply.status == 200, reply.text
        health: dict[str, Any] = reply.json()
        return health

    def wait_for_idle_workers(self, idle: int, alive: int, within: float = 15.0) -> None:
        """Wait until ``/health`` counts ``alive`` workers of which ``idle`` are idle."""
        deadline = time.monotonic() + within
        while True:
            workers = self.health()["workers"]
            if workers["idle"] == idle and workers["alive"] == alive:
                return
            assert time.monotonic() < deadline, f"workers stayed {workers}, wanted {idle} idle of {alive}"
            time.sleep(0.01)

    def assert_data_unchanged(self, workers: int) -> None:
        """Every worker still serves exactly the fixture.

        Idle workers are handed out most recently used first, so probes sent one after another would all
        reach the same worker. To reach the k-th most recently used one, k slow queries first keep the
        k before it busy; the probe then gets the k-th, which keeps its place in the order, so the next
        round reaches the next one. A last round keeps every general worker busy, so the probe (a quick
        query) reaches the one kept for quick queries.
        """
        expected = expected_dump()
        reserved = self.health()["quick_workers"]["size"]
        for busy in range(workers + reserved):
            self.wait_for_idle_workers(workers, workers)
            self._probe += 1
            with ThreadPoolExecutor(max_workers=max(1, busy)) as pool:
                held = [pool.submit(self.get, f"{HOLD_QUERY} # hold {self._probe}.{n}") for n in range(busy)]
                self.wait_for_idle_workers(workers - busy, workers)
                assert self.dump() == expected
                for reply in held:
                    assert reply.result().status == 200, reply.result().text

    def descendants(self) -> set[int]:
        return descendants(self.process.pid)

    def stop(self) -> None:
        """SIGTERM the server; SIGKILL it if it does not stop; check no query process outlives it."""
        stop_tree(self.process, self._log_handle)
