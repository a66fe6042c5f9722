"""Responses written by waitress through our channel: one write for a whole body, unchanged bytes always."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from waitress import create_server, wasyncore

from server.onewrite import OneWriteChannel, send_responses_in_one_write

WRITES: list[bytes] = []


class _RecordingChannel(OneWriteChannel):
    """Remembers every chunk handed to the socket buffer, to see how a response was split."""

    def write_soon(self, data: bytes) -> int:
        WRITES.append(bytes(data))
        result: int = super().write_soon(data)
        return result


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/whole":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "11")])
        return [b"hello world"]
    if path == "/parts":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "11")])
        return [b"hello", b" world"]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"hello", b" world"])
    if path == "/not-modified":
        start_response("304 Not Modified", [("ETag", '"x"')])
        return [b""]
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = create_server(_app, host="127.0.0.1", port=0, threads=2)
    server.channel_class = _RecordingChannel
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield int(server.effective_port)
    # Close everything from inside the server's own loop thread: closing sockets from here while that
    # thread polls them raised EBADF in it now and then. With its map empty, the loop returns.
    server.trigger.pull_trigger(lambda: (server.task_dispatcher.shutdown(), wasyncore.close_all(server._map)))
    thread.join(timeout=10)
    assert not thread.is_alive(), "the waitress loop did not stop"


def _get(port: int, path: str, method: str = "GET") -> tuple[http.client.HTTPResponse, bytes]:
    WRITES.clear()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_the_helper_installs_the_one_write_channel() -> None:
    """send_responses_in_one_write makes a waitress server open connections with OneWriteChannel."""
    server = create_server(_app, host="127.0.0.1", port=0, threads=1)
    try:
        send_responses_in_one_write(server)
        assert server.channel_class is OneWriteChannel
    finally:
        server.close()


def test_a_whole_body_leaves_with_its_header(port: int) -> None:
    """A body written in one piece of exactly its Content-Length is one write together with the header."""
    response, body = _get(port, "/whole")
    assert response.status == 200 and body == b"hello world"
    assert len(WRITES) == 1 and WRITES[0].startswith(b"HTTP/1.1 200 OK") and WRITES[0].endswith(b"\r\n\r\nhello world")


@pytest.mark.parametrize("path", ["/parts", "/stream"])
def test_bodies_in_several_parts_are_written_as_waitress_does(port: int, path: str) -> None:
    """Bodies written in parts (with or without a length) still arrive whole, the header written first alone."""
    response, body = _get(port, path)
    assert response.status == 200 and body == b"hello world"
    assert WRITES[0].endswith(b"\r\n\r\n")


def test_responses_without_a_body_are_unchanged(port: int) -> None:
    """A 304 and a HEAD answer carry the header only; the HEAD keeps the GET's Content-Length."""
    response, body = _get(port, "/not-modified")
    assert response.status == 304 and body == b""
    response, body = _get(port, "/whole", method="HEAD")
    assert response.status == 200 and body == b"" and response.getheader("Content-Length") == "11"
