"""Health snapshots of the serving processes, shared through one folder so ``/health`` can show them all.

Under gunicorn each request reaches one worker process, which knows only its own counters. Every worker
therefore writes a small JSON snapshot of itself into the state folder about once a second (from its
main loop's heartbeat) and any worker answering ``/health`` reads all of them: the supervisor, every
live worker, and which of them are retiring. A snapshot whose process no longer exists is ignored, so a
``kill -9``-ed worker disappears from ``/health`` without cleaning up after itself.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from kg.processes import alive

__all__ = ["SUPERVISOR_FILE", "read_snapshots", "rss_mb", "write_snapshot"]

SUPERVISOR_FILE = "supervisor.json"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb() -> float:
    """Resident memory of this process in MiB, read from /proc (0 where there is no /proc)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE / (1 << 20)
    except (OSError, IndexError, ValueError):
        return 0.0


def write_snapshot(folder: Path, name: str, snapshot: dict[str, Any]) -> None:
    """Replace ``folder/name`` atomically, so a reader never sees half a snapshot."""
    path = folder / name
    partial = folder / f".{name}.{os.getpid()}.tmp"
    partial.write_text(json.dumps(snapshot, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def read_snapshots(folder: Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The supervisor's snapshot and those of the live workers (ordered by pid)."""
    supervisor = None
    workers = []
    with contextlib.suppress(OSError):
        for path in folder.glob("*.json"):
            try:
                snapshot = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            pid = snapshot.get("pid")
            if not isinstance(pid, int) or not alive(pid):
                continue
            if path.name == SUPERVISOR_FILE:
                supervisor = snapshot
            else:
                workers.append(snapshot)
    return supervisor, sorted(workers, key=lambda s: s["pid"])
