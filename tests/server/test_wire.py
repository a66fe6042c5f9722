"""The message format between the web front and its query processes: whole messages, however they arrive."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from server import wire


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    yield a, b
    a.close()
    b.close()


def _deadline() -> float:
    return time.monotonic() + 10


def test_a_small_message_arrives_whole(pair: tuple[socket.socket, socket.socket]) -> None:
    """Header and body of a small message come back exactly as sent, with the body length added."""
    a, b = pair
    wire.send(a, {"format": "json", "rows": 3}, b"body bytes")
    header, body = wire.receive(b, _deadline())
    assert header == {"format": "json", "rows": 3, "body_length": 10}
    assert body == b"body bytes"


@pytest.mark.parametrize("size", [0, 70_000, 3 << 20])
def test_bodies_larger_than_one_read_are_completed(pair: tuple[socket.socket, socket.socket], size: int) -> None:
    """A body longer than the first read (and than the size sent in one piece) is read to its end."""
    a, b = pair
    payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sender = threading.Thread(target=wire.send, args=(a, {"n": size}, payload))
    sender.start()
    header, body = wire.receive(b, _deadline())
    sender.join()
    assert header["body_length"] == size and body == payload


def test_a_message_trickling_in_is_assembled(pair: tuple[socket.socket, socket.socket]) -> None:
    """A message whose length prefix, header and body arrive in separate pieces is still one message."""
    a, b = pair
    frame = socket.socketpair()
    try:
        wire.send(frame[0], {"status": 200}, b"0123456789")
        raw = frame[1].recv(1 << 16)
    finally:
        frame[0].close()
        frame[1].close()

    cuts = [0, 2, 7, len(raw) - 4, len(raw)]

    def trickle() -> None:
        for start, end in itertools.pairwise(cuts):
            a.sendall(raw[start:end])
            time.sleep(0.02)

    sender = threading.Thread(target=trickle)
    sender.start()
    header, body = wire.receive(b, _deadline())
    sender.join()
    assert header == {"status": 200, "body_length": 10} and body == b"0123456789"


def test_two_messages_at_once_are_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    """Messages alternate; a peer that sends a second one unasked is treated as broken, not half-read."""
    a, b = pair
    wire.send(a, {"one": 1}, b"first")
    wire.send(a, {"two": 2}, b"second")
    time.sleep(0.05)
    with pytest.raises(wire.PeerGone, match="more than one message"):
        wire.receive(b, _deadline())


def test_a_missing_answer_times_out(pair: tuple[socket.socket, socket.socket]) -> None:
    """No message before the deadline is a WireTimeout, and the socket is blocking again afterwards."""
    _, b = pair
    with pytest.raises(wire.WireTimeout):
        wire.receive(b, time.monotonic() + 0.05)
    assert b.gettimeout() is None


def test_a_closed_peer_is_reported(pair: tuple[socket.socket, socket.socket]) -> None:
    """A peer that closes mid-message is PeerGone, not a hang or a short message."""
    a, b = pair
    a.sendall(b"\x00\x00\x00\x20{")
    a.close()
    with pytest.raises(wire.PeerGone):
        wire.receive(b, _deadline())
