"""The Flask app as a gunicorn application: settings derived from :class:`ServerConfig`, hooks, loading.

Each worker builds its own app and loads its own store after the fork (no ``preload_app``): a forked copy
of a loaded pyoxigraph store is not shared for long, because reading it writes reference counts into its
pages, so preloading would cost the same memory and make a worker's restart depend on the arbiter's copy.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from kg.errors import UserError
from server.config import ServerConfig
from server.health import SUPERVISOR_FILE, write_snapshot
from server.serving import lifecycle
from server.serving.isolation import leave_network

__all__ = ["ERROR_FILE", "MkgApplication", "gunicorn_settings"]

ERROR_FILE = "load-error.txt"
_READY_FILE = "ready"
_APP_LOAD_ERROR = 4  # gunicorn's Arbiter.APP_LOAD_ERROR: the arbiter halts instead of respawning


def gunicorn_settings(config: ServerConfig, listener: socket.socket, access_log: str | None) -> dict[str, Any]:
    """Gunicorn settings for ``config``, on the already bound ``listener``."""
    return {
        "bind": [f"fd://{listener.fileno()}"],
        "workers": config.workers,
        "worker_class": "server.serving.worker.MkgWorker",
        "threads": config.threads,
        "worker_connections": config.connection_limit,
        "keepalive": config.idle_timeout,
        # The heartbeat timeout: the worker's main loop beats every second even while queries run (they
        # release the GIL), so this only catches a wedged process.
        "timeout": max(30, int(config.timeout * 2) + 10),
        # A retiring worker lets its in-flight requests reach their own deadline, then exits.
        "graceful_timeout": int(config.timeout) + 5,
        "max_requests": config.max_requests,
        "max_requests_jitter": config.max_requests // 10,
        # The query may be long: the request line and fields are bounded by the worker's head limit.
        "limit_request_line": 0,
        "limit_request_field_size": 0,
        "preload_app": False,
        "proc_name": "mkg-serve",
        "loglevel": "warning",
        "errorlog": "-",
        "accesslog": access_log,
        "post_fork": _post_fork,
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
        "when_ready": _when_ready,
    }


class MkgApplication(BaseApplication):
    """gunicorn application that builds the Flask app from one :class:`ServerConfig`."""

    def __init__(self, config: ServerConfig, listener: socket.socket, access_log: str | None = None) -> None:
        self.config = config
        self.listener = listener
        self.address = listener.getsockname()[:2]  # gunicorn takes the descriptor over
        self.access_log = access_log
        self.started = time.monotonic()
        super().__init__(prog="mkg serve")

    def load_config(self) -> None:
        """Set gunicorn's settings from ours (no gunicorn command line or config file is read)."""
        for key, value in gunicorn_settings(self.config, self.listener, self.access_log).items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the app in the worker; a load error is reported once by ``mkg serve``, not as a traceback."""
        from server.web.app import create_app

        try:
            return create_app(self.config, on_runaway=lifecycle.retire)
        except UserError as err:
            _state(self.config, ERROR_FILE).write_text(str(err), encoding="utf-8")
            sys.stderr.flush()
            os._exit(_APP_LOAD_ERROR)


def _state(config: ServerConfig, name: str) -> Path:
    assert config.state_dir is not None
    return Path(config.state_dir) / name


def _when_ready(server: Any) -> None:
    config: ServerConfig = server.app.config
    snapshot = {"pid": os.getpid(), "role": "supervisor", "server": "gunicorn", "workers_wanted": config.workers}
    write_snapshot(Path(config.state_dir or "."), SUPERVISOR_FILE, snapshot)


def _post_fork(server: Any, worker: Any) -> None:
    config: ServerConfig = server.app.config
    lifecycle.attach(worker, float(server.cfg.graceful_timeout))
    worker.network_isolated = leave_network() if config.engine_url is None else False


def _post_worker_init(worker: Any) -> None:
    """The first worker that can answer prints where the server listens (tests and users wait for it)."""
    app: MkgApplication = worker.app
    config = app.config
    try:
        fd = os.open(_state(config, _READY_FILE), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    host, port = app.address
    shown = f"[{host}]" if ":" in str(host) else host
    base = config.public_base or f"http://{shown}:{port}"
    release = worker._flask.extensions["mkg"].release
    what = f"release {release.version} ({release.triples:,} triples)" if release else "data"
    if config.data and release:
        what += f" and {len(config.data)} data file(s)"
    if config.engine_url:
        what += f" through the engine at {config.engine_url}"
    print(
        f"mkg serve: {what} ready in {time.monotonic() - app.started:.1f} s; gunicorn with {config.workers}"
        f" worker process(es) of {config.threads} threads",
        flush=True,
    )
    print(f"mkg serve: listening on http://{shown}:{port}/ (SPARQL endpoint {base}/sparql)", flush=True)


def _worker_exit(server: Any, worker: Any) -> None:
    """Leave at once: query threads still inside the engine must not hold up interpreter shutdown."""
    config: ServerConfig = server.app.config
    with contextlib.suppress(OSError, AssertionError):
        _state(config, f"worker-{os.getpid()}.json").unlink()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
