"""What the executor serves, planned without the web stack: release, data files, prefixes, worker pool.

Kept free of Flask and rdflib imports so ``mkg serve`` can fork the store-loading process first and
import its web stack while the store loads on another core.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from server.config import ServerConfig
from server.dataset import DataFile, dataset_tag, plan_data_files
from server.execution import Limits
from server.pool import WorkerPool, Zygote
from server.release import Release, read_release
from server.zygote import WorkerSettings

__all__ = ["Backend"]


@dataclass
class Backend:
    """The served release and data files, the prefixes the page and Turtle output use, and the processes.

    ``zygote`` is set in the process that forked it (and so stops it); ``pool`` in the process that
    answers queries. In a single process both are; under ``mkg serve`` the supervisor holds the zygote
    and each front process its own pool.
    """

    config: ServerConfig
    release: Release | None
    data: tuple[DataFile, ...]
    prefixes: dict[str, str]
    settings: WorkerSettings
    tag: str
    zygote: Zygote | None = None
    pool: WorkerPool | None = None

    @classmethod
    def plan(cls, config: ServerConfig) -> Backend:
        """Check the release and data files; start nothing yet."""
        release = read_release(config.release) if config.release is not None else None
        data = plan_data_files(config.data)
        prefixes = release.prefixes() if release else {}
        settings = WorkerSettings(
            limits=Limits(rows=config.row_limit, bytes=config.result_bytes_limit),
            prefixes=prefixes,
            memory_mb=config.worker_memory_mb,
            recycle_mb=config.worker_recycle_mb,
        )
        return cls(config, release, data, prefixes, settings, dataset_tag(release, data))

    def launch(self, fronts: int = 1) -> Zygote:
        """Fork the zygote (it starts loading at once) with one control socket per front."""
        if self.zygote is None:
            self.zygote = Zygote(self.release, self.data, self.settings)
            self.zygote.launch(fronts)
        return self.zygote

    def attach(self, control: socket.socket, workers: int) -> WorkerPool:
        """Make this process a front whose query workers the zygote forks through ``control``.

        ``workers`` general ones, and one kept for quick queries unless ``--slow-query-ms`` is 0.
        """
        self.pool = WorkerPool(workers, control, reserve=1 if self.config.slow_query_ms > 0 else 0)
        return self.pool

    def start(self) -> WorkerPool:
        """Have running workers: launch and attach in this process if nobody did, then wait until ready."""
        if self.pool is None:
            zygote = self.launch(1)
            self.attach(zygote.controls[0], self.config.workers)
        assert self.pool is not None
        self.pool.wait_ready()
        return self.pool

    def close(self) -> None:
        """Stop this process's workers, and the zygote if this process forked it."""
        if self.pool is not None:
            self.pool.shutdown()
        if self.zygote is not None:
            self.zygote.stop()
