"""Fixtures shared across the suite: the packaged ontology, and one real release built per session."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from kg.resources import ontology_edit_file

RELEASE_VERSION = "2026-01-01"


@pytest.fixture(scope="session")
def release_version() -> str:
    """The release date every test build is stamped with, so builds compare byte for byte."""
    return RELEASE_VERSION


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The ontology edit file, parsed once."""
    return Graph().parse(ontology_edit_file(), format="turtle")


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release built from the packaged data (reasoning included), shared by every test that reads one."""
    from kg.build import build_release

    return build_release(tmp_path_factory.mktemp("release") / "release", version=RELEASE_VERSION)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers anything with a tiny Turtle document, and records the request line."""

    hits: list[str]

    def _answer(self) -> None:
        self.hits.append(f"{self.command} {self.path}")
        body = b"<http://x.example/a> <http://x.example/b> <http://x.example/c> .\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server recording every request: SSRF tests assert it receives none."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
