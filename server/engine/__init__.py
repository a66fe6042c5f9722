"""Engines: take a query that passed the front's guards, give its complete result (or a clear error).

``open_engine`` picks the embedded pyoxigraph store, or a remote SPARQL endpoint when ``--engine`` names one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kg.prefixes import default_prefixes
from server.config import ServerConfig
from server.engine.base import Engine, Limits
from server.engine.dataset import dataset_tag, plan_data_files
from server.release import Release, read_release

__all__ = ["OpenedEngine", "open_engine"]


@dataclass
class OpenedEngine:
    """An engine with what the front announces about it: the release, prefixes and the ETag tag.

    The prefixes are the project's table (:mod:`kg.prefixes`), whatever is served: queries may use them
    undeclared, results and pages are written with them.
    """

    engine: Engine
    release: Release | None
    prefixes: dict[str, str]
    tag: str
    counted: bool  # the manifest's graph counts do not cover everything served: count on the engine


def open_engine(config: ServerConfig, on_runaway: Callable[[str], None] | None = None) -> OpenedEngine:
    """Open the engine ``config`` asks for; ``on_runaway`` retires the process (embedded engine only)."""
    release = read_release(config.release) if config.release is not None else None
    prefixes = default_prefixes()
    limits = Limits(rows=config.row_limit, bytes=config.result_bytes_limit)
    if config.engine_url:
        from server.engine.remote import open_remote_engine

        remote = open_remote_engine(config.engine_url, limits, config.timeout)
        remote.prefixes = prefixes
        remote.graphs = tuple(sorted(release.graphs)) if release is not None else ()
        if release is not None:
            remote.use_published(release.version)
        tag = dataset_tag(release, ()) + "-" + remote.name
        return OpenedEngine(remote, release, prefixes, tag, counted=release is None)
    from server.engine.embedded import EmbeddedEngine

    data = plan_data_files(config.data)
    engine = EmbeddedEngine.load(release, data, limits, on_runaway=on_runaway, memory_mb=config.worker_memory_mb)
    return OpenedEngine(engine, release, prefixes, dataset_tag(release, data), counted=bool(data) or release is None)
