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
from serverkit import DATA, ENGINES, Server, build_release, engine_args

from benchmarks.engines import OxigraphServer, Virtuoso, missing


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
def oxigraph_engine(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """One Oxigraph server for the session, holding the release's quads (skipped, with the reason, when missing)."""
    reason = missing("oxigraph")
    if reason:
        pytest.skip(reason)
    engine = OxigraphServer(tmp_path_factory.mktemp("oxigraph"), release_dir / "kg.nq")
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def virtuoso_engine(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """One Virtuoso for the session, loaded with the release's quads; every test over Virtuoso shares it."""
    reason = missing("virtuoso")
    if reason:
        pytest.skip(reason)
    engine = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    engine.load(release_dir / "kg.nq")
    yield engine
    engine.stop()


@pytest.fixture(params=ENGINES)
def over_engine(request: pytest.FixtureRequest) -> list[str]:
    """For a test that starts its own server: run it once per engine; the arguments that choose it."""
    args = engine_args(request, request.param)
    return args


@pytest.fixture(scope="session", params=ENGINES)
def server(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest, start_server, release_dir: Path
) -> Iterator[Server]:
    """The default server: the fixture release, default limits, the fixture example queries.

    Run three ways, so every protocol and client test holds on each: the embedded store, and the front
    over the Oxigraph server and over Virtuoso (``--engine``), each loaded with the release's quads.
    """
    args = ["--release", release_dir, "--queries", DATA / "queries", "--workers", "2"]
    srv = start_server(*args, *engine_args(request, request.param))
    srv.engine = request.param  # type: ignore[attr-defined]
    yield srv
    srv.stop()
