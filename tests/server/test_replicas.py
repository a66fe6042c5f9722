"""Replicas: two ``mkg serve`` fronts of one release behind HAProxy (Debian's package), as docs/DEPLOYMENT.md sets up.

HAProxy health-checks ``GET /health`` and retries a request that found a dead front; the test kills one
front (its supervisor and workers, ``kill -9``) under load and checks that only requests in flight were
lost. ETags are the same on every replica, so a 304 from one holds at the other. HAProxy is started on a
free loopback port by the test and stopped by its PID; where it is missing the test is skipped with the
reason printed.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverkit import Server

from benchmarks.engines import free_port, stop_process, wait_for_port

HAPROXY_CONFIG = """\
global
    maxconn 1000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    retry-on conn-failure empty-response response-timeout
frontend kg
    bind 127.0.0.1:{port}
    default_backend fronts
backend fronts
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
{servers}
"""


@pytest.fixture
def balanced(start_server, release_dir: Path, tmp_path: Path) -> Iterator[tuple[int, list[Server]]]:  # type: ignore[no-untyped-def]
    """HAProxy on a free port in front of two fronts of the fixture release."""
    binary = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if binary is None:
        pytest.skip("HAProxy is missing: apt-get install haproxy (.ci/run does)")
    fronts = [start_server("--release", release_dir, "--workers", "1") for _ in range(2)]
    port = free_port()
    servers = "\n".join(
        f"    server front{n} 127.0.0.1:{front.port} check inter 300ms fall 1 rise 2" for n, front in enumerate(fronts)
    )
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
    log = tmp_path / "haproxy.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log)
        yield port, fronts
    finally:
        stop_process(process)
        for front in fronts:
            front.stop()  # also closes the log of a front the test killed


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("ETag")
    finally:
        connection.close()


def test_an_etag_from_one_replica_holds_at_the_other(balanced: tuple[int, list[Server]]) -> None:
    """The same release gives the same ETag on every replica, so a cache's 304 survives a switch.

    Asked directly, each with the Host header the balancer passes on (the public name is part of a
    result's identity: relative IRIs in a query resolve against it).
    """
    _, fronts = balanced
    path = "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%203"
    status, etag = _get(fronts[0].port, path, {"Host": "kg.example"})
    assert status == 200 and etag
    assert _get(fronts[1].port, path, {"Host": "kg.example", "If-None-Match": etag})[0] == 304


def test_killing_one_replica_under_load_loses_at_most_its_requests(balanced: tuple[int, list[Server]]) -> None:
    """Kill -9 of one front (supervisor and workers) behind HAProxy: the other answers, few requests fail."""
    port, fronts = balanced
    deadline = time.monotonic() + 30
    while _get(port, "/health")[0] != 200:
        assert time.monotonic() < deadline, "HAProxy never saw a healthy front"
        time.sleep(0.1)
    stop = threading.Event()
    results: list[int] = []

    def client(n: int) -> None:
        for i in range(300):
            if stop.is_set():
                return
            try:
                results.append(_get(port, f"/sparql?query=ASK%20%7B%7D%23{n}-{i}")[0])
            except (OSError, http.client.HTTPException):
                results.append(0)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    time.sleep(0.5)
    victim = fronts[0]
    family = [victim.process.pid, *victim.descendants()]
    for pid in family:
        os.kill(pid, signal.SIGKILL)
    victim.process.wait(30)
    before = len(results)
    time.sleep(2)
    stop.set()
    for thread in clients:
        thread.join()
    failed = [status for status in results if status != 200]
    assert len(failed) <= 4, f"more requests failed than the 4 clients had in flight: {failed}"
    assert len(results) - before > 0 and all(status == 200 for status in results[before + 8 :])
    assert _get(port, "/health")[0] == 200
