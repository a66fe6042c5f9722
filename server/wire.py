"""Messages between the web front and its query processes: a JSON header plus an optional raw body.

JSON rather than pickle, because the query processes run untrusted queries inside a native engine:
if one were ever subverted, what it sends back must still be data, never code the front would run.
A frame is ``<4-byte header length><header JSON><body bytes>``; the header says how long the body is.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

__all__ = ["PeerGone", "WireTimeout", "receive", "send"]

_LENGTH = struct.Struct("!I")
_MAX_HEADER = 16 * 1024 * 1024


class PeerGone(Exception):
    """The other end closed the connection or died mid-message."""


class WireTimeout(Exception):
    """The deadline passed before a whole message arrived."""


def send(sock: socket.socket, header: dict[str, Any], body: bytes = b"") -> None:
    """Send one message; ``header`` must be JSON-serializable, its ``body_length`` is set here."""
    data = json.dumps({**header, "body_length": len(body)}, separators=(",", ":")).encode()
    try:
        sock.sendall(_LENGTH.pack(len(data)) + data)
        if body:
            sock.sendall(body)
    except OSError as err:
        raise PeerGone(str(err)) from err


def _read_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WireTimeout
            sock.settimeout(remaining)
        try:
            n = sock.recv_into(view[got:], size - got)
        except TimeoutError as err:
            raise WireTimeout from err
        except OSError as err:
            raise PeerGone(str(err)) from err
        if n == 0:
            raise PeerGone("connection closed")
        got += n
    return bytes(buffer)


def receive(sock: socket.socket, deadline: float | None = None) -> tuple[dict[str, Any], bytes]:
    """Receive one message, waiting at most until ``deadline`` (a ``time.monotonic()`` value)."""
    try:
        (length,) = _LENGTH.unpack(_read_exactly(sock, _LENGTH.size, deadline))
        if length > _MAX_HEADER:
            raise PeerGone(f"message header of {length} bytes is too large")
        try:
            header = json.loads(_read_exactly(sock, length, deadline))
        except ValueError as err:
            raise PeerGone(f"message header is not JSON: {err}") from err
        if not isinstance(header, dict):
            raise PeerGone("message header is not a JSON object")
        body_length = header.get("body_length", 0)
        if not isinstance(body_length, int) or body_length < 0:
            raise PeerGone("message header has an invalid body length")
        body = _read_exactly(sock, body_length, deadline) if body_length else b""
    finally:
        if deadline is not None:
            sock.settimeout(None)
    return header, body
