"""The processes that hold the store: one "zygote" that loads it, and query workers forked from it.

The store is loaded once, in the zygote, which then only forks: each worker is a copy-on-write child
that shares the loaded store's memory, runs one query at a time, and can be SIGKILLed on a timeout or
die on a crash without touching the store, the zygote or the web front. A replacement is forked from
the zygote in milliseconds and starts from the same pristine store.

Workers also drop what they never need: they leave the network (a private network namespace where the
kernel allows it), so even a ``SERVICE`` the lexical guard missed cannot reach any server, and they
get an address-space limit, so a runaway query dies alone instead of swapping the machine.

This module runs only in the child processes; :mod:`server.pool` is its counterpart in the front.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.errors import UserError
from server import wire
from server.dataset import DataFile, load_store
from server.execution import Limits, execute
from server.release import Release

__all__ = ["WorkerSettings", "die_with_parent", "zygote_main"]

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1
_CONTROL_MESSAGE_MAX = 1 << 16
_RECYCLE_CHECK_AFTER = 0.02  # seconds: only a query that ran this long can have touched much of the store
_CHECK_EVERY = 0.5  # seconds between two looks at a worker's unshared memory after short queries


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker needs besides the store."""

    limits: Limits
    prefixes: dict[str, str]
    memory_mb: int
    recycle_mb: int = 64
    isolate_network: bool = True


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def die_with_parent(expected_parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies, so nothing outlives the server."""
    libc = _libc()
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != expected_parent:
        os._exit(0)


def _leave_network() -> bool:
    """Move into an empty network namespace; ``False`` where the kernel does not allow it."""
    libc = _libc()
    if libc is None or not hasattr(libc, "unshare"):
        return False
    return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


def _limit_memory(extra_mb: int) -> None:
    """Cap the address space at what the worker inherited plus ``extra_mb``."""
    import resource

    size_kb = 0
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                size_kb = int(line.split()[1])
    if size_kb:
        limit = (size_kb + extra_mb * 1024) * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(sock: socket.socket, store: ox.Store, settings: WorkerSettings) -> None:
    """Answer queries one at a time until the front closes the connection."""
    isolated = _leave_network() if settings.isolate_network else False
    _limit_memory(settings.memory_mb)
    wire.send(sock, {"hello": True, "pid": os.getpid(), "network_isolated": isolated})
    last_check = 0.0
    while True:
        try:
            request, body = wire.receive(sock)
        except wire.PeerGone:
            return
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            reply, out = {"status": 400, "error": "query is not valid UTF-8"}, b""
        else:
            started = time.monotonic()
            reply, out = execute(store, request, query, settings.limits, settings.prefixes)
            # Reading the shared store writes reference counts, which copies its pages into this
            # process; a worker that has copied much of it retires so memory stays shared. Reading
            # smaps_rollup walks the whole address space, so it is done at most every _CHECK_EVERY
            # seconds, and after any query long enough to have copied a lot on its own.
            finished = time.monotonic()
            ran = finished - started
            reply["ran"] = ran  # the engine's time alone, which the front learns each query shape's cost from
            if ran > _RECYCLE_CHECK_AFTER and (ran > _CHECK_EVERY or finished - last_check > _CHECK_EVERY):
                last_check = finished
                if _private_mb() > settings.recycle_mb:
                    reply["retire"] = True
        try:
            wire.send(sock, reply, out)
        except wire.PeerGone:
            return


def _private_mb() -> int:
    """Memory this process no longer shares with the zygote (private dirty pages), in MiB."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1]) // 1024
    return 0


def _close_other_fds(keep: set[int]) -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 256))
    for fd in fds:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _spawn(control: socket.socket, fds: list[int], store: ox.Store, settings: WorkerSettings) -> int | None:
    """Fork one worker serving the socket passed in ``fds``; send its pid and a pidfd back to the front."""
    if len(fds) != 1:
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"error": "spawn needs exactly one socket"}).encode())
        return None
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            die_with_parent(parent)
            _close_other_fds({fds[0]})
            with socket.socket(fileno=fds[0]) as sock:
                _worker_main(sock, store, settings)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(fds[0])
    pidfd = os.pidfd_open(pid)
    try:
        socket.send_fds(control, [json.dumps({"pid": pid}).encode()], [pidfd])
    finally:
        os.close(pidfd)
    return pid


def _reap(*groups: set[int]) -> None:
    """Collect exited workers, forgetting them in every group (a pid is only reused once reaped)."""
    while any(groups):
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            for group in groups:
                group.clear()
            return
        if pid == 0:
            return
        for group in groups:
            group.discard(pid)


def zygote_main(
    controls: list[socket.socket],
    parent: int,
    release: Release | None,
    data: tuple[DataFile, ...],
    settings: WorkerSettings,
) -> None:
    """Load the store, report to every front, then fork workers on request until all fronts are gone.

    Each front has its own control socket; the workers a front asked for are killed when its socket
    closes (the front stopped or died), and the zygote exits when the last one closes.
    """
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _close_other_fds({control.fileno() for control in controls})
    failure: dict[str, Any] | None
    try:
        store = load_store(release, data)
    except UserError as err:
        failure = {"error": err.message, "path": err.path, "line": err.line}
    except Exception as err:
        failure = {"error": f"{type(err).__name__}: {err}", "path": None, "line": None}
    else:
        failure = None
    if failure is not None:
        for control in controls:
            with contextlib.suppress(OSError):
                control.send(json.dumps(failure).encode())
        return
    gc.freeze()  # keep the collector from touching, and so copying, the loaded heap in every worker
    for control in controls:
        with contextlib.suppress(OSError):
            control.send(json.dumps({"ready": True}).encode())
    children: dict[socket.socket, set[int]] = {control: set() for control in controls}
    try:
        while children:
            _reap(*children.values())
            readable, _, _ = select.select(list(children), [], [], 1.0)
            for control in readable:
                try:
                    message, fds, _, _ = socket.recv_fds(control, _CONTROL_MESSAGE_MAX, 1)
                except OSError:
                    message, fds = b"", []
                command: dict[str, Any] = json.loads(message) if message else {}
                if command.get("op") == "spawn":
                    pid = _spawn(control, fds, store, settings)
                    if pid is not None:
                        children[control].add(pid)
                    continue
                for fd in fds:
                    os.close(fd)
                _kill_all(children.pop(control), children)
                control.close()
    finally:
        for owned in list(children.values()):
            _kill_all(owned, children)
        sys.stdout.flush()


def _kill_all(pids: set[int], others: dict[socket.socket, set[int]]) -> None:
    """SIGKILL workers not yet reaped (so their pids cannot have been reused), then reap what exited."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    _reap(pids, *others.values())
