"""Messages between the web front and its query processes: a JSON header plus an optional raw body.

JSON rather than pickle, because the query processes run untrusted queries inside a native engine:
if one were ever subverted, what it sends back must still be data, never code the front would run.
A frame is ``<4-byte header length><header JSON><body bytes>``; the header says how long the body is.

Every query costs one message each way, so each side of a message costs as few system calls as it can:
a message goes out in one ``send`` (one wake-up of the reader, not one per part), and a reader takes
whatever has arrived in one ``recv`` before asking for the rest. Messages strictly alternate (a side
sends only after it received the other's), so a reader never finds the start of a next message.
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
_JOIN_BELOW = 1 << 20  # bodies smaller than this are copied into one buffer and sent in one call
_FIRST_READ = 1 << 16  # bytes asked for at once when a message starts: small messages arrive whole


class PeerGone(Exception):
    """The other end closed the connection or died mid-message."""


class WireTimeout(Exception):
    """The deadline passed before a whole message arrived."""


def send(sock: socket.socket, header: dict[str, Any], body: bytes = b"") -> None:
    """Send one message; ``header`` must be JSON-serializable, its ``body_length`` is set here."""
    data = json.dumps({**header, "body_length": len(body)}, separators=(",", ":")).encode()
    try:
        if len(body) < _JOIN_BELOW:
            sock.sendall(b"".join((_LENGTH.pack(len(data)), data, body)))
        else:
            sock.sendall(_LENGTH.pack(len(data)) + data)
            sock.sendall(body)
    except OSError as err:
        raise PeerGone(str(err)) from err


def _set_deadline(sock: socket.socket, deadline: float | None) -> None:
    """Give the next ``recv`` what is left until ``deadline`` (nothing to do without one)."""
    if deadline is not None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WireTimeout
        sock.settimeout(remaining)


def _recv(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    """One ``recv`` of at most ``size`` bytes: whatever has arrived, once anything has."""
    _set_deadline(sock, deadline)
    try:
        data = sock.recv(size)
    except TimeoutError as err:
        raise WireTimeout from err
    except OSError as err:
        raise PeerGone(str(err)) from err
    if not data:
        raise PeerGone("connection closed")
    return data


def _recv_into(sock: socket.socket, view: memoryview, deadline: float | None) -> int:
    """One ``recv`` into ``view``."""
    _set_deadline(sock, deadline)
    try:
        n = sock.recv_into(view)
    except TimeoutError as err:
        raise WireTimeout from err
    except OSError as err:
        raise PeerGone(str(err)) from err
    if n == 0:
        raise PeerGone("connection closed")
    return n


def _read_more(sock: socket.socket, data: bytes, size: int, deadline: float | None) -> bytes:
    """``data`` completed to at least ``size`` bytes by further reads."""
    if len(data) >= size:
        return data
    buffer = bytearray(size)
    buffer[: len(data)] = data
    view = memoryview(buffer)
    got = len(data)
    while got < size:
        got += _recv_into(sock, view[got:], deadline)
    return bytes(buffer)


def receive(sock: socket.socket, deadline: float | None = None) -> tuple[dict[str, Any], bytes]:
    """Receive one message, waiting at most until ``deadline`` (a ``time.monotonic()`` value)."""
    try:
        data = _recv(sock, _FIRST_READ, deadline)
        data = _read_more(sock, data, _LENGTH.size, deadline)
        (length,) = _LENGTH.unpack_from(data)
        if length > _MAX_HEADER:
            raise PeerGone(f"message header of {length} bytes is too large")
        end = _LENGTH.size + length
        data = _read_more(sock, data, end, deadline)
        try:
            header = json.loads(data[_LENGTH.size : end])
        except ValueError as err:
            raise PeerGone(f"message header is not JSON: {err}") from err
        if not isinstance(header, dict):
            raise PeerGone("message header is not a JSON object")
        body_length = header.get("body_length", 0)
        if not isinstance(body_length, int) or body_length < 0:
            raise PeerGone("message header has an invalid body length")
        data = _read_more(sock, data, end + body_length, deadline)
        if len(data) > end + body_length:
            raise PeerGone("the peer sent more than one message at once")
        body = data[end:] if body_length else b""
    finally:
        if deadline is not None:
            sock.settimeout(None)
    return header, body
