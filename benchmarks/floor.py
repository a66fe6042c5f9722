"""CPU per selective request: each server's, the engine's alone, and the cheapest waitress request.

`mkg` and the reference run one engine: pyoxigraph is the Oxigraph library that the ``oxigraph`` server
is built on, at the same version. A selective request costs the engine a millisecond or two, the same on
both sides, so the servers differ only in what they add around it: native HTTP handling for the
reference, Python code on every request for `mkg`. When the cores are the limit, throughput goes as the
inverse of CPU per request, so no server that runs Python for each request on this engine behind
waitress (as `mkg`'s fronts are) can do better than

    reference CPU per request / (engine CPU per request + CPU of a fixed-body request on waitress)

This module measures the three terms in one run, on the same requests, so that this ceiling (computed
by :func:`benchmarks.report.cpu_ceiling`) and how far `mkg` is below it are measurements on the machine at
hand, not an argument. It is waitress's ceiling, not Python's: a native HTTP server in front of the same
Python costs less than waitress's fixed-body request, which the ``wsgi-granian`` contender
(:mod:`benchmarks.granian_server`) measures directly. The requests are the
selective ones sent one at a time by one client (no queueing, no contention), each with a comment of
its own so that no cache answers; a server's CPU is read from ``/proc`` over its whole process tree.
The engine's share is measured in a child process that loads the same N-Quads and runs each request
with the same dataset (default graph = union of the named graphs) and result format; the fixed-body
request is a WSGI app on waitress that reads the request and returns a fixed body without any query.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.protocol import Endpoint, HttpClient, accept_for, free_port
from benchmarks.querymix import Variant
from benchmarks.servers import RunningServer, ServerFailed, start_timed
from kg.errors import UserError

__all__ = ["Request", "engine_cpu", "measure_floor", "selective_requests", "server_cpu"]

_FIXED_BODY = b'{"head":{},"boolean":true}'


@dataclass(frozen=True)
class Request:
    """One selective request as every server and the engine receive it."""

    text: str
    graph: bool  # CONSTRUCT / DESCRIBE: asked for as N-Triples, else SPARQL JSON results


def selective_requests(variants: Sequence[Variant], count: int) -> list[Request]:
    """``count`` requests cycling through the selective variants, each made unique by a comment."""
    chosen = [v for v in variants if v.query.mix == "interactive"]
    if not chosen:
        raise UserError("the query mix has no query tagged 'interactive'")
    return [
        Request(f"{v.text}\n# cpu pass {i}\n", v.query.graph_result)
        for i, v in zip(range(count), itertools.cycle(chosen), strict=False)
    ]


def _per_request(cpu_s: float, wall_s: float, answered: int, failed: int) -> dict[str, Any]:
    return {
        "requests": answered,
        "failed": failed,
        "cpu_ms": round(1000 * cpu_s / answered, 4) if answered else None,
        "wall_ms": round(1000 * wall_s / answered, 4) if answered else None,
    }


def server_cpu(server: RunningServer, requests: Iterable[Request], *, limit_s: float, timeout: float) -> dict[str, Any]:
    """CPU and wall time per answered request, over the server's process tree, one request at a time.

    Stops after ``limit_s`` seconds, so a slow server costs the run that long at most. A request that
    fails or answers other than 200 is counted apart; its CPU stays in the total, so failures make the
    figure worse, never better.
    """
    client = HttpClient(server.endpoint, timeout)
    answered = failed = 0
    began, cpu = time.monotonic(), server.cpu_seconds()
    try:
        for request in requests:
            if time.monotonic() - began > limit_s:
                break
            try:
                reply = client.query(request.text, method="POST-direct", accept=accept_for(request.graph))
            except OSError:
                failed += 1
                continue
            if reply.status == 200:
                answered += 1
            else:
                failed += 1
    finally:
        client.close()
    return _per_request(server.cpu_seconds() - cpu, time.monotonic() - began, answered, failed)


def engine_cpu(nquads: Path, requests: Sequence[Request], *, limit_s: float, timeout: float) -> dict[str, Any]:
    """The engine's CPU per request, without any server: measured in a child process (``engine`` below)."""
    with tempfile.TemporaryDirectory(prefix="mkg-floor-") as tmp:
        listing = Path(tmp) / "requests.json"
        listing.write_text(json.dumps([asdict(r) for r in requests]), encoding="utf-8")
        cmd = [sys.executable, "-m", "benchmarks.floor", "engine", str(nquads), str(listing), str(limit_s)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as err:
            raise ServerFailed(f"measuring the engine alone took over {timeout:g} s") from err
    if done.returncode != 0:
        raise ServerFailed(f"measuring the engine alone failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _start_fixed_wsgi(workdir: Path, limit: float) -> RunningServer:
    port = free_port()
    cmd = [sys.executable, "-m", "benchmarks.floor", "wsgi", str(port)]
    return start_timed("minimal-wsgi", cmd, workdir, Endpoint("127.0.0.1", port, "/sparql"), limit)


def measure_floor(
    nquads: Path, requests: Sequence[Request], workdir: Path, *, limit_s: float, timeout: float, startup_limit: float
) -> dict[str, Any]:
    """The engine's CPU per request alone and the cheapest Python web request's, on ``requests``."""
    engine = engine_cpu(nquads, requests, limit_s=limit_s, timeout=startup_limit + 3 * limit_s)
    server = _start_fixed_wsgi(workdir, startup_limit)
    try:
        server_cpu(server, requests[:200], limit_s=limit_s, timeout=timeout)  # imports and first calls
        web = server_cpu(server, requests, limit_s=limit_s, timeout=timeout)
    finally:
        server.stop()
    return {"engine": engine, "minimal_wsgi": web}


# The two child processes: ``python -m benchmarks.floor engine NQUADS REQUESTS LIMIT`` and ``... wsgi PORT``.


def _engine_main(nquads: Path, listing: Path, limit_s: float) -> dict[str, Any]:
    from benchmarks.bare import answer, dataset_options, load

    store = load(nquads)
    requests = [Request(**r) for r in json.loads(listing.read_text(encoding="utf-8"))]
    union = dataset_options((), ())  # the same query and serialization as the bare contenders run

    def timed_pass() -> dict[str, Any]:
        began, cpu, done = time.monotonic(), time.process_time(), 0
        for request in requests:
            if time.monotonic() - began > limit_s:
                break
            answer(store, request.text, union)
            done += 1
        return _per_request(time.process_time() - cpu, time.monotonic() - began, done, 0)

    timed_pass()  # the first pass pays for first touches, as the servers' warm-up did
    return timed_pass()


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Read the whole request as a SPARQL endpoint must, then answer a fixed body: no query at all."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response(
        "200 OK",
        [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(_FIXED_BODY)))],
    )
    return [_FIXED_BODY]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the child processes."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor")
    sub = parser.add_subparsers(dest="role", required=True)
    engine = sub.add_parser("engine", help="print the engine's CPU per request as JSON")
    engine.add_argument("nquads", type=Path)
    engine.add_argument("requests", type=Path)
    engine.add_argument("limit", type=float)
    wsgi = sub.add_parser("wsgi", help="serve the fixed-body WSGI app on 127.0.0.1")
    wsgi.add_argument("port", type=int)
    args = parser.parse_args(argv)
    if args.role == "engine":
        print(json.dumps(_engine_main(args.nquads, args.requests, args.limit)))
        return 0
    from waitress import serve

    serve(_wsgi_app, host="127.0.0.1", port=args.port, threads=16, ident="minimal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
