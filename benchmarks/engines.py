"""Real SPARQL engines on loopback: the Oxigraph server (PyPI) and Virtuoso 7 (Debian), loaded with a file.

Shared by the benchmark's ``virtuoso`` and ``mkg-virtuoso`` contenders (:mod:`benchmarks.servers`) and by the
tests that run the front over real engines (``tests/server``, ``tests/linked``), so both start an engine
the same way. Every engine binds 127.0.0.1 on a port the kernel just handed out, keeps its data in the
folder it is given, runs in a session of its own (so a benchmark can stop it with everything it forked),
and is stopped by the PID recorded here, never by name.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.protocol import free_port

__all__ = ["OxigraphServer", "Virtuoso", "free_port", "missing", "stop_process", "wait_for_port"]


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, seconds: float = 120.0) -> None:
    """Return once ``port`` accepts connections; fail with the log's tail if the process died first."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"engine exited with {process.returncode}:\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"engine did not listen on port {port} within {seconds} s:\n{_tail(log)}")


def stop_process(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """SIGTERM the process by its PID, then SIGKILL if it outlives ``grace`` seconds."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(grace)


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-3000:]
    except OSError:
        return "(no log)"


_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = {threads}
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
DirsAllowed = ., {load}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
ThreadCleanupInterval = 0
ResourcesCleanupInterval = 0
CaseMode = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/vsp
MaxClientConnections = {threads}
ServerThreads = {threads}
KeepAliveTimeout = 10
MaxKeepAlives = {threads}
EnabledDavVSP = 0
HTTPProxyEnabled = 0
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 60
"""


def _oxigraph() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def missing(engine: str) -> str | None:
    """Why ``engine`` cannot run here (the reason a test is skipped with), or None."""
    if engine == "oxigraph":
        return None if _oxigraph() else "the Oxigraph server is missing: pip install oxigraph (in the bench extra)"
    if engine == "virtuoso":
        found = shutil.which("virtuoso-t") and shutil.which("isql-vt")
        return None if found else "Virtuoso is missing: apt-get install virtuoso-opensource (.ci/run does)"
    return f"unknown engine {engine}"


class OxigraphServer:
    """The Oxigraph server over a store loaded from ``data`` (read-only), or an empty writable one.

    Not started with ``--union-default-graph``, which would override a query's FROM: the front sends the
    release's graphs as the dataset itself. A writable one has the Graph Store Protocol at ``store_url``.
    """

    def __init__(self, folder: Path, data: Path | None = None) -> None:
        binary = _oxigraph()
        assert binary is not None, missing("oxigraph")
        folder = folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        store = folder / "store"
        if data is not None:
            subprocess.run(
                [binary, "load", "--location", str(store), "--file", str(data)], check=True, capture_output=True
            )
        self.port = free_port()
        self.log = folder / "oxigraph.log"
        mode = "serve-read-only" if data is not None else "serve"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [binary, mode, "--location", str(store), "--bind", f"127.0.0.1:{self.port}"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_port(self.port, self.process, self.log)
        self.query_url = f"http://127.0.0.1:{self.port}/query"
        self.store_url = f"http://127.0.0.1:{self.port}/store"

    def stop(self) -> None:
        """Stop the server by its PID."""
        stop_process(self.process)


class Virtuoso:
    """One Virtuoso server in ``folder``: ``+foreground +configfile``, waited for, stopped by PID.

    ``buffers`` is the ini's ``NumberOfBuffers`` (8 KiB pages of cache; Virtuoso's own guide gives 170000
    for 2 GB free) and ``threads`` its HTTP server threads and connections; the defaults suit the tests'
    small releases.
    """

    def __init__(self, folder: Path, *, buffers: int = 20_000, threads: int = 20) -> None:
        server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
        assert server and isql, missing("virtuoso")
        self.server_binary, self.isql = server, isql
        folder = folder.resolve()  # the server runs in db/, and the ini names every file absolutely
        self.folder = folder
        self.load_dir = folder / "load"
        for sub in (folder / "db" / "vsp", self.load_dir):
            sub.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        ini = folder / "virtuoso.ini"
        ini.write_text(
            _INI.format(
                db=folder / "db",
                load=self.load_dir,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=buffers,
                dirty_buffers=buffers * 3 // 4,
                threads=threads,
            )
        )
        self.log = folder / "virtuoso.out"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [self.server_binary, "+foreground", "+configfile", str(ini)],
                cwd=folder / "db",
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_port(self.http_port, self.process, self.log)
        wait_for_port(self.sql_port, self.process, self.log)
        self.user = "dba"
        self.password = secrets.token_hex(8)
        self.sql(f"USER_SET_PASSWORD('dba', '{self.password}');", password="dba")  # noqa: S106 (a fresh database's own)

    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 Protocol query endpoint."""
        return self.url + "/sparql"

    @property
    def store_url(self) -> str:
        """The Graph Store Protocol endpoint with HTTP digest authentication (``mkg publish --to``)."""
        return self.url + "/sparql-graph-crud-auth"

    def sql(self, statements: str, *, password: str | None = None) -> str:
        """Run SQL through ``isql-vt`` on the SQL port, statements on stdin; return its output."""
        done = subprocess.run(
            [
                self.isql,
                f"127.0.0.1:{self.sql_port}",
                self.user if hasattr(self, "user") else "dba",
                password or self.password,
            ],
            input=statements.encode(),
            capture_output=True,
            timeout=300,
            check=False,
        )
        out = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        if done.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql failed: {out[-2000:]}")
        return out

    def load(self, data: Path) -> None:
        """Load an N-Quads file with the bulk loader (each quad into its own graph)."""
        shutil.copy(data, self.load_dir / data.name)
        self.sql(f"ld_dir('{self.load_dir}', '{data.name}', 'urn:mkg:unused');\nrdf_loader_run();\ncheckpoint;\n")

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM makes Virtuoso checkpoint and exit)."""
        stop_process(self.process, grace=60)
