"""The web front's side of the query processes: start the zygote, keep a pool of idle workers, dispatch.

Each query goes to one idle worker over its own socket and is waited for until the request's deadline.
A worker that misses the deadline is SIGKILLed (pyoxigraph cannot cancel a running query from Python,
so killing the process is the only real stop) and a fresh one is forked from the zygote; a worker that
dies on its own (a crash in the native engine, the memory cap) is replaced the same way. Neither ever
touches the other workers, the zygote's store or the front.

Besides the general workers a front may keep workers reserved for quick queries: a query whose shape ran
slow lately (:mod:`server.runtimes`) never gets one, so while scans hold every general worker a lookup
still finds a worker of its own instead of queueing behind them.

The zygote must be forked before the front starts any thread: :meth:`WorkerPool.start` is called by
the app factory, before the WSGI server creates its thread pool.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import queue
import select
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kg.errors import UserError
from server import wire
from server.dataset import DataFile
from server.release import Release
from server.zygote import WorkerSettings, zygote_main

__all__ = ["IdleWorkers", "PoolBusy", "PoolError", "QueryTimeout", "WorkerCrashed", "WorkerPool", "Zygote"]

log = logging.getLogger(__name__)
_HELLO_TIMEOUT = 30.0


class PoolError(Exception):
    """A query could not be answered by a worker."""


class QueryTimeout(PoolError):
    """The worker did not answer before the deadline and was killed."""


class WorkerCrashed(PoolError):
    """The worker died while running the query."""


class PoolBusy(PoolError):
    """No worker became free before the deadline."""


@dataclass
class _Worker:
    pid: int
    pidfd: int
    sock: socket.socket
    network_isolated: bool
    reserved: bool = False

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(OSError):
            os.close(self.pidfd)

    def looks_dead(self) -> bool:
        """An idle worker's socket is readable only once the worker has gone."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


@dataclass
class PoolStats:
    """Counters reported by ``/health``."""

    started: int = 0
    timeouts: int = 0
    crashes: int = 0
    queries: int = 0
    recycled: int = 0
    slow: int = 0
    network_isolated: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def bump(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


W = TypeVar("W")


class IdleWorkers(Generic[W]):
    """Idle workers, handed out most recently finished first; some may be reserved for quick queries.

    Reading the zygote's in-memory store writes into it (pyoxigraph bumps reference counts on the
    nodes it walks), so a worker copies every page of the store it reads for the first time: on its
    first pass over a query mix a fresh worker is markedly slower than one that has run the same
    queries before. Handing out the worker that finished last keeps the queries on the fewest, warmest
    workers; fresh ones (just started, or replacing a killed worker) wait at the back until the load
    needs them, and stay cheap while they wait, since an idle worker shares every page it has not read.

    A reserved worker goes only to a quick query, and only when no general worker is idle: it serves
    lookups while slow queries hold the others.
    """

    def __init__(self) -> None:
        self._workers: collections.deque[W] = collections.deque()
        self._reserved: collections.deque[W] = collections.deque()
        self._ready = threading.Condition()

    def __len__(self) -> int:
        return len(self._workers)

    @property
    def reserved(self) -> int:
        """Idle reserved workers."""
        return len(self._reserved)

    def _group(self, reserved: bool) -> collections.deque[W]:
        return self._reserved if reserved else self._workers

    def put_warm(self, worker: W, *, reserved: bool = False) -> None:
        """Return a worker that just answered: it is the next one of its group handed out."""
        with self._ready:
            self._group(reserved).append(worker)
            self._ready.notify_all()  # waiters differ in what they may take: wake all, each rechecks

    def put_fresh(self, worker: W, *, reserved: bool = False) -> None:
        """Add a worker that has not read the store yet: handed out only when no warmer one is idle."""
        with self._ready:
            self._group(reserved).appendleft(worker)
            self._ready.notify_all()

    def get(self, timeout: float, *, quick: bool = False) -> W:
        """The warmest idle worker, waiting up to ``timeout`` seconds; :class:`queue.Empty` if none came.

        A ``quick`` query takes a reserved worker when no general one is idle.
        """
        with self._ready:
            if not self._ready.wait_for(lambda: self._workers or (quick and self._reserved), timeout):
                raise queue.Empty
            return self._workers.pop() if self._workers else self._reserved.pop()

    def drain(self) -> list[W]:
        """Take every idle worker out at once (to close them)."""
        with self._ready:
            taken = [*self._workers, *self._reserved]
            self._workers.clear()
            self._reserved.clear()
            return taken


class Zygote:
    """The store-holding process: forked by the process that later stops it, serving one or more fronts."""

    def __init__(self, release: Release | None, data: tuple[DataFile, ...], settings: WorkerSettings) -> None:
        self._release = release
        self._data = data
        self._settings = settings
        self.pid: int | None = None
        self.controls: list[socket.socket] = []

    def launch(self, fronts: int = 1) -> None:
        """Fork the zygote, which starts loading the store; return at once with one control socket per front.

        Forking before the web stack is imported lets the load run on another core meanwhile.
        """
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(fronts)]
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for ours, _ in pairs:
                    ours.close()
                zygote_main([theirs for _, theirs in pairs], parent, self._release, self._data, self._settings)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        for _, theirs in pairs:
            theirs.close()
        self.pid = pid
        self.controls = [ours for ours, _ in pairs]

    def release_controls(self) -> None:
        """Close this process's copies of the control sockets (they now belong to the fronts)."""
        for control in self.controls:
            with contextlib.suppress(OSError):
                control.close()
        self.controls = []

    def stop(self, grace: float = 5.0) -> None:
        """Wait for the zygote to exit (it does once every front has closed its socket), else kill it."""
        self.release_controls()
        if self.pid is None:
            return
        deadline = time.monotonic() + grace
        try:
            while time.monotonic() < deadline:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.02)
            else:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # already collected
        self.pid = None


class WorkerPool:
    """``size`` general query workers and ``reserve`` for quick queries, forked by the zygote at ``control``."""

    def __init__(self, size: int, control: socket.socket, reserve: int = 0) -> None:
        self.size = size
        self.reserve = reserve
        self._control: socket.socket | None = control
        self._control_lock = threading.Lock()
        self._idle: IdleWorkers[_Worker] = IdleWorkers()
        self._alive = 0
        self._alive_reserved = 0
        self._alive_lock = threading.Lock()
        self._closed = False
        self._ready = False
        self.stats = PoolStats()

    # -- start and stop -------------------------------------------------------------------------
    def wait_ready(self) -> None:
        """Wait until the zygote has loaded the store, then fork the workers.

        Raises :class:`UserError` (with the file and line from the loader) when loading failed.
        """
        if self._ready:
            return
        if self._control is None:
            raise PoolError("the query processes are not running")
        message = self._control.recv(1 << 16)
        if not message:
            self.shutdown()
            raise UserError("the store process died while loading the data (see the messages above)")
        status = json.loads(message)
        if "error" in status:
            self.shutdown()
            raise UserError(status["error"], path=status.get("path"), line=status.get("line"))
        for _ in range(self.size):
            self._idle.put_fresh(self._spawn())
        for _ in range(self.reserve):
            self._idle.put_fresh(self._spawn(reserved=True), reserved=True)
        self._ready = True

    def shutdown(self) -> None:
        """Stop the workers: closing the control socket makes the zygote kill the ones it forked for us."""
        self._closed = True
        for worker in self._idle.drain():
            worker.close()
        if self._control is not None:
            with contextlib.suppress(OSError):
                self._control.close()
            self._control = None

    # -- workers --------------------------------------------------------------------------------
    def _spawn(self, *, reserved: bool = False) -> _Worker:
        if self._control is None:
            raise PoolError("the query processes are not running")
        front, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._control_lock:
                socket.send_fds(self._control, [json.dumps({"op": "spawn"}).encode()], [child.fileno()])
                message, fds, _, _ = socket.recv_fds(self._control, 1 << 16, 1)
        except OSError as err:
            front.close()
            raise PoolError(f"the store process is gone: {err}") from err
        finally:
            child.close()
        if not message or len(fds) != 1:
            front.close()
            for fd in fds:
                os.close(fd)
            raise PoolError("the store process could not start a query worker")
        pid = int(json.loads(message)["pid"])
        try:
            hello, _ = wire.receive(front, time.monotonic() + _HELLO_TIMEOUT)
        except (wire.PeerGone, wire.WireTimeout) as err:
            front.close()
            os.close(fds[0])
            raise PoolError(f"a new query worker did not start: {err}") from err
        worker = _Worker(pid, fds[0], front, bool(hello.get("network_isolated")), reserved)
        self.stats.network_isolated = worker.network_isolated
        self.stats.bump("started")
        self._count(worker, 1)
        return worker

    def _count(self, worker: _Worker, change: int) -> None:
        with self._alive_lock:
            if worker.reserved:
                self._alive_reserved += change
            else:
                self._alive += change

    def _replace(self, worker: _Worker, *, kill: bool) -> None:
        if kill:
            worker.kill()
        else:
            worker.close()
        self._count(worker, -1)
        if self._closed:
            return
        try:
            self._idle.put_fresh(self._spawn(reserved=worker.reserved), reserved=worker.reserved)
        except PoolError as err:
            log.error("could not replace a query worker: %s", err)

    @property
    def alive(self) -> int:
        """General workers currently running (idle or busy)."""
        return self._alive

    @property
    def idle(self) -> int:
        """General workers waiting for a query."""
        return len(self._idle)

    @property
    def reserved_alive(self) -> int:
        """Workers reserved for quick queries currently running."""
        return self._alive_reserved

    @property
    def reserved_idle(self) -> int:
        """Workers reserved for quick queries waiting for one."""
        return self._idle.reserved

    def _acquire(self, deadline: float, quick: bool) -> _Worker:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PoolBusy("no query worker became free in time")
            try:
                worker = self._idle.get(timeout=remaining, quick=quick)
            except queue.Empty as err:
                raise PoolBusy("no query worker became free in time") from err
            if not worker.looks_dead():
                return worker
            self._replace(worker, kill=True)

    # -- queries --------------------------------------------------------------------------------
    def run(
        self, request: dict[str, Any], query: str, deadline: float, *, slow: bool = False
    ) -> tuple[dict[str, Any], bytes]:
        """Run one query on an idle worker; raise :class:`PoolError` subclasses when it cannot finish.

        A ``slow`` query waits for a general worker even when a reserved one is idle.
        """
        worker = self._acquire(deadline, quick=not slow)
        self.stats.bump("queries")
        if slow:
            self.stats.bump("slow")
        try:
            wire.send(worker.sock, request, query.encode("utf-8"))
            reply = wire.receive(worker.sock, deadline)
        except wire.WireTimeout as err:
            self.stats.bump("timeouts")
            self._replace(worker, kill=True)
            raise QueryTimeout("the query did not finish in time") from err
        except wire.PeerGone as err:
            self.stats.bump("crashes")
            self._replace(worker, kill=True)
            raise WorkerCrashed(str(err)) from err
        except BaseException:
            self._replace(worker, kill=True)
            raise
        if reply[0].get("retire"):
            self.stats.bump("recycled")
            threading.Thread(target=self._replace, args=(worker,), kwargs={"kill": True}, daemon=True).start()
        else:
            self._idle.put_warm(worker, reserved=worker.reserved)
        return reply
