"""``mkg serve``: build the release if needed, start the query processes, serve with waitress.

waitress reads every request completely on its event loop before a worker thread sees it, so slow
clients cost a socket, not a thread. On top of its limits (body size, idle connections, connection
count) this module closes connections whose request has been trickling in for too long, which waitress
alone would keep open as long as a byte arrives now and then.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import resource
import signal
import socket
import sys
import time
from types import FrameType
from typing import Any

from kg.errors import UserError
from server.backend import Backend
from server.config import ServerConfig
from server.release import ensure_release
from server.zygote import die_with_parent

__all__ = ["guard_slow_requests", "run_serve", "waitress_options"]

log = logging.getLogger("server")


def waitress_options(config: ServerConfig) -> dict[str, Any]:
    """Settings for waitress derived from the endpoint's limits."""
    return {
        "threads": config.threads,
        "connection_limit": config.connection_limit,
        "channel_timeout": config.idle_timeout,
        "cleanup_interval": 1,
        "max_request_body_size": config.max_body,
        "max_request_header_size": max(256 * 1024, 4 * config.max_query_length),
        # Results are complete before they are written: never block a thread on a slow reader.
        "outbuf_high_watermark": config.result_bytes_limit * 2 + (1 << 20),
        "asyncore_use_poll": True,
        "ident": "mkg",
        "clear_untrusted_proxy_headers": True,
    }


def guard_slow_requests(server: Any, limit: float) -> None:
    """Close connections whose current request has been arriving for more than ``limit`` seconds."""
    from waitress.server import BaseWSGIServer, MultiSocketServer

    servers = (
        [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
        if isinstance(server, MultiSocketServer)
        else [server]
    )
    for one in servers:
        original = one.maintenance

        def maintenance(now: float, one: Any = one, original: Any = original) -> None:
            original(now)
            for channel in list(one.active_channels.values()):
                request = getattr(channel, "request", None)
                if request is None or channel.requests:
                    continue
                started = getattr(request, "_mkg_started", None)
                if started is None:
                    request._mkg_started = now
                elif now - started > limit:
                    channel.will_close = True
                    channel.close()

        one.maintenance = maintenance


def _raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound once here and shared by every front process."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError as err:
        raise UserError(f"cannot listen on {host}:{port}: {err}", field="--port") from err
    return sock


def _front(
    index: int, config: ServerConfig, backend: Backend, listener: socket.socket, workers: int, report: int
) -> int:
    """One front process: its own Flask app, waitress threads and query workers, on the shared socket."""
    from waitress import create_server

    from server.app import create_app
    from server.onewrite import send_responses_in_one_write

    assert backend.zygote is not None
    controls = backend.zygote.controls
    for other, control in enumerate(controls):
        if other != index:
            control.close()
    backend.zygote = None  # the supervisor forked it and will stop it
    backend.attach(controls[index], workers)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        app = create_app(config, backend=backend)
    except UserError as err:
        os.write(report, json.dumps({"error": str(err)}).encode())
        return 2
    service = app.extensions["mkg"]
    try:
        server = create_server(app, sockets=[listener], **waitress_options(config))
        guard_slow_requests(server, config.request_read_timeout)
        send_responses_in_one_write(server)
        os.write(report, b'{"ready": true}')
        os.close(report)
        try:
            server.run()
        finally:
            server.close()
    finally:
        service.close()
    return 0


def _stop_fronts(fronts: dict[int, int], grace: float = 10.0) -> None:
    for pid in fronts:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while fronts and time.monotonic() < deadline:
        for pid in list(fronts):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            del fronts[pid]
        time.sleep(0.02)
    for pid in fronts:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    fronts.clear()


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; return the exit status.

    This process supervises: it forks the zygote (which loads the store), binds the socket, and forks
    ``--fronts`` front processes that each run a waitress server and their own query workers on it,
    so HTTP handling is not limited to one core by Python's GIL. It stops them all on a signal, and all
    of them if one front dies.
    """
    logging.basicConfig(level=logging.INFO, format="mkg serve: %(message)s", stream=sys.stderr)
    if not args.no_release:
        ensure_release(args.release)
    try:
        config = ServerConfig.from_args(args)
    except ValueError as err:
        raise UserError(str(err)) from err
    _raise_file_limit(config.connection_limit + 256)
    started = time.monotonic()
    backend = Backend.plan(config)
    zygote = backend.launch(config.fronts)  # the store loads in the zygote while the web stack imports
    fronts: dict[int, int] = {}
    try:
        listener = _listen(args.host, args.port)
        import waitress  # noqa: F401  (imported once here, shared by the forked fronts)

        import server.app  # noqa: F401

        workers = config.workers if config.fronts == 1 else max(2, -(-config.workers // config.fronts))
        reports = []
        supervisor = os.getpid()
        for index in range(config.fronts):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    die_with_parent(supervisor)
                    os.close(read)
                    code = _front(index, config, backend, listener, workers, write)
                finally:
                    os._exit(code)
            os.close(write)
            fronts[pid] = index
            reports.append(read)
        zygote.release_controls()
        for read in reports:
            message = json.loads(os.read(read, 1 << 16) or b'{"error": "a front process died while starting"}')
            os.close(read)
            if "error" in message:
                raise UserError(message["error"])
        host, port = listener.getsockname()[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        base = config.public_base or f"http://{shown}:{port}"
        release = backend.release
        print(
            "mkg serve: "
            + (f"release {release.version} ({release.triples:,} triples)" if release else "data")
            + (f" and {len(config.data)} data file(s)" if config.data and release else "")
            + f" ready in {time.monotonic() - started:.1f} s;"
            + f" {config.fronts} front process(es) with {workers} query workers each"
            + (" and 1 kept for quick queries" if config.slow_query_ms > 0 else ""),
            flush=True,
        )
        print(f"mkg serve: listening on http://{shown}:{port}/ (SPARQL endpoint {base}/sparql)", flush=True)
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        try:
            pid, status = os.wait()
        except SystemExit:
            return 0
        if pid in fronts:
            del fronts[pid]
            log.error("a front process exited unexpectedly (status %s); stopping the server", status)
        else:
            log.error("the store process exited unexpectedly (status %s); stopping the server", status)
            zygote.pid = None
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop_fronts(fronts)
        zygote.stop()
