"""The contenders: SPARQL servers the benchmark starts as subprocesses on the same data, in the same run.

Ratios are only meaningful against references measured on the same machine, data and moment, so the
benchmark starts every server itself: the Oxigraph server (PyPI's ``oxigraph``) in memory and on disk,
rdflib-endpoint, a bare Flask app calling pyoxigraph (:mod:`benchmarks.flask_server`), a bare WSGI
function on granian's native HTTP server (:mod:`benchmarks.granian_server`), Virtuoso 7 (Debian's package,
started as the tests start it, :mod:`benchmarks.engines`), and our own ``mkg serve``, on its embedded store
or in front of that Virtuoso. Each binds 127.0.0.1 on a free port, is reached over HTTP only (nothing here
imports ``server``), and is stopped by the PID the benchmark started, with its process group (a server may
fork workers).

Start-up time is measured from spawning the process to the first answered query with all data loaded;
for the in-memory Oxigraph server that includes posting the N-Quads to its store.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.engines import Virtuoso, missing
from benchmarks.generate import SyntheticKG
from benchmarks.procmem import TreeMemory, tree_cpu_seconds, tree_memory
from benchmarks.protocol import Endpoint, HttpClient, free_port
from kg.errors import UserError

__all__ = [
    "CONTENDERS",
    "REFERENCE",
    "Contender",
    "RunningServer",
    "ServerFailed",
    "find_executable",
    "start_timed",
    "wait_ready",
]

REFERENCE = "oxigraph-memory"
_LOG_TAIL = 2_000


class ServerFailed(RuntimeError):
    """A contender did not start or died; the message carries its log's tail."""


@dataclass
class RunningServer:
    """A started contender: its process, where it answers, and what starting it cost."""

    name: str
    proc: subprocess.Popen[bytes]
    endpoint: Endpoint
    log: Path
    startup_s: float = 0.0
    prepare_s: float | None = None
    notes: list[str] = field(default_factory=list)
    stopped: bool = False
    engine: RunningServer | None = None
    """The engine a front answers through (``mkg-virtuoso``): its memory and CPU are the front's too."""

    def alive(self) -> bool:
        """Whether the server process (and the engine behind it) is still running."""
        return self.proc.poll() is None and (self.engine is None or self.engine.alive())

    def memory(self) -> TreeMemory:
        """Resident memory of the server and its child processes, with the engine behind it."""
        own = tree_memory(self.proc.pid)
        if self.engine is None:
            return own
        more = self.engine.memory()
        return TreeMemory(own.rss + more.rss, own.peak + more.peak, own.pss + more.pss, own.processes + more.processes)

    def cpu_seconds(self) -> float:
        """CPU seconds spent so far by the server's process tree, with the engine behind it."""
        return tree_cpu_seconds(self.proc.pid) + (self.engine.cpu_seconds() if self.engine else 0.0)

    def stop(self) -> None:
        """Terminate the process group this benchmark started, then kill it if it lingers (idempotent)."""
        if self.stopped:
            return
        self.stopped = True
        try:
            self._stop_own()
        finally:
            if self.engine is not None:
                self.engine.stop()

    def _stop_own(self) -> None:
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc, signal.SIGKILL)
                self.proc.wait(timeout=15)
        else:
            # The leader is gone; workers it forked may still hold the group.
            _signal_group(self.proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The server was started with start_new_session=True, so its group id is its own PID.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


@dataclass(frozen=True)
class Contender:
    """A server the benchmark knows how to start on a synthetic KG."""

    name: str
    label: str
    start: Callable[[SyntheticKG, Path, float], RunningServer]
    missing: Callable[[], str | None] = lambda: None
    """Why the contender cannot run on this machine (a package not installed), or None."""


def log_tail(log: Path) -> str:
    """Return the end of a server's log, for error messages."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text[-_LOG_TAIL:].strip()


def _spawn(name: str, cmd: Sequence[str], workdir: Path, endpoint: Endpoint) -> RunningServer:
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(cmd), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return RunningServer(name, proc, endpoint, log)


def wait_ready(server: RunningServer, deadline: float) -> None:
    """Poll with ``ASK {}`` until the server answers 200; fail early if it exits."""
    client = HttpClient(server.endpoint, timeout=10)
    try:
        while True:
            if not server.alive():
                raise ServerFailed(
                    f"{server.name} exited with status {server.proc.returncode} before answering:\n"
                    f"{log_tail(server.log)}"
                )
            try:
                if client.query("ASK {}").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(f"{server.name} did not answer within its start-up limit:\n{log_tail(server.log)}")
            time.sleep(0.05)
    finally:
        client.close()


def find_executable(name: str) -> str:
    """Find a console script installed beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise UserError(f"'{name}' not found; install the benchmark extra: pip install -e '.[bench]'")
    return found


def _post_dataset(endpoint: Endpoint, nquads: Path, timeout: float) -> None:
    conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)
    try:
        with nquads.open("rb") as body:
            headers = {"Content-Type": "application/n-quads", "Content-Length": str(nquads.stat().st_size)}
            conn.request("POST", "/store", body=body, headers=headers)
            response = conn.getresponse()
            detail = response.read()[:500]
        if response.status not in (200, 201, 204):
            raise ServerFailed(f"loading {nquads.name} answered {response.status}: {detail!r}")
    finally:
        conn.close()


def start_timed(
    name: str,
    cmd: Sequence[str],
    workdir: Path,
    endpoint: Endpoint,
    limit: float,
    then: Callable[[RunningServer], None] | None = None,
) -> RunningServer:
    """Spawn a server and wait until it answers (and ``then`` has loaded it); start-up is timed from the spawn."""
    began = time.monotonic()
    server = _spawn(name, cmd, workdir, endpoint)
    try:
        wait_ready(server, began + limit)
        if then is not None:
            then(server)
    except BaseException:
        server.stop()
        raise
    server.startup_s = time.monotonic() - began
    return server


def _start_oxigraph_memory(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    port = free_port()
    cmd = [find_executable("oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    return start_timed(
        "oxigraph-memory",
        cmd,
        workdir,
        Endpoint("127.0.0.1", port, "/query"),
        limit,
        then=lambda server: _post_dataset(server.endpoint, kg.nquads, timeout=limit),
    )


def _start_oxigraph_disk(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    store = workdir / "oxigraph-store"
    shutil.rmtree(store, ignore_errors=True)
    oxigraph = find_executable("oxigraph")
    began = time.monotonic()
    loaded = subprocess.run(
        [oxigraph, "load", "--location", str(store), "--file", str(kg.nquads)],
        capture_output=True, text=True, timeout=limit, check=False,
    )  # fmt: skip
    if loaded.returncode != 0:
        raise ServerFailed(f"oxigraph load failed ({loaded.returncode}): {loaded.stderr[-_LOG_TAIL:]}")
    prepared = time.monotonic() - began
    port = free_port()
    cmd = [oxigraph, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
           "--union-default-graph"]  # fmt: skip
    server = start_timed("oxigraph-disk", cmd, workdir, Endpoint("127.0.0.1", port, "/query"), limit)
    server.prepare_s = prepared
    server.notes.append("prepare = `oxigraph load` into a RocksDB folder, before the server starts")
    return server


def _start_rdflib(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    port = free_port()
    cmd = [sys.executable, "-m", "benchmarks.rdflib_server", "--data", str(kg.nquads), "--port", str(port)]
    return start_timed("rdflib-endpoint", cmd, workdir, Endpoint("127.0.0.1", port, "/"), limit)


def _start_flask(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    port = free_port()
    cmd = [sys.executable, "-m", "benchmarks.flask_server", "--data", str(kg.nquads), "--port", str(port)]
    return start_timed("flask-pyoxigraph", cmd, workdir, Endpoint("127.0.0.1", port, "/query"), limit)


def _start_granian(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    port = free_port()
    cmd = [sys.executable, "-m", "benchmarks.granian_server", "--data", str(kg.nquads), "--port", str(port)]
    server = start_timed("wsgi-granian", cmd, workdir, Endpoint("127.0.0.1", port, "/"), limit)
    server.notes.append("one process per core, each loading its own copy of the store")
    return server


# Where ``mkg serve`` answers SPARQL; the other paths it serves are pages and linked data.
MKG_SPARQL_PATH = "/sparql"


def _start_mkg(kg: SyntheticKG, workdir: Path, limit: float, *, release: bool = False) -> RunningServer:
    port = free_port()
    data = ["--release", str(kg.folder)] if release else ["--no-release", "--data", str(kg.nquads)]
    cmd = [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *data]
    name = "mkg-release" if release else "mkg"
    return start_timed(name, cmd, workdir, Endpoint("127.0.0.1", port, MKG_SPARQL_PATH), limit)


def _start_mkg_granian(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    """The same app as ``mkg serve`` (every guard on), hosted by granian instead of gunicorn.

    The candidate server measured beside the chosen one, with ``mkg serve``'s default processes and threads.
    """
    port = free_port()
    granian = str(Path(sys.executable).with_name("granian"))
    cmd = [
        granian,
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--blocking-threads",
        "16",
        "--log-level",
        "warning",
        "server.serving.wsgi:app",
    ]
    env_cmd = ["env", f"MKG_SERVE_ARGS=--no-release --data {kg.nquads}", *cmd]
    server = start_timed("mkg-granian", env_cmd, workdir, Endpoint("127.0.0.1", port, MKG_SPARQL_PATH), limit)
    server.notes.append("two granian workers of 16 blocking threads; no retirement of a worker after a runaway query")
    return server


# Virtuoso's cache in 8 KiB pages: the setting its ini guide gives for 2 GB of free memory.
_VIRTUOSO_BUFFERS = 170_000
# Virtuoso's HTTP threads: more than the largest client count, and than a front's 2 workers x 16 threads.
_VIRTUOSO_THREADS = 40


def _start_virtuoso(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    """Virtuoso 7 (Debian's ``virtuoso-opensource``) with the KG bulk-loaded; its own ``/sparql`` endpoint.

    Start-up runs from spawning ``virtuoso-t`` to the first answer after the bulk loader (``ld_dir`` and
    ``rdf_loader_run`` through ``isql``, then a checkpoint) has loaded ``kg.nq``, each quad into its graph.
    """
    reason = missing("virtuoso")
    if reason:
        raise ServerFailed(reason)
    folder = workdir / "virtuoso"
    shutil.rmtree(folder, ignore_errors=True)
    began = time.monotonic()
    try:
        engine = Virtuoso(folder, buffers=_VIRTUOSO_BUFFERS, threads=_VIRTUOSO_THREADS)
    except (RuntimeError, OSError) as err:
        raise ServerFailed(f"Virtuoso did not start: {err}") from err
    graphs = tuple(sorted(kg.graphs))
    dataset = (*(("default-graph-uri", g) for g in graphs), *(("named-graph-uri", g) for g in graphs))
    endpoint = Endpoint("127.0.0.1", engine.http_port, "/sparql", dataset=dataset, direct_post=False)
    server = RunningServer("virtuoso", engine.process, endpoint, engine.log)
    try:
        engine.load(kg.nquads)
        wait_ready(server, began + limit)
    except RuntimeError as err:
        server.stop()
        raise ServerFailed(f"Virtuoso did not load {kg.nquads.name}: {err}") from err
    except BaseException:
        server.stop()
        raise
    server.startup_s = time.monotonic() - began
    server.notes.append("start-up includes Virtuoso's bulk loader (ld_dir, rdf_loader_run, checkpoint) on kg.nq")
    server.notes.append(
        "queries without a dataset of their own name the KG's graphs (as our front does), since Virtuoso's"
        " default graph holds its system graphs too; direct POSTs go as form POSTs (Virtuoso 7 never answers"
        " application/sparql-query)"
    )
    return server


def _start_mkg_virtuoso(kg: SyntheticKG, workdir: Path, limit: float) -> RunningServer:
    """``mkg serve --release FOLDER --engine URL`` over a Virtuoso loaded as :func:`_start_virtuoso` loads it.

    The front's memory, CPU and start-up include the engine's: together they are what the layout costs.
    """
    engine = _start_virtuoso(kg, workdir, limit)
    try:
        port = free_port()
        cmd = [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--release", str(kg.folder), "--engine", engine.endpoint.url]  # fmt: skip
        server = start_timed("mkg-virtuoso", cmd, workdir, Endpoint("127.0.0.1", port, MKG_SPARQL_PATH), limit)
    except BaseException:
        engine.stop()
        raise
    server.engine = engine
    server.startup_s += engine.startup_s
    server.notes.append("memory, CPU and start-up are the front's plus Virtuoso's (bulk load included)")
    return server


CONTENDERS = {
    c.name: c
    for c in (
        Contender(REFERENCE, "Oxigraph server, in-memory store (reference)", _start_oxigraph_memory),
        Contender("oxigraph-disk", "Oxigraph server, on-disk RocksDB store, read-only", _start_oxigraph_disk),
        Contender("rdflib-endpoint", "rdflib-endpoint (FastAPI + rdflib in-memory Dataset)", _start_rdflib),
        Contender(
            "flask-pyoxigraph",
            "bare Flask app calling pyoxigraph in-process, on waitress: no timeout, row cap or isolation",
            _start_flask,
        ),
        Contender(
            "wsgi-granian",
            "bare WSGI function calling pyoxigraph, on granian (native HTTP), one process per core: "
            "no Flask, timeout, row cap or isolation; the ceiling of any Python-hosted endpoint",
            _start_granian,
        ),
        Contender(
            "mkg", "mkg serve --no-release --data kg.nq (this project: gunicorn, 2 workers x 16 threads)", _start_mkg
        ),
        Contender(
            "mkg-granian",
            "the same app on granian (2 workers x 16 blocking threads): the candidate server",
            _start_mkg_granian,
        ),
        Contender(
            "virtuoso",
            "Virtuoso 7 open source, its own /sparql endpoint (bulk-loaded)",
            _start_virtuoso,
            lambda: missing("virtuoso"),
        ),
        Contender(
            "mkg-virtuoso",
            "mkg serve --release FOLDER --engine <Virtuoso's /sparql> (this project's front over Virtuoso)",
            _start_mkg_virtuoso,
            lambda: missing("virtuoso"),
        ),
        Contender(
            "mkg-release",
            "mkg serve --release FOLDER (this project, the release path)",
            lambda kg, workdir, limit: _start_mkg(kg, workdir, limit, release=True),
        ),
    )
}
