"""Fixtures for the linked-data and REST API tests: real servers on the real release.

The release is built once per session by ``tests/conftest.py``; a made-up hostile term is served from a
data file next to it. ``fronts`` serves the release over each engine found here as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ldserver import Server

from benchmarks.engines import OxigraphServer, Virtuoso, missing

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def start_ld_server(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Start servers of the release and ``data/hostile.ttl``, two query workers, one HTTP front.

    Extra options are appended; each server is stopped, by PID, when the session ends.
    """
    started: list[Server] = []

    def start(*extra: str) -> Server:
        log = tmp_path_factory.mktemp("ld-server") / "server.log"
        args = ["--release", str(release_dir), "--data", str(DATA / "hostile.ttl"), "--workers", "2"]
        server = Server([*args, *extra], log)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            if server.process.poll() is None:
                server.stop()


@pytest.fixture(scope="session")
def ld_server(start_ld_server: Callable[..., Server]) -> Server:
    """The default server: no --base-url, so pages link relative to whatever host the test talks to."""
    return start_ld_server()


@pytest.fixture(scope="session")
def fronts(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """The release served by an embedded front and by one front per engine found here (``--engine``).

    Each engine (the Oxigraph server, Virtuoso) is loaded once with the release's N-Quads and shared by
    every test of the session; one missing here is left out (its tests skip with the reason).
    """
    started: dict[str, Server] = {}
    engines: list[OxigraphServer | Virtuoso] = []
    try:
        log = tmp_path_factory.mktemp("embedded") / "server.log"
        started["embedded"] = Server(["--release", str(release_dir), "--workers", "1"], log)
        for name in ("oxigraph", "virtuoso"):
            if missing(name):
                continue
            folder = tmp_path_factory.mktemp(name)
            if name == "oxigraph":
                engine: OxigraphServer | Virtuoso = OxigraphServer(folder, release_dir / "kg.nq")
            else:
                engine = Virtuoso(folder)
                engine.load(release_dir / "kg.nq")
            engines.append(engine)
            args = ["--release", str(release_dir), "--engine", engine.query_url, "--workers", "1"]
            started[name] = Server(args, folder / "front.log")
        yield started
    finally:
        for server in started.values():
            server.stop()
        for engine in engines:
            engine.stop()
