"""What the executor serves, planned without the web stack: release, data files, prefixes, worker pool.

Kept free of Flask and rdflib imports so ``mkg serve`` can fork the store-loading process first and
import its web stack while the store loads on another core.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.config import ServerConfig
from server.dataset import DataFile, dataset_tag, plan_data_files
from server.execution import Limits
from server.pool import WorkerPool
from server.release import Release, read_release
from server.zygote import WorkerSettings

__all__ = ["Backend"]


@dataclass
class Backend:
    """The served release and data files, the prefixes the page and Turtle output use, and the pool."""

    release: Release | None
    data: tuple[DataFile, ...]
    prefixes: dict[str, str]
    pool: WorkerPool
    tag: str

    @classmethod
    def plan(cls, config: ServerConfig) -> Backend:
        """Check the release and data files and prepare (not start) the worker pool."""
        release = read_release(config.release) if config.release is not None else None
        data = plan_data_files(config.data)
        prefixes = release.prefixes() if release else {}
        settings = WorkerSettings(
            limits=Limits(rows=config.row_limit, bytes=config.result_bytes_limit),
            prefixes=prefixes,
            memory_mb=config.worker_memory_mb,
        )
        pool = WorkerPool(config.workers, release, data, settings)
        return cls(release, data, prefixes, pool, dataset_tag(release, data))
