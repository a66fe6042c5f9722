"""gunicorn's threaded worker, with each request read whole on the event loop before a thread sees it.

gunicorn's ``gthread`` worker gives a new connection to a thread at once; the thread then blocks (up to
5 s per try in gunicorn 27) until the client sends its request, and reads a slowly trickling request
for as long as bytes keep coming. A few thousand idle connections, or a few dozen slow ones, would hold
every thread. This worker keeps a connection on the worker's selector until the request head (and a
body within ``--max-body``) has arrived, as waitress and nginx do, and only then hands it to a thread
with the bytes already read. What it adds to gunicorn, and nothing else:

- a whole-request deadline (``--read-timeout``) from the first byte the connection waits for;
- idle connections reclaimed, oldest first, when the connection limit is reached, so idle sockets
  cannot lock real clients out;
- a bound on every blocking read or write a thread makes on a client socket;
- the time a request waited for a thread, passed to the app as ``environ["mkg.queued_seconds"]`` so
  that a request which waited past ``--queue-timeout`` gets a 503 with ``Retry-After``;
- a health snapshot written about once a second for ``/health`` (see :mod:`server.health`).

Keep-alive, pipelining, request parsing (which refuses ``Transfer-Encoding`` with ``Content-Length``),
graceful shutdown and restarts are gunicorn's own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import TConn, ThreadWorker

from server.config import ServerConfig
from server.health import write_snapshot
from server.web.http import QUEUED_KEY

__all__ = ["MkgWorker", "request_complete"]

_CONTENT_LENGTH = re.compile(rb"\r?\ncontent-length[ \t]*:[ \t]*(\d+)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r?\ntransfer-encoding[ \t]*:", re.IGNORECASE)
_ACCEPT_BATCH = 64
_local = threading.local()


def request_complete(data: bytes | bytearray, max_head: int, max_body: int) -> bool:
    """Whether ``data`` holds a whole request head and its body, or enough to answer it with an error.

    A head past ``max_head``, a chunked body and a declared body over ``max_body`` are handed on at
    once: gunicorn and the app answer them (400, 413) without waiting for the rest.
    """
    end = data.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end, sep = data.find(b"\n\n"), 2
    if end < 0:
        return len(data) > max_head
    head = bytes(data[:end])
    if _CHUNKED.search(head):
        return True
    match = _CONTENT_LENGTH.search(head)
    if match is None:
        return True
    length = int(match.group(1))
    return length > max_body or len(data) - end - sep >= length


class _BoundedSocket:
    """A client socket whose blocking operations each end after ``timeout`` seconds without progress.

    gunicorn switches the socket to blocking mode in its threads; here "blocking" means "with a
    timeout", so a client that stops reading a response or stops sending a chunked body frees the
    thread. A timed-out read ends the connection the way a client disconnect does.
    """

    __slots__ = ("_sock", "_timeout")

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock = sock
        self._timeout = timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def fileno(self) -> int:
        return self._sock.fileno()

    def setblocking(self, flag: bool) -> None:
        if flag:
            self._sock.settimeout(self._timeout)
        else:
            self._sock.setblocking(False)

    def recv(self, size: int, *flags: int) -> bytes:
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError as err:
            raise NoMoreData(b"") from err

    def sendall(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        while view:
            sent = self._sock.send(view)  # the timeout applies to each send: progress, not total time
            view = view[sent:]


class MkgWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker that dispatches only complete requests to its threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config: ServerConfig = self.app.config
        self.mkg_config = config
        self.read_timeout = config.request_read_timeout
        self.io_timeout = max(config.request_read_timeout, float(config.idle_timeout))
        self.max_head = max(256 * 1024, 4 * config.max_query_length)
        self.max_body = config.max_body
        self.started_at = time.time()
        self.reclaimed = 0
        self.dropped_slow = 0
        self._next_snapshot = 0.0
        self._flask: Any = None

    # -- connections wait on the selector until their request is in ------------------------------

    def accept(self, listener: socket.socket) -> None:
        """Accept what is waiting (up to a batch) and watch each new connection for its request."""
        for _ in range(_ACCEPT_BATCH):
            try:
                client, address = listener.accept()
            except OSError as err:
                if err.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.ECONNABORTED):
                    return
                raise
            self.nr_conns += 1
            conn = TConn(self.cfg, _BoundedSocket(client, self.io_timeout), address, listener.getsockname())
            self._await_request(conn)
            if self.nr_conns >= self.worker_connections:
                self._reclaim_idle()
            if self.nr_conns >= self.worker_connections:
                return

    def _await_request(self, conn: TConn, first: bytes = b"") -> None:
        conn.mkg_buffer = bytearray(first)
        conn.timeout = time.monotonic() + self.read_timeout
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_request_bytes, conn))

    def _on_request_bytes(self, conn: TConn, _fileobj: Any) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except (OSError, NoMoreData):
            data = b""
        if not data:
            self._forget_pending(conn)
            return
        conn.mkg_buffer += data
        if request_complete(conn.mkg_buffer, self.max_head, self.max_body):
            self.poller.unregister(conn.sock)
            self.pending_conns.remove(conn)
            conn.data_ready = True
            self.enqueue_req(conn)

    def _forget_pending(self, conn: TConn) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        with contextlib.suppress(ValueError):
            self.pending_conns.remove(conn)
        self.nr_conns -= 1
        conn.close()

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        """A kept-alive connection has its next request coming: read it whole on the selector too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_request(conn)
        self._on_request_bytes(conn, client)

    def _reclaim_idle(self) -> None:
        """At the connection limit, close the connection that has waited longest without a request."""
        if self.keepalived_conns:
            conn = self.keepalived_conns.popleft()
        elif self.pending_conns:
            conn = self.pending_conns.popleft()
        else:
            return
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        self.reclaimed += 1
        conn.close()

    def _cap_keepalive(self, deadline: float) -> None:
        """On shutdown give connections still sending their request the same short linger as kept-alive ones.

        A connection accepted just before the stop usually has its request on the way: it is still
        answered (with ``Connection: close``); one that sends nothing is closed at ``deadline``.
        """
        super()._cap_keepalive(deadline)
        for conn in self.pending_conns:
            conn.timeout = min(conn.timeout, deadline)

    def murder_pending(self) -> None:
        """Close connections whose request has not arrived whole within the read timeout."""
        before = len(self.pending_conns)
        super().murder_pending()
        self.dropped_slow += before - len(self.pending_conns)

    # -- threads get the bytes already read and the time they waited -----------------------------

    def enqueue_req(self, conn: TConn) -> None:
        """Note when the request starts waiting for a thread."""
        conn.mkg_queued = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: TConn) -> Any:
        """In a thread: give gunicorn's parser the bytes read on the selector, then let gunicorn go on."""
        _local.queued = time.monotonic() - getattr(conn, "mkg_queued", time.monotonic())
        buffered = getattr(conn, "mkg_buffer", None)
        if buffered:
            conn.mkg_buffer = bytearray()
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(bytes(buffered))
        return super().handle(conn)

    def load_wsgi(self) -> None:
        """Load the app, wrapped so each request's environ says how long it waited for a thread."""
        super().load_wsgi()
        app: Any = self.wsgi  # type: ignore[has-type]
        self._flask = app

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            environ[QUEUED_KEY] = getattr(_local, "queued", 0.0)
            return app(environ, start_response)

        self.wsgi = wsgi

    # -- health -----------------------------------------------------------------------------------

    def notify(self) -> None:
        """Beat gunicorn's heartbeat and write the health snapshot, each about once a second.

        gunicorn beats on every turn of the main loop, several times per request (5% of a worker's time
        on selective queries, py-spy); its heartbeat timeout is at least 30 s here, so once a second is ample.
        """
        now = time.monotonic()
        if now < self._next_snapshot:
            return
        self._next_snapshot = now + 1.0
        super().notify()
        if self.mkg_config.state_dir is not None:
            with contextlib.suppress(OSError):
                write_snapshot(Path(self.mkg_config.state_dir), f"worker-{os.getpid()}.json", self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        """State of this worker for ``/health``: connections, requests, and its engine's counters."""
        service = getattr(self._flask, "extensions", {}).get("mkg") if self._flask is not None else None
        body: dict[str, Any] = {
            "pid": os.getpid(),
            "role": "worker",
            "started": round(self.started_at, 3),
            "accepting": bool(self.alive),
            "requests": self.nr,
            "connections": self.nr_conns,
            "waiting_for_request": len(self.pending_conns),
            "kept_alive": len(self.keepalived_conns),
            "reclaimed_idle": self.reclaimed,
            "dropped_slow": self.dropped_slow,
            "network_isolated": getattr(self, "network_isolated", False),
        }
        if service is not None:
            body.update(service.counters())  # no engine round-trip on the event loop
        return body
