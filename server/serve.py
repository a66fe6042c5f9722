"""``mkg serve``: build the release if needed, start the query processes, serve with waitress.

waitress reads every request completely on its event loop before a worker thread sees it, so slow
clients cost a socket, not a thread. On top of its limits (body size, idle connections, connection
count) this module closes connections whose request has been trickling in for too long, which waitress
alone would keep open as long as a byte arrives now and then.
"""

from __future__ import annotations

import argparse
import logging
import resource
import signal
import sys
import time
from types import FrameType
from typing import Any

from kg.errors import UserError
from server.backend import Backend
from server.config import ServerConfig
from server.release import ensure_release

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


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; return the exit status."""
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
    backend.pool.launch()  # the store loads in the forked process while the web stack imports below

    from waitress import create_server

    from server.app import create_app

    app = create_app(config, backend=backend)
    service = app.extensions["mkg"]
    try:
        try:
            server = create_server(app, host=args.host, port=args.port, **waitress_options(config))
        except OSError as err:
            raise UserError(f"cannot listen on {args.host}:{args.port}: {err}", field="--port") from err
        guard_slow_requests(server, config.request_read_timeout)
        host, port = (
            (server.effective_host, server.effective_port)
            if hasattr(server, "effective_port")
            else (args.host, args.port)
        )
        shown = f"[{host}]" if ":" in str(host) else host
        base = config.public_base or f"http://{shown}:{port}"
        release = service.release
        print(
            "mkg serve: "
            + (f"release {release.version} ({release.triples:,} triples)" if release else "data")
            + (f" and {len(config.data)} data file(s)" if config.data and release else "")
            + f" ready in {time.monotonic() - started:.1f} s; {config.workers} query workers",
            flush=True,
        )
        print(f"mkg serve: listening on http://{shown}:{port}/ (SPARQL endpoint {base}/sparql)", flush=True)
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        try:
            server.run()
        finally:
            server.close()
    finally:
        service.close()
    return 0
