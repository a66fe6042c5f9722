"""A WSGI entry point for other WSGI servers (granian, uWSGI, mod_wsgi): ``server.serving.wsgi:app``.

The app is configured by the ``mkg serve`` options in the environment variable ``MKG_SERVE_ARGS``
(e.g. ``MKG_SERVE_ARGS="--release /srv/kg/release --timeout 20"``), parsed by the same parser, and built
on first use in each worker process. What ``mkg serve`` adds around the app is not here: the whole-request
reading, idle-connection reclaim, queue-wait bound and the retirement of a worker after a runaway query
are gunicorn-worker features (:mod:`server.serving.worker`); under another server a runaway query keeps
its thread until it ends. ``make bench`` uses this to measure the app on granian beside gunicorn.
"""

from __future__ import annotations

import argparse
import os
import shlex
import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["app"]

_lock = threading.Lock()
_app: Any = None


def _build() -> Any:
    from server.cli import register
    from server.config import ServerConfig
    from server.web.app import create_app

    parser = argparse.ArgumentParser(prog="MKG_SERVE_ARGS")
    register(parser.add_subparsers())
    args = parser.parse_args(["serve", *shlex.split(os.environ.get("MKG_SERVE_ARGS", ""))])
    args.release = args.release.resolve()
    args.data = [p.resolve() for p in args.data]
    return create_app(ServerConfig.from_args(args))


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The Flask app, built once per process on its first request."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                _app = _build()
    result: Iterable[bytes] = _app(environ, start_response)
    return result
