"""The endpoint's settings in one frozen object, built from ``mkg serve`` options or by tests.

Every limit that protects the server from hostile input lives here with its default, so the CLI,
the app factory, the engine and gunicorn read the same numbers.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ServerConfig", "default_workers"]


def default_workers() -> int:
    """Two worker processes: while one retires or restarts after a fault, the other keeps answering.

    Each holds its own copy of the store and runs queries on every core with its threads (the engine
    releases the GIL), so more processes buy fault isolation, not speed, at one store copy each.
    """
    return 2


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one running endpoint.

    ``release`` is the release folder (``None`` serves only ``data``); ``base_url`` is the public URL
    the service description announces (``None``: taken from each request's ``Host``); ``queries`` is
    the folder of example queries for the query page (``None``: the packaged query library).
    """

    release: Path | None = Path("build/release")
    engine_url: str | None = None
    data: tuple[Path, ...] = ()
    base_url: str | None = None
    queries: Path | None = None
    timeout: float = 10.0
    row_limit: int = 100_000
    result_bytes_limit: int = 64 * 1024 * 1024
    max_query_length: int = 100_000
    max_nesting: int = 100
    max_body: int = 1024 * 1024
    workers: int = field(default_factory=default_workers)
    worker_memory_mb: int = 2048
    threads: int = 16
    connection_limit: int = 1000
    request_read_timeout: float = 20.0
    idle_timeout: int = 15
    queue_timeout: float = 10.0
    max_requests: int = 0
    cache_bytes: int = 64 * 1024 * 1024
    state_dir: Path | None = None

    def __post_init__(self) -> None:
        for name in ("timeout", "request_read_timeout", "queue_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in (
            "row_limit",
            "result_bytes_limit",
            "max_query_length",
            "max_nesting",
            "max_body",
            "workers",
            "worker_memory_mb",
            "threads",
            "connection_limit",
            "idle_timeout",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("cache_bytes", "max_requests"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.release is None and not self.data and not self.engine_url:
            raise ValueError("nothing to serve: no release folder and no data files")
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        if self.engine_url is not None and not self.engine_url.startswith(("http://", "https://")):
            raise ValueError(f"the engine must be an http(s) URL, got {self.engine_url!r}")

    @property
    def public_base(self) -> str | None:
        """The configured public URL without a trailing slash."""
        return self.base_url.rstrip("/") if self.base_url else None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ServerConfig:
        """Settings from the ``mkg serve`` options (see :mod:`server.cli`)."""
        return cls(
            release=None if args.no_release else args.release,
            engine_url=args.engine,
            data=tuple(args.data),
            base_url=args.base_url,
            queries=args.queries,
            timeout=args.timeout,
            row_limit=args.row_limit,
            max_query_length=args.max_query_length,
            max_nesting=args.max_nesting,
            max_body=args.max_body,
            workers=args.workers,
            threads=args.threads,
            connection_limit=args.max_connections,
            request_read_timeout=args.read_timeout,
            idle_timeout=args.idle_timeout,
            queue_timeout=args.queue_timeout,
            max_requests=args.max_requests,
            worker_memory_mb=args.worker_memory_mb,
            cache_bytes=args.cache_mb * 1024 * 1024,
        )
