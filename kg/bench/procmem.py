"""Memory of a server process and all its descendants, read from ``/proc`` (Linux only).

A server that isolates crashes by forking query workers holds memory in its children, so measuring the
parent alone would flatter it; the benchmark sums resident memory over the whole process tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["TreeMemory", "descendants", "tree_memory"]

_PROC = Path("/proc")


@dataclass(frozen=True)
class TreeMemory:
    """Resident memory of a process tree in bytes: now (VmRSS) and each process's peak (VmHWM), summed."""

    rss: int
    peak: int
    processes: int


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in (_PROC / str(pid) / "task").glob("*"):
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return found


def descendants(pid: int) -> list[int]:
    """``pid`` and every live process below it."""
    seen: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.append(current)
        stack.extend(_children(current))
    return seen


def _status_kib(pid: int, *fields: str) -> dict[str, int]:
    values = dict.fromkeys(fields, 0)
    try:
        lines = (_PROC / str(pid) / "status").read_text().splitlines()
    except OSError:
        return values
    for line in lines:
        key, _, rest = line.partition(":")
        if key in values:
            values[key] = int(rest.split()[0])
    return values


def tree_memory(pid: int) -> TreeMemory:
    """Sum VmRSS and VmHWM over ``pid``'s process tree (zero for processes that are gone)."""
    rss = peak = 0
    pids = descendants(pid)
    for p in pids:
        status = _status_kib(p, "VmRSS", "VmHWM")
        rss += status["VmRSS"] * 1024
        peak += status["VmHWM"] * 1024
    return TreeMemory(rss, peak, len(pids))
