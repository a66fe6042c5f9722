"""Shared fixtures for the endpoint tests: a release folder built from a tiny TriG file, real servers.

Every server is a real ``mkg serve`` process on a free loopback port (``--port 0``; the port is read
from the server's own "listening on" line), stopped by the test that started it, by PID, together
with the query processes it forked. Requests use ``http.client`` so that nothing (redirects,
decompression, retries) happens behind the test's back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serverkit import DATA, Server, build_release


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:  # type: ignore[type-arg]
    """A factory for servers; each one is stopped when the session (or its test) ends."""
    started: list[Server] = []

    def start(*args: str | Path) -> Server:
        log = tmp_path_factory.mktemp("server") / "server.log"
        server = Server([str(a) for a in args], log)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()


@pytest.fixture(scope="session")
def server(start_server, release_dir: Path) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """The default server: the fixture release, default limits, the fixture example queries."""
    srv = start_server("--release", release_dir, "--queries", DATA / "queries", "--workers", "2")
    yield srv
    srv.stop()
