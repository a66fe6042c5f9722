"""The benchmark harness: generator, query mix, answer checking, load driver, memory and report.

No test here asserts a duration: benchmarks print ratios, tests check behaviour. Servers started here
bind 127.0.0.1 on a free port and are stopped by the test that started them.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

from benchmarks.answers import Answer, canonical_answer
from benchmarks.driver import (
    NOT_MODIFIED,
    OK,
    TIMEOUT,
    WRONG,
    Checker,
    Sample,
    Workload,
    WorkloadResult,
    collect_expected,
    run_workload,
)
from benchmarks.generate import GRAPHS, MKG, SyntheticKG, generate
from benchmarks.options import add_options, format_size, parse_size, parse_sizes
from benchmarks.procmem import descendants, tree_memory
from benchmarks.protocol import Endpoint, HttpClient
from benchmarks.querymix import load_params, load_queries, load_query, variants
from benchmarks.report import (
    DOC_BEGIN,
    DOC_END,
    add_ratios,
    evaluate_targets,
    render_markdown,
    summarize_run,
    update_doc,
    write_json,
)
from benchmarks.servers import RunningServer
from kg.errors import UserError

UNION = {"use_default_graph_as_union": True}


@pytest.fixture(scope="module")
def kg10k(tmp_path_factory: pytest.TempPathFactory) -> SyntheticKG:
    """A 10k-triple synthetic KG, generated once for the module."""
    return generate(tmp_path_factory.mktemp("bench") / "10k", 10_000, seed=7)


@pytest.fixture(scope="module")
def store10k(kg10k: SyntheticKG) -> ox.Store:
    """The 10k KG loaded into pyoxigraph, for answering queries in-process."""
    store = ox.Store()
    store.bulk_load(path=str(kg10k.nquads), format=ox.RdfFormat.N_QUADS)
    return store


def _ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(query, **UNION))


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query, **UNION)))["n"].value)


# --- generator ------------------------------------------------------------------------------------------


def test_same_seed_and_size_give_byte_identical_files(tmp_path: Path) -> None:
    """Reproducibility: two runs with one seed and size write the same bytes (benchmarks are comparable)."""
    a = generate(tmp_path / "a", 5_000, seed=3)
    b = generate(tmp_path / "b", 5_000, seed=3)
    for name in ("kg.nq", "release.json", "params.json"):
        assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes(), name


def test_another_seed_gives_another_kg(tmp_path: Path) -> None:
    """The seed really drives the generator (a constant generator would pass the identity test too)."""
    a = generate(tmp_path / "a", 5_000, seed=3)
    b = generate(tmp_path / "b", 5_000, seed=4)
    assert a.nquads.read_bytes() != b.nquads.read_bytes()


def test_generating_where_a_link_points_elsewhere_replaces_the_link_not_the_linked_data(tmp_path: Path) -> None:
    """A data folder linked in from another bench run is replaced by a real folder; the other run keeps its data."""
    elsewhere = generate(tmp_path / "elsewhere", 3_000, seed=5)
    before = elsewhere.nquads.read_bytes()
    link = tmp_path / "here" / "3k"
    link.parent.mkdir()
    link.symlink_to(elsewhere.folder)
    here = generate(link, 3_000, seed=6)
    assert not here.folder.is_symlink() and here.nquads.read_bytes() != before
    assert elsewhere.nquads.read_bytes() == before


def test_generator_output_in_a_subprocess_does_not_depend_on_hash_seed(tmp_path: Path) -> None:
    """Byte identity must survive PYTHONHASHSEED changes (no set or hash order may reach the output)."""
    digests = set()
    for hash_seed, folder in (("1", "x"), ("2", "y")):
        code = (
            "import sys; from pathlib import Path; from benchmarks.generate import generate; "
            "generate(Path(sys.argv[1]), 3000, seed=5)"
        )
        env = {"PYTHONHASHSEED": hash_seed, "PATH": ""}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / folder)], check=True, env=env)
        digests.add(hashlib.sha256((tmp_path / folder / "kg.nq").read_bytes()).hexdigest())
    assert len(digests) == 1


def test_generated_kg_reaches_its_size_and_its_manifest_tells_the_truth(kg10k: SyntheticKG) -> None:
    """``release.json`` counts and hashes match the N-Quads, and the size is the one asked for (within 1%)."""
    manifest = json.loads(kg10k.manifest.read_text())
    store = ox.Store()
    store.bulk_load(path=str(kg10k.nquads), format=ox.RdfFormat.N_QUADS)
    assert len(store) == manifest["triples"] == kg10k.triples
    assert 10_000 <= kg10k.triples <= 10_100
    assert set(manifest["graphs"]) == set(GRAPHS.values())
    for graph, n in manifest["graphs"].items():
        assert sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))) == n, graph
    assert manifest["files"]["kg.nq"] == hashlib.sha256(kg10k.nquads.read_bytes()).hexdigest()
    assert manifest["fingerprint"] == manifest["files"]["kg.nq"]
    assert manifest["base_iri"] == MKG


_PREFIXES = """
PREFIX mkg: <https://w3id.org/metastasis-kg/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX obo: <http://purl.obolibrary.org/obo/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

# (what must hold, an ASK query, the answer it must give)
_SHAPE = [
    ("spread associations exist", "ASK { ?f a mkg:SpreadAssociation }", True),
    ("cutaneous sign associations exist", "ASK { ?f a mkg:CutaneousSignAssociation }", True),
    (
        "every spread association is complete",
        "ASK { ?f a mkg:SpreadAssociation FILTER NOT EXISTS { ?f mkg:subject ?s ; mkg:predicate mkg:spreadsTo ;"
        " mkg:object ?o ; mkg:spreadKind ?k ; dcterms:source ?src ; mkg:quote ?q ; rdfs:label ?l } }",
        False,
    ),
    (
        "every statistic has a decimal value",
        "ASK { ?s a mkg:Statistic FILTER NOT EXISTS { ?s mkg:value ?v FILTER(DATATYPE(?v) = xsd:decimal) } }",
        False,
    ),
    (
        "every shortcut has an association behind it",
        "ASK { ?a mkg:spreadsTo ?b FILTER NOT EXISTS { ?f mkg:subject ?a ; mkg:object ?b } }",
        False,
    ),
    (
        "every association has its shortcut",
        "ASK { ?f mkg:subject ?a ; mkg:predicate ?p ; mkg:object ?b FILTER NOT EXISTS { ?a ?p ?b } }",
        False,
    ),
    (
        "site hierarchy is at least 3 deep",
        "ASK { ?c rdfs:subClassOf/rdfs:subClassOf/rdfs:subClassOf mkg:AnatomicalSite }",
        True,
    ),
    (
        "the subclass closure is materialized",
        "ASK { ?c rdfs:subClassOf+ ?a FILTER NOT EXISTS { ?c rdfs:subClassOf ?a } }",
        False,
    ),
    (
        "the closure lives in the inferred graph",
        "ASK { GRAPH <https://w3id.org/metastasis-kg/graph/inferred> { ?c rdfs:subClassOf ?a } }",
        True,
    ),
    (
        "every class has a label and a definition",
        "ASK { ?c a owl:Class FILTER NOT EXISTS { ?c rdfs:label ?l ; obo:IAO_0000115 ?d } }",
        False,
    ),
    (
        "every association is reified in the inferred graph and traced to its table row",
        "ASK { ?f mkg:subject ?s FILTER NOT EXISTS { GRAPH <https://w3id.org/metastasis-kg/graph/inferred> "
        "{ ?f rdf:subject ?s ; a mkg:Association } GRAPH <https://w3id.org/metastasis-kg/graph/provenance> "
        "{ ?f mkg:curatedFrom ?row ; prov:wasDerivedFrom ?src } } }",
        False,
    ),
    (
        "sources have titles in the provenance graph",
        "ASK { GRAPH <https://w3id.org/metastasis-kg/graph/provenance> { ?s dcterms:title ?t } }",
        True,
    ),
]


@pytest.mark.parametrize(("what", "query", "answer"), _SHAPE, ids=[s[0] for s in _SHAPE])
def test_generated_kg_has_the_shape_of_a_release(store10k: ox.Store, what: str, query: str, answer: bool) -> None:
    """Associations, statistics, hierarchies, closure, shortcuts and provenance are there and consistent."""
    assert _ask(store10k, _PREFIXES + query) is answer, what


def test_generator_refuses_a_size_too_small_to_hold_the_shape(tmp_path: Path) -> None:
    """A clear error naming the option, and nothing written."""
    with pytest.raises(UserError, match="--sizes"):
        generate(tmp_path / "tiny", 50)
    assert not (tmp_path / "tiny").exists()


# --- query mix ------------------------------------------------------------------------------------------


def test_query_mix_covers_the_issue_and_has_both_mixes() -> None:
    """At least 12 queries, both mixes, and every kind of question the issue lists."""
    queries = load_queries()
    assert len(queries) >= 12
    assert {q.mix for q in queries} == {"interactive", "analytic"}
    tags = {t for q in queries for t in q.tags}
    for needed in (
        "lookup",
        "property-path",
        "aggregate",
        "optional",
        "filter",
        "text-search",
        "describe",
        "construct",
        "order-limit",
        "named-graphs",
        "dataset",
    ):
        assert needed in tags, needed
    assert {q.form for q in queries} == {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def test_every_query_of_the_mix_answers_something_on_a_10k_kg(kg10k: SyntheticKG, store10k: ox.Store) -> None:
    """Each query parses, every bound variant runs, and at least one variant of each has a non-empty answer."""
    rows = load_params(kg10k.params)
    largest: dict[str, int] = {}
    for v in variants(load_queries(), rows):
        dataset = [ox.NamedNode(u) for k, u in v.query.protocol if k == "default-graph-uri"]
        result = store10k.query(v.text, **({"default_graph": dataset} if dataset else UNION))
        size = int(bool(result)) if isinstance(result, ox.QueryBoolean) else len(list(result))
        largest[v.query.name] = max(largest.get(v.query.name, 0), size)
    assert set(largest) == {q.name for q in load_queries()}
    empty = [name for name, size in largest.items() if size == 0]
    assert not empty, f"queries with no answer on any parameter row: {empty}"


def test_query_without_summary_or_mix_is_refused_with_its_file_name(tmp_path: Path) -> None:
    """A broken query file is named in the error, so an editor knows what to fix."""
    bad = tmp_path / "no-summary.rq"
    bad.write_text("#+ tags:\n#+   - interactive\nASK {}\n")
    with pytest.raises(UserError, match=r"no-summary\.rq.*summary"):
        load_query(bad)
    bad.write_text("#+ summary: x\n#+ tags:\n#+   - lookup\nASK {}\n")
    with pytest.raises(UserError, match="interactive, analytic"):
        load_query(bad)


def test_parameters_are_substituted_only_as_one_rdf_term(tmp_path: Path) -> None:
    """A value that is not one IRI or literal (an injection attempt) is refused, never spliced in."""
    path = tmp_path / "q.rq"
    path.write_text("#+ summary: s\n#+ tags:\n#+   - interactive\nSELECT * { ?_x ?p ?o }\n")
    query = load_query(path)
    assert query.bind({"x": "<https://w3id.org/metastasis-kg/A>"}) == (
        "#+ summary: s\n#+ tags:\n#+   - interactive\nSELECT * { <https://w3id.org/metastasis-kg/A> ?p ?o }\n"
    )
    with pytest.raises(UserError, match="not one N-Triples term"):
        query.bind({"x": "<a> ?p ?o } DELETE WHERE { ?s ?p ?o"})
    with pytest.raises(UserError, match=r"no value for parameter \?_x"):
        query.bind({})


# --- answers --------------------------------------------------------------------------------------------


def _json(rows: list[dict[str, dict[str, str]]]) -> bytes:
    return json.dumps({"head": {"vars": ["a", "b"]}, "results": {"bindings": rows}}).encode()


def test_equal_answers_written_differently_compare_equal() -> None:
    """Key order, number spelling, language-tag case and xsd:string spelling do not make an answer wrong."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    uri = {"type": "uri", "value": "u:1"}
    one = _json(
        [
            {"a": {"type": "literal", "value": "2.50", "datatype": xsd + "decimal"}, "b": uri},
            {"a": {"type": "literal", "value": "x", "xml:lang": "EN"}, "b": {"type": "literal", "value": "s"}},
        ]
    )
    string = {"type": "literal", "value": "s", "datatype": xsd + "string"}
    two = _json(
        [
            {"b": string, "a": {"type": "literal", "value": "x", "xml:lang": "en"}},
            {"b": uri, "a": {"type": "literal", "value": "2.5E0", "datatype": xsd + "double"}},
        ]
    )
    assert canonical_answer(one, graph=False, ordered=False) == canonical_answer(two, graph=False, ordered=False)
    # ... but where ORDER BY fixes the order, a different order is a different answer.
    assert canonical_answer(one, graph=False, ordered=True) != canonical_answer(two, graph=False, ordered=True)


def test_different_values_and_duplicates_make_an_answer_wrong() -> None:
    """A changed value or a lost duplicate row (answers are multisets) is detected."""
    row = {"a": {"type": "uri", "value": "u:1"}}
    base = canonical_answer(_json([row, row]), graph=False, ordered=False)
    assert base != canonical_answer(_json([row]), graph=False, ordered=False)
    assert base != canonical_answer(_json([row, {"a": {"type": "uri", "value": "u:2"}}]), graph=False, ordered=False)
    assert canonical_answer(b'{"boolean": true}', graph=False, ordered=False) == Answer("boolean", True, 1)


def test_graph_answers_compare_as_sets_of_triples() -> None:
    """Triple order and escapes differ between servers; the triples themselves must not."""
    a = b'<u:s> <u:p> "caf\\u00E9" .\n<u:s> <u:p> <u:o> .\n'
    b = '<u:s> <u:p> <u:o> .\n<u:s> <u:p> "café" .\n'.encode()
    c = b"<u:s> <u:p> <u:o> .\n"
    assert canonical_answer(a, graph=True, ordered=False) == canonical_answer(b, graph=True, ordered=False)
    assert canonical_answer(a, graph=True, ordered=False) != canonical_answer(c, graph=True, ordered=False)


# --- the load driver against honest and lying servers ---------------------------------------------------


class _Sparql(http.server.ThreadingHTTPServer):
    """A tiny SPARQL endpoint on loopback answering from pyoxigraph, honestly or not."""

    daemon_threads = True

    def __init__(self, store: ox.Store, lie: bool = False, etags: bool = False, bogus_304: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.store, self.lie, self.etags, self.bogus_304 = store, lie, etags, bogus_304
        self.received: list[str] = []
        self.how: list[tuple[str, str | None, list[str]]] = []  # method, content type, default graphs


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Sparql
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        params = parse_qs(urlsplit(self.path).query)
        self.server.how.append(("GET", None, params.get("default-graph-uri", [])))
        self._answer(params["query"][0], params.get("default-graph-uri", []))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        params = parse_qs(urlsplit(self.path).query)
        if self.headers["Content-Type"] == "application/sparql-query":
            self.server.how.append(("POST", self.headers["Content-Type"], params.get("default-graph-uri", [])))
            self._answer(body, params.get("default-graph-uri", []))
        else:
            form = parse_qs(body)
            self.server.how.append(("POST", self.headers["Content-Type"], form.get("default-graph-uri", [])))
            self._answer(form["query"][0], form.get("default-graph-uri", []))

    def _answer(self, query: str, default_graphs: list[str]) -> None:
        srv = self.server
        srv.received.append(query)
        etag = '"' + hashlib.sha256(query.encode()).hexdigest()[:16] + '"'
        if srv.bogus_304 or (srv.etags and self.headers.get("If-None-Match") == etag):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        graphs = [ox.NamedNode(g) for g in default_graphs]
        result = srv.store.query(query, **({"default_graph": graphs} if graphs else UNION))
        if isinstance(result, ox.QueryTriples):
            body = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES) or b""
            if srv.lie:
                body += b"<https://example.org/made-up> <https://example.org/p> <https://example.org/o> .\n"
        elif isinstance(result, ox.QueryBoolean):
            body = json.dumps({"head": {}, "boolean": bool(result) != srv.lie}).encode()
        else:
            body = result.serialize(format=ox.QueryResultsFormat.JSON) or b""
            if srv.lie:
                body = _json([{"a": {"type": "literal", "value": "made up"}}])
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if srv.etags:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def serve() -> Iterator[object]:
    """Start tiny SPARQL servers on loopback and shut every one down after the test."""
    started: list[_Sparql] = []

    def start(store: ox.Store, **kw: bool) -> Endpoint:
        srv = _Sparql(store, **kw)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        started.append(srv)
        return Endpoint("127.0.0.1", srv.server_address[1], "/sparql")

    start.servers = started  # type: ignore[attr-defined]

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def _checker(kg: SyntheticKG, reference: Endpoint) -> tuple[Checker, list]:
    vs = variants(load_queries(), load_params(kg.params))
    return Checker(collect_expected(reference, vs, timeout=60)), vs


def test_driver_counts_right_answers_as_throughput(kg10k: SyntheticKG, store10k: ox.Store, serve) -> None:
    """An honest server's answers all pass the check by GET, form POST and direct POST."""
    honest = serve(store10k)
    checker, vs = _checker(kg10k, honest)
    result = run_workload(honest, Workload("mixed", vs, 2, 0.5), checker, timeout=10)
    counts = result.counts()
    assert counts[OK] > 0 and counts[WRONG] == 0, result.details
    assert result.throughput() > 0


def test_driver_catches_a_lying_server_and_gives_it_no_throughput(
    kg10k: SyntheticKG, store10k: ox.Store, serve
) -> None:
    """A fast server that answers wrongly wins nothing: every answer is wrong and throughput is zero."""
    checker, vs = _checker(kg10k, serve(store10k))
    liar = serve(store10k, lie=True)
    result = run_workload(liar, Workload("mixed", vs, 2, 0.5), checker, timeout=10)
    counts = result.counts()
    assert counts[WRONG] > 0 and counts[OK] == 0
    assert result.throughput() == 0
    assert result.details and "expected" in " ".join(result.details)


def test_revalidated_304_counts_only_when_the_client_sent_its_etag(
    kg10k: SyntheticKG, store10k: ox.Store, serve
) -> None:
    """A 304 answering If-None-Match is a right answer; a 304 to a request without it is a wrong one."""
    checker, vs = _checker(kg10k, serve(store10k))
    repeated = [v for v in vs if v.index == 0][:3]
    caching = serve(store10k, etags=True)
    result = run_workload(
        caching, Workload("repeated", repeated, 2, 0.5, ("GET",), revalidate=True, unique=False), checker, timeout=10
    )
    assert result.counts()[NOT_MODIFIED] > 0 and result.counts()[WRONG] == 0
    cheat = serve(store10k, bogus_304=True)
    result = run_workload(
        cheat, Workload("repeated", repeated, 2, 0.3, ("GET",), revalidate=True, unique=False), checker, timeout=10
    )
    assert result.counts()[WRONG] > 0 and result.counts()[NOT_MODIFIED] == 0


def test_a_server_that_never_answers_gives_timeouts_not_a_hang(tmp_path: Path) -> None:
    """The driver stops by itself: a request to a silent server times out and the run ends."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        endpoint = Endpoint("127.0.0.1", silent.getsockname()[1], "/sparql")
        query = load_queries()[0]
        v = variants([query], [dict.fromkeys(query.params, "<https://w3id.org/metastasis-kg/A>")])[0]
        checker = Checker({v.key: Answer("boolean", True, 1)})
        result = run_workload(endpoint, Workload("selective", [v], 1, 0.1), checker, timeout=0.5)
    assert result.counts()["timeout"] >= 1 and result.throughput() == 0


def test_a_server_answering_garbage_gives_errors_and_the_run_goes_on(tmp_path: Path) -> None:
    """A malformed HTTP response is an error of that request, not a crash of the client thread."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        stop = threading.Event()

        def garbage() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                with conn:
                    conn.recv(65536)
                    conn.sendall(b"this is not HTTP\r\n\r\n")

        thread = threading.Thread(target=garbage, daemon=True)
        thread.start()
        try:
            query = load_queries()[0]
            v = variants([query], [dict.fromkeys(query.params, "<https://w3id.org/metastasis-kg/A>")])[0]
            checker = Checker({v.key: Answer("boolean", True, 1)})
            endpoint = Endpoint("127.0.0.1", listener.getsockname()[1], "/sparql")
            result = run_workload(endpoint, Workload("selective", [v], 2, 0.3), checker, timeout=5)
        finally:
            stop.set()
            thread.join()
    assert result.counts()["error"] >= 2 and result.throughput() == 0
    assert any("BadStatusLine" in d or "RemoteDisconnected" in d for d in result.details)


# --- process memory and stopping ------------------------------------------------------------------------

_PARENT = """
import subprocess, sys, time
hog = "import time; x = bytearray(60_000_000); x[::4096] = b'1' * len(x[::4096]); time.sleep(60)"
child = subprocess.Popen([sys.executable, "-c", hog])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_memory_includes_child_processes_and_stop_ends_the_whole_group(tmp_path: Path) -> None:
    """A forking server's workers count toward its memory, and stopping it leaves no worker behind."""
    proc = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, start_new_session=True)
    server = RunningServer("forker", proc, Endpoint("127.0.0.1", 1, "/"), tmp_path / "log")
    try:
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
        for _ in range(200):
            mem = tree_memory(proc.pid)
            if mem.processes == 2 and mem.rss > 60_000_000:
                break
            time.sleep(0.05)
        assert mem.processes == 2
        assert mem.rss > 60_000_000 and mem.peak >= mem.rss and mem.pss > 0
    finally:
        server.stop()
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.poll() is not None
    for _ in range(100):
        if not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the child process outlived stop()")


# --- report ---------------------------------------------------------------------------------------------


def _result(workload: str, clients: int, n_ok: int, latency: float, wrong: int = 0) -> WorkloadResult:
    samples = [Sample("q", latency, OK) for _ in range(n_ok)] + [Sample("q", latency, WRONG) for _ in range(wrong)]
    return WorkloadResult(workload, clients, 1.0, samples, ["q#0 (GET): expected 1 rows, got 2"] if wrong else [])


def _entry(name: str, factor: float, wrong: int = 0) -> dict:
    runs = [
        summarize_run(_result("mixed", 4, int(100 * factor), 0.01 / factor, wrong), 1.0),
        summarize_run(_result("selective", 16, int(300 * factor), 0.002), 1.0),
        summarize_run(_result("repeated", 4, int(50 * factor), 0.002), 1.0),
        summarize_run(_result("selective+heavy", 4, 100, 0.05), 1.0),
    ]
    return {
        "name": name,
        "label": name,
        "status": "measured",
        "startup_s": 2.0 / factor,
        "memory_after_load_mib": 100.0,
        "memory_after_load_pss_mib": 90.0,
        "memory_peak_mib": 120.0,
        "runs": runs,
    }


def _report() -> dict:
    skipped = {"name": "rdflib-endpoint", "label": "r", "status": "skipped", "reason": "too big"}
    size = {
        "size": "1M",
        "target_triples": 1_000_000,
        "triples": 1_000_004,
        "seed": 1,
        "reference": "oxigraph-memory",
        "contenders": [_entry("oxigraph-memory", 1.0), _entry("mkg", 2.0, wrong=1), skipped],
    }
    add_ratios(size)
    machine = {"cpu": "cpu", "cores": 2, "memory_gib": 24, "os": "linux", "python": "3.11", "packages": {}}
    options = {"duration_s": 1.0, "timeout_s": 30.0, "concurrency": [4, 16]}
    report = {"schema": 1, "started": "now", "machine": machine, "options": options, "sizes": [size]}
    report["targets"] = evaluate_targets(report)
    return report


def test_report_gives_ratios_to_the_reference_and_checks_the_targets(tmp_path: Path) -> None:
    """Ratios divide by the reference of the same run; wrong answers fail the correctness target."""
    report = _report()
    mkg = report["sizes"][0]["contenders"][1]
    mixed = next(r for r in mkg["runs"] if r["workload"] == "mixed")
    assert mixed["ratio"]["throughput"] == pytest.approx(2.0)
    assert mkg["ratio"]["startup"] == pytest.approx(0.5)
    targets = {t["target"]: t for t in report["targets"]}
    assert targets["no wrong answers"]["met"] is False
    assert targets["repeated queries (If-None-Match): throughput >= 5x reference"]["met"] is False
    assert targets["selective p95 while one heavy query runs < 100 ms"]["met"] is True
    path = tmp_path / "out" / "results.json"
    write_json(report, path)
    loaded = json.loads(path.read_text())
    assert loaded["sizes"][0]["contenders"][2]["status"] == "skipped"
    assert set(mixed) >= {"throughput_qps", "latency_ms", "per_query", "counts", "ratio", "details"}
    assert set(mixed["per_query"]["q"]) == {"n", "median_ms", "p95_ms", "wrong", "errors", "timeouts"}


def test_targets_check_every_client_count_and_judge_memory_by_pss() -> None:
    """A throughput target met at one concurrency cannot hide a miss at another; PSS is the memory target."""
    report = _report()
    mkg = report["sizes"][0]["contenders"][1]
    mkg["runs"].append(summarize_run(_result("selective", 1, 100, 0.002), 1.0))  # the reference has no c=1 run
    mkg["memory_after_load_mib"], mkg["memory_after_load_pss_mib"] = 400.0, 100.0  # forked: RSS counts shared pages
    add_ratios(report["sizes"][0])
    targets = {t["target"]: t for t in evaluate_targets(report)}
    assert targets["selective workload, 16 clients: throughput >= 1.0x reference"]["met"] is True
    assert targets["selective workload, 1 client: throughput >= 1.0x reference"]["met"] is None
    assert targets["mixed workload, 4 clients: throughput >= 1.0x reference"]["met"] is True
    pss = targets["memory after load <= 1.5x reference (PSS over its processes)"]
    assert pss["value"] == pytest.approx(100 / 90, abs=0.001) and pss["met"] is True
    rss = next(t for name, t in targets.items() if name.startswith("memory after load, RSS summed"))
    assert rss["value"] == pytest.approx(4.0) and rss["met"] is None
    assert "shown, not a target" in render_markdown({**report, "targets": list(targets.values())})


def test_markdown_table_shows_reference_absolute_and_others_as_ratios(tmp_path: Path) -> None:
    """The reference row carries q/s; the contender row carries ratios; the doc is updated between markers."""
    text = render_markdown(_report())
    assert "| oxigraph-memory (reference) |" in text and "q/s" in text
    assert "2.00x" in text and "skipped: too big" in text
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"# Title\n\nkept\n\n{DOC_BEGIN}\nold table\n{DOC_END}\n\nalso kept\n")
    update_doc(doc, text)
    updated = doc.read_text()
    assert "old table" not in updated and "kept" in updated and "also kept" in updated and "2.00x" in updated
    doc.write_text("no markers here\n")
    with pytest.raises(UserError, match="markers"):
        update_doc(doc, text)


def test_mixed_runs_report_the_lookups_and_the_scans_apart() -> None:
    """Inside the mixed workload the lookups' latency is given apart from the scans', for every contender."""
    samples = [Sample("lookup", 0.004, OK) for _ in range(9)] + [Sample("lookup", 0.4, OK)]
    samples += [Sample("scan", 0.8, OK) for _ in range(3)] + [Sample("scan", 0.1, WRONG)]
    mixes = {"lookup": "interactive", "scan": "analytic"}
    summary = summarize_run(WorkloadResult("mixed", 16, 1.0, samples, []), 1.0, mixes)
    assert summary["by_mix"]["interactive"] == {"n": 10, "median_ms": 4.0, "p95_ms": 400.0}
    assert summary["by_mix"]["analytic"] == {"n": 3, "median_ms": 800.0, "p95_ms": 800.0}
    assert "by_mix" not in summarize_run(WorkloadResult("mixed", 16, 1.0, samples, []), 1.0)
    report = _report()
    for entry in report["sizes"][0]["contenders"][:2]:
        entry["runs"].append(summary)
    text = render_markdown(report)
    assert "Inside the mixed workload at 1M, 16 clients" in text
    assert text.count("| 4.0 ms | 400.0 ms | 800.0 ms | 800.0 ms |") == 2


# --- options --------------------------------------------------------------------------------------------


def test_sizes_read_like_the_issue_writes_them() -> None:
    """``10k,100k,1M,10M`` are the sizes the issue names; labels round-trip."""
    assert parse_sizes("10k,100k,1M,10M") == [10_000, 100_000, 1_000_000, 10_000_000]
    assert parse_size("2500") == 2500 and format_size(1_000_000) == "1M" and format_size(100_000) == "100k"
    parser = argparse.ArgumentParser()
    add_options(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--sizes", "ten"])


# --- end to end -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_mkg_bench_end_to_end_against_the_reference(tmp_path: Path) -> None:
    """``mkg bench`` generates, starts the reference Oxigraph server, drives every workload and writes JSON."""
    from kg.cli import main

    out = tmp_path / "bench"
    code = main(
        [
            "bench",
            "--sizes",
            "2k",
            "--contenders",
            "oxigraph-memory",
            "--concurrency",
            "1",
            "--duration",
            "0.2",
            "--no-costs",
            "--no-publish",
            "--cpu-requests",
            "200",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads((out / "results.json").read_text())
    (size,) = report["sizes"]
    (ref,) = size["contenders"]
    assert ref["status"] == "measured", ref.get("reason")
    assert {r["workload"] for r in ref["runs"]} == {"selective", "mixed", "repeated", "selective+heavy"}
    assert all(r["counts"]["wrong"] == 0 and r["counts"]["ok"] > 0 for r in ref["runs"])
    assert ref["memory_after_load_mib"] > 0 and ref["startup_s"] > 0
    warm = ref["warmup"]
    assert warm["requests"] == warm["of"] == warm["counts"]["ok"] > 0
    assert f"{warm['of']} / {warm['of']} in" in (out / "table.md").read_text()
    assert (out / "table.md").read_text().count("oxigraph-memory (reference)") == 1
    assert ref["cpu_per_request"]["requests"] == 200 and ref["cpu_per_request"]["cpu_ms"] > 0
    assert size["floor"]["engine"]["requests"] == size["floor"]["minimal_wsgi"]["requests"] == 200
    assert "ceiling, waitress front" in (out / "table.md").read_text()
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"intro\n{DOC_BEGIN}\nTHE-OLD-TABLE\n{DOC_END}\n")
    assert main(["bench", "--report-only", "--out", str(out), "--doc", str(doc)]) == 0
    assert "THE-OLD-TABLE" not in doc.read_text() and "oxigraph-memory (reference)" in doc.read_text()
    assert "Publish time" not in doc.read_text()  # --no-publish: nothing measured, no table


def test_every_query_is_sent_equally_often_whatever_its_number_of_parameter_rows(kg10k: SyntheticKG) -> None:
    """The mixed workload is a mix of questions: a query with 16 rows is not sent 16 times as often."""
    from collections import Counter

    from benchmarks.driver import balanced_order

    vs = variants(load_queries(), load_params(kg10k.params))
    counts = Counter(v.query.name for v in balanced_order(vs, seed=1))
    assert len(set(counts.values())) == 1 and set(counts) == {q.name for q in load_queries()}
    assert {v.key for v in balanced_order(vs, seed=1)} == {v.key for v in vs}


def test_selective_requests_are_never_repeated_byte_for_byte(kg10k: SyntheticKG, store10k: ox.Store, serve) -> None:
    """A result cache cannot answer the selective and mixed workloads, not even a later workload's requests."""
    endpoint = serve(store10k)
    checker, vs = _checker(kg10k, endpoint)
    (server,) = serve.servers
    few = [v for v in vs if v.query.mix == "interactive"][:3]
    server.received.clear()
    result = run_workload(endpoint, Workload("selective", few, 2, 0.3), checker, timeout=10)
    assert result.counts()[OK] == len(server.received) > len(few)
    assert len(set(server.received)) == len(server.received)
    # The next workload on the same server starts its clients where this one did: still no text repeats.
    run_workload(endpoint, Workload("selective", few, 4, 0.3), checker, timeout=10)
    assert len(set(server.received)) == len(server.received) > result.counts()[OK]
    server.received.clear()
    run_workload(endpoint, Workload("repeated", few, 2, 0.3, ("GET",), unique=False), checker, timeout=10)
    assert len(set(server.received)) <= len(few) < len(server.received)


def test_warmup_pass_sends_each_selective_request_and_one_of_each_analytic_query_once(
    kg10k: SyntheticKG, store10k: ox.Store, serve
) -> None:
    """The untimed warm-up reads what the timed runs read, once per client, and stops at the end of its pass."""
    from benchmarks.plan import build_warmup

    endpoint = serve(store10k)
    checker, vs = _checker(kg10k, endpoint)
    (server,) = serve.servers
    warmup = build_warmup(vs, 2, 60.0)
    interactive = {v.key for v in vs if v.query.mix == "interactive"}
    analytic = {v.query.name for v in vs if v.query.mix == "analytic"}
    assert {v.key for v in warmup.variants} >= interactive
    assert {v.query.name for v in warmup.variants if v.query.mix == "analytic"} == analytic
    assert len(warmup.variants) == len(interactive) + len(analytic)
    server.received.clear()
    result = run_workload(endpoint, warmup, checker, timeout=10)
    assert result.counts()[OK] == 2 * len(warmup.variants) == len(server.received)  # each client, one pass
    assert len(set(server.received)) == len(server.received)  # still never served from a result cache
    assert result.elapsed_s < 60.0


# --- build-step costs -----------------------------------------------------------------------------------


def test_cost_steps_report_times_errors_and_steps_over_their_limit(tmp_path: Path) -> None:
    """Each step gets seconds, its error, or 'over the limit'; nothing is silently left out."""
    from benchmarks.costs import _run_steps

    kg = generate(tmp_path / "1k", 1_000, seed=2)
    results = _run_steps(kg.folder, ["parse", "infer"], limit_s=120)
    assert results["parse"]["seconds"] >= 0 and results["parse"]["detail"].endswith("quads")
    assert 0 < results["parse"]["cpu_seconds"] <= results["parse"]["seconds"] * 4  # parsing is CPU work
    assert "needs the reason step" in results["infer"]["error"]
    stalled = _run_steps(kg.folder, ["parse", "shacl"], limit_s=0.05)
    assert stalled == {"parse": {"over_limit_s": 0.05}}


def test_reasoner_cpu_time_counts_its_java_process(tmp_path: Path) -> None:
    """HermiT runs in a JVM child: its CPU time belongs to the reason step, not to nobody."""
    from benchmarks.costs import _run_steps

    kg = generate(tmp_path / "1k", 1_000, seed=2)
    reason = _run_steps(kg.folder, ["parse", "reason"], limit_s=300)["reason"]
    # A JVM start and HermiT's run cost ~0.8 s of CPU here, the Python side waiting for it ~0.05 s: an
    # absolute floor (not a share of wall time, which a loaded machine stretches) tells the two apart.
    assert reason["cpu_seconds"] >= 0.25, reason


def test_growth_exponent_is_one_for_linear_growth() -> None:
    """The exponent k of time ~ size^k: linear growth gives 1, quadratic 2, a missing time no verdict."""
    from benchmarks.costs import growth_exponent

    assert growth_exponent(100_000, 2.0, 1_000_000, 20.0) == 1.0
    assert growth_exponent(100_000, 2.0, 1_000_000, 200.0) == 2.0
    assert growth_exponent(100_000, None, 1_000_000, 20.0) is None


def test_a_negative_warmup_is_refused_naming_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--warmup -5`` is a mistake, not a silent 'no warm-up': exit 2, the option named, nothing measured."""
    from kg.cli import main

    assert main(["bench", "--sizes", "2k", "--warmup", "-5", "--out", str(tmp_path / "out")]) == 2
    assert "--warmup" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_sigterm_stops_the_bench_and_every_server_it_started(tmp_path: Path) -> None:
    """A bench stopped by SIGTERM (CI, a supervisor) takes its servers with it: none outlives it."""
    out = tmp_path / "bench"
    args = ["bench", "--sizes", "2k", "--contenders", "oxigraph-memory", "--concurrency", "1"]
    args += ["--duration", "30", "--no-costs", "--no-publish", "--warmup", "0", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "selective x1" in line:
                break
        servers = descendants(proc.pid)
        assert servers, "the reference server should be running by now"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) != 0
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in servers if Path(f"/proc/{pid}").exists()] == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.parametrize(("warmup_finishes", "warmups"), [(True, 2), (False, 1)])
def test_a_server_whose_query_timed_out_is_restarted_and_warmed_again(
    tmp_path: Path, kg10k: SyntheticKG, monkeypatch: pytest.MonkeyPatch, warmup_finishes: bool, warmups: int
) -> None:
    """After a timeout the next workload gets a fresh server, warmed like the first one.

    Unless its first warm-up pass did not finish: it would only spend the whole limit again.
    """
    from benchmarks import run as bench_run
    from benchmarks.servers import Contender, RunningServer

    started: list[RunningServer] = []

    def start(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
        proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
        started.append(RunningServer("fake", proc, Endpoint("127.0.0.1", 9, "/sparql"), tmp_path / "log"))
        return started[-1]

    sent: list[str] = []

    def fake_run(endpoint: Endpoint, workload: Workload, checker: object, **kw: object) -> WorkloadResult:
        sent.append(workload.name)
        cut = workload.name == "warm-up" and not warmup_finishes
        outcome = TIMEOUT if workload.name == "selective" and sent.count("selective") == 1 else OK
        samples = [Sample("q", 0.01, outcome)] * (1 if cut else len(workload.variants) * workload.concurrency)
        return WorkloadResult(workload.name, workload.concurrency, 0.1, samples)

    monkeypatch.setattr(bench_run, "run_workload", fake_run)
    args = argparse.Namespace(startup_limit=10, warmup=5.0, concurrency=[1], timeout=1.0, seed=1)
    vs = variants(load_queries(), load_params(kg10k.params))
    workloads = [Workload("selective", vs[:2], 1, 0.1), Workload("mixed", vs[:2], 1, 0.1)]
    try:
        measured = bench_run._Measured(Contender("fake", "fake", start), kg10k, tmp_path, args, vs, [])
        entry = measured.run(workloads, None)  # type: ignore[arg-type]
    finally:
        for server in started:
            server.stop()
    assert entry["status"] == "measured" and entry["restarts"] == 1 and len(started) == 2
    assert sent.count("warm-up") == warmups
    assert sent == ["warm-up", "selective", *(["warm-up"] if warmup_finishes else []), "mixed"]
    assert any("restarted after selective x1" in note for note in entry["notes"])
    assert all(not s.alive() for s in started)


# --- CPU per request and the ceiling of a waitress front -----------------------------------------------


@pytest.mark.parametrize("name", ["flask-pyoxigraph", "wsgi-granian"])
def test_guard_free_contenders_answer_every_request_of_the_mix_right(
    name: str, kg10k: SyntheticKG, store10k: ox.Store, serve, tmp_path: Path
) -> None:
    """The bare in-process contenders are fair ones: each answers every request of the mix right, by every method."""
    from benchmarks.servers import CONTENDERS

    checker, vs = _checker(kg10k, serve(store10k))
    before = set(descendants(os.getpid()))
    server = CONTENDERS[name].start(kg10k, tmp_path, 60)
    try:
        every = Workload("every request", vs, 3, 60, passes=1)  # GET, form POST and direct POST in turn
        result = run_workload(server.endpoint, every, checker, timeout=30)
    finally:
        server.stop()
    assert result.counts()[OK] == 3 * len(vs), result.details
    assert not server.alive()
    assert set(descendants(os.getpid())) <= before  # granian's worker processes went with it


def test_granian_contender_runs_a_process_per_core_and_refuses_bad_options(kg10k: SyntheticKG, tmp_path: Path) -> None:
    """The ceiling is only a ceiling if it uses every core: one worker process per core, each answering."""
    from benchmarks.servers import CONTENDERS

    server = CONTENDERS["wsgi-granian"].start(kg10k, tmp_path, 60)
    try:
        workers = [p for p in descendants(server.proc.pid) if p != server.proc.pid]
        assert len(workers) >= len(os.sched_getaffinity(0))
        client = HttpClient(server.endpoint, 10)
        reply = client.query("SELEKT nothing")
        client.close()
        assert reply.status == 400 and reply.body  # the engine's message, not a crash
    finally:
        server.stop()
    for bad, message in ((["--workers", "0"], "--workers must be at least 1"), ([], "no such file")):
        cmd = [sys.executable, "-m", "benchmarks.granian_server", "--data", str(tmp_path / "none.nq"), "--port", "1"]
        done = subprocess.run([*cmd, *bad], capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 2 and message in done.stderr


def test_selective_requests_cycle_the_interactive_queries_each_with_a_text_of_its_own(kg10k: SyntheticKG) -> None:
    """The CPU pass measures evaluation, never a cache: no two requests are the same text."""
    from benchmarks.floor import selective_requests

    vs = variants(load_queries(), load_params(kg10k.params))
    requests = selective_requests(vs, 500)
    interactive = {v.text for v in vs if v.query.mix == "interactive"}
    assert len(requests) == 500 and len({r.text for r in requests}) == 500
    assert {r.text.rsplit("\n# cpu pass", 1)[0] for r in requests} == interactive
    assert any(r.graph for r in requests) and not all(r.graph for r in requests)


def test_cpu_pass_charges_the_whole_process_tree_and_counts_failures_apart(kg10k: SyntheticKG, tmp_path: Path) -> None:
    """CPU per request sums the server's children too; a refused request is a failure, not an answer."""
    from benchmarks.floor import Request, selective_requests, server_cpu
    from benchmarks.procmem import tree_cpu_seconds

    # A parent that does nothing but wait while its child burns CPU: only the tree sum sees it.
    # The child marks when it has burnt its 0.5 s, so a loaded machine only makes the wait longer.
    done = tmp_path / "burnt"
    burner = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    t = time.process_time()\n"
        "    while time.process_time() - t < 0.5:\n"
        "        pass\n"
        "    open(sys.argv[1], 'w').close()\n"
        "time.sleep(300)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", burner, str(done)], start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert done.exists(), "the child never burnt its 0.5 s of CPU"
        assert tree_cpu_seconds(proc.pid) >= 0.45
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    from benchmarks.servers import CONTENDERS

    server = CONTENDERS["flask-pyoxigraph"].start(kg10k, tmp_path, 60)
    try:
        requests = selective_requests(variants(load_queries(), load_params(kg10k.params)), 100)
        measured = server_cpu(server, [*requests, Request("SELEKT nothing", False)], limit_s=30, timeout=10)
    finally:
        server.stop()
    assert measured["requests"] == 100 and measured["failed"] == 1
    assert measured["cpu_ms"] > 0 and measured["wall_ms"] >= measured["cpu_ms"] * 0.1


def test_floor_measures_the_engine_alone_and_a_fixed_body_wsgi_app(kg10k: SyntheticKG, tmp_path: Path) -> None:
    """Both terms of the ceiling come from real runs on the same requests, and the helpers stop afterwards."""
    from benchmarks.floor import measure_floor, selective_requests

    requests = selective_requests(variants(load_queries(), load_params(kg10k.params)), 300)
    before = set(descendants(os.getpid()))
    floor = measure_floor(kg10k.nquads, requests, tmp_path, limit_s=30, timeout=10, startup_limit=60)
    assert floor["engine"]["requests"] == 300 and floor["engine"]["cpu_ms"] > 0
    assert floor["minimal_wsgi"]["requests"] == 300 and floor["minimal_wsgi"]["failed"] == 0
    assert floor["minimal_wsgi"]["cpu_ms"] > 0
    assert set(descendants(os.getpid())) <= before


def test_ceiling_is_the_reference_over_engine_plus_web_and_is_reported(tmp_path: Path) -> None:
    """The ceiling is reference / (engine + fixed-body request); the table shows it, the targets do not judge it."""
    report = _report()
    size = report["sizes"][0]
    by_name = {c["name"]: c for c in size["contenders"]}
    by_name["oxigraph-memory"]["cpu_per_request"] = {"requests": 10, "failed": 0, "cpu_ms": 1.5, "wall_ms": 2.0}
    by_name["mkg"]["cpu_per_request"] = {"requests": 10, "failed": 0, "cpu_ms": 3.0, "wall_ms": 4.0}
    size["floor"] = {
        "engine": {"requests": 10, "failed": 0, "cpu_ms": 1.2, "wall_ms": 1.2},
        "minimal_wsgi": {"requests": 10, "failed": 0, "cpu_ms": 0.3, "wall_ms": 0.5},
    }
    report["options"]["cpu_requests"] = 10
    targets = {t["target"]: t for t in evaluate_targets(report)}
    ceiling = targets["ceiling of selective throughput for a waitress front running Python per request"]
    assert ceiling["value"] == pytest.approx(1.0) and ceiling["met"] is None
    text = render_markdown({**report, "targets": list(targets.values())})
    assert "| 1M | 1.500 | 1.200 | 0.300 | 1.00x | — | 3.000 | 0.50x |" in text
    native = {**_entry("wsgi-granian", 1.0), "cpu_per_request": {"requests": 10, "failed": 0, "cpu_ms": 1.4}}
    size["contenders"].append(native)  # a native HTTP server's figure is shown beside the waitress ceiling
    assert "| 1M | 1.500 | 1.200 | 0.300 | 1.00x | 1.400 | 3.000 | 0.50x |" in render_markdown(report)
    size["floor"] = {"error": "ServerFailed: no memory"}
    assert "not measured: ServerFailed: no memory" in render_markdown(report)


def test_a_negative_cpu_request_count_is_refused_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--cpu-requests -1`` exits 2 naming the option, before anything is generated or started."""
    from kg.cli import main

    assert main(["bench", "--sizes", "2k", "--cpu-requests", "-1", "--out", str(tmp_path / "out")]) == 2
    assert "--cpu-requests" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_memory_is_scaled_up_from_pss_and_only_from_a_size_a_tenth_of_the_next_or_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 10k run says little about 1M (fixed costs dominate); a forked server is judged by PSS, not summed RSS."""
    from benchmarks import run

    monkeypatch.setattr(run, "memory_available", lambda: 23 * 2**30)
    assert run._fits("mkg", 1_000_000, {"mkg": (10_000, 2_000.0)}) is None
    skipped = run._fits("mkg", 1_000_000, {"mkg": (100_000, 2_000.0)})
    assert skipped is not None and "19.5 GiB" in skipped and "100k" in skipped
    assert run._fits("mkg", 1_000_000, {"mkg": (100_000, 1_000.0)}) is None
    forked = {"memory_after_load_pss_mib": 100.0, "memory_after_runs_pss_mib": 300.0, "memory_peak_mib": 2_000.0}
    assert run._spent_mib(forked) == 300.0
    assert run._spent_mib({"memory_peak_mib": 2_000.0}) == 2_000.0


# --- Virtuoso, our front over it, and publish time (issue 14) ------------------------------------------


def test_an_endpoint_without_direct_post_gets_form_posts_and_the_kg_graphs_as_dataset(
    store10k: ox.Store, serve
) -> None:
    """Virtuoso's quirks are worked around per endpoint: no direct POST, the KG's graphs named by default.

    A query naming its own dataset keeps it; one naming none gets the endpoint's.
    """
    asserted, ontology = GRAPHS["asserted"], GRAPHS["ontology"]
    plain = serve(store10k)
    quirky = Endpoint(plain.host, plain.port, plain.path, dataset=(("default-graph-uri", asserted),), direct_post=False)
    client = HttpClient(quirky, timeout=10)
    try:
        assert client.query("ASK { ?s ?p ?o }", method="POST-direct").status == 200
        own = (("default-graph-uri", ontology),)
        assert client.query("ASK { ?s ?p ?o }", method="GET", dataset=own).status == 200
    finally:
        client.close()
    (srv,) = serve.servers
    assert srv.how == [("POST", "application/x-www-form-urlencoded", [asserted]), ("GET", None, [ontology])]


def _overhead_report(front_factor: float) -> dict:
    size = {
        "size": "100k",
        "target_triples": 100_000,
        "triples": 100_002,
        "seed": 1,
        "reference": "oxigraph-memory",
        "contenders": [
            _entry("oxigraph-memory", 1.0),
            _entry("virtuoso", 0.5, wrong=5),
            _entry("mkg-virtuoso", 0.5 * front_factor, wrong=5),
        ],
    }
    add_ratios(size)
    machine = {"cpu": "cpu", "cores": 2, "memory_gib": 24, "os": "linux", "python": "3.11", "packages": {}}
    options = {"duration_s": 1.0, "timeout_s": 30.0, "concurrency": [4, 16]}
    return {"schema": 1, "started": "now", "machine": machine, "options": options, "sizes": [size]}


def test_front_overhead_over_virtuoso_is_judged_on_the_mixed_workload_against_ten_percent() -> None:
    """The front keeping 95% of Virtuoso's throughput meets the target, 80% does not; shared wrongs don't count."""
    from benchmarks.report import front_overhead

    (row,) = front_overhead(_overhead_report(0.95))
    assert (row["size"], row["clients"]) == ("100k", 4) and row["wrong"] == (5, 5)
    assert row["answered_ratio"] == pytest.approx(52 / 55, abs=0.01)
    assert "| 100k | 4 | 50.0 | 47.0 | 0.94x (0.94x) | 5 / 5 | yes |" in render_markdown(_overhead_report(0.95))
    assert "| **no** |" in render_markdown(_overhead_report(0.8)).split("Our front over Virtuoso")[1]
    assert "Our front over Virtuoso" not in render_markdown(_report())


def test_publish_time_is_counted_only_when_the_engine_holds_every_triple(tmp_path: Path) -> None:
    """``mkg publish`` into a fresh Oxigraph server is timed with its CPU and peak memory; a failure says why."""
    from benchmarks.engines import missing
    from benchmarks.publishing import _one, publish_once

    if missing("oxigraph"):
        pytest.skip(missing("oxigraph"))
    kg = generate(tmp_path / "2k", 2_000, seed=3)
    row = _one(kg, "oxigraph", tmp_path / "work", timeout=300)
    assert row["status"] == "measured", row
    assert row["seconds"] > 0 and row["cpu_seconds"] > 0 and row["peak_rss_mib"] > 10
    from benchmarks.protocol import free_port

    failed = publish_once(kg, f"http://127.0.0.1:{free_port()}/store", dict(os.environ), tmp_path / "log", 300)
    assert failed["status"] == "failed" and "cannot reach the store" in failed["reason"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["virtuoso", "mkg-virtuoso"])
def test_virtuoso_contenders_answer_the_mix_as_the_reference_does(
    name: str, tmp_path: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtuoso direct and our front over it answer every request of the mix, by every method, checked.

    The one difference is Virtuoso's: its ``rdfs:subClassOf*`` repeats a pair that the zero-length path and
    the release's reflexive subclass triple both give, where SPARQL's path semantics give it once; the
    front passes the engine's answer on as it is. Both stop with every process they started.
    """
    from benchmarks.engines import missing
    from benchmarks.servers import CONTENDERS

    if missing("virtuoso"):
        pytest.skip(missing("virtuoso"))
    kg = generate(tmp_path / "2k", 2_000, seed=1)
    store = ox.Store()
    store.bulk_load(path=str(kg.nquads), format=ox.RdfFormat.N_QUADS)
    checker, vs = _checker(kg, serve(store))
    before = set(descendants(os.getpid()))
    server = CONTENDERS[name].start(kg, tmp_path / "work", 120)
    try:
        result = run_workload(server.endpoint, Workload("every request", vs, 3, 120, passes=1), checker, timeout=60)
        memory = server.memory()
    finally:
        server.stop()
    counts = result.counts()
    assert counts[OK] + counts[WRONG] == 3 * len(vs), result.details
    wrong = {s.query for s in result.samples if s.outcome == WRONG}
    assert wrong <= {"skin-signs-of-primary-or-ancestors"}, result.details
    assert memory.processes >= (2 if name == "mkg-virtuoso" else 1) and memory.rss > 0
    assert not server.alive() and set(descendants(os.getpid())) <= before
