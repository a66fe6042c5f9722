"""The endpoint's settings in one frozen object, built from ``mkg serve`` options or by tests.

Every limit that protects the server from hostile input lives here with its default, so the CLI,
the app factory, the worker pool and the WSGI server read the same numbers.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ServerConfig", "default_fronts", "default_workers"]


def default_fronts() -> int:
    """HTTP front processes: two where there are two cores, so HTTP is not bound to one core by the GIL."""
    return min(2, os.cpu_count() or 1)


def default_workers() -> int:
    """One query worker per core plus one, so a single slow query never takes the last worker."""
    return max(2, os.cpu_count() or 1) + 1


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one running endpoint.

    ``release`` is the release folder (``None`` serves only ``data``); ``base_url`` is the public URL
    the service description announces (``None``: taken from each request's ``Host``); ``queries`` is
    the folder of example queries for the query page (``None``: the packaged query library).
    """

    release: Path | None = Path("build/release")
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
    fronts: int = field(default_factory=default_fronts)
    worker_memory_mb: int = 2048
    worker_recycle_mb: int = 512
    threads: int = 16
    connection_limit: int = 1000
    request_read_timeout: float = 20.0
    idle_timeout: int = 30
    cache_bytes: int = 64 * 1024 * 1024
    slow_query_ms: int = 100

    def __post_init__(self) -> None:
        for name in ("timeout", "request_read_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in (
            "row_limit",
            "result_bytes_limit",
            "max_query_length",
            "max_nesting",
            "max_body",
            "workers",
            "fronts",
            "worker_memory_mb",
            "worker_recycle_mb",
            "threads",
            "connection_limit",
            "idle_timeout",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("cache_bytes", "slow_query_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.release is None and not self.data:
            raise ValueError("nothing to serve: no release folder and no data files")
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self.base_url!r}")

    @property
    def public_base(self) -> str | None:
        """The configured public URL without a trailing slash."""
        return self.base_url.rstrip("/") if self.base_url else None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ServerConfig:
        """Settings from the ``mkg serve`` options (see :mod:`server.cli`)."""
        return cls(
            release=None if args.no_release else args.release,
            data=tuple(args.data),
            base_url=args.base_url,
            queries=args.queries,
            timeout=args.timeout,
            row_limit=args.row_limit,
            max_query_length=args.max_query_length,
            max_nesting=args.max_nesting,
            max_body=args.max_body,
            workers=args.workers,
            fronts=args.fronts,
            threads=args.threads,
            request_read_timeout=args.read_timeout,
            worker_recycle_mb=args.worker_recycle_mb,
            cache_bytes=args.cache_mb * 1024 * 1024,
            slow_query_ms=args.slow_query_ms,
        )
