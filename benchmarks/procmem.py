"""Memory and CPU time of a server process and all its descendants, read from ``/proc`` (Linux only).

A server that isolates crashes by forking query workers holds memory in its children, so measuring the
parent alone would flatter it; the benchmark sums resident memory over the whole process tree. Summed
RSS counts a page shared by forked processes once per process, which overstates a forking server, so
the proportional set size (PSS: each shared page split among its sharers) is summed too; it adds up to
what the tree really costs the machine. CPU time is summed over the tree for the same reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TreeMemory", "descendants", "tree_cpu_seconds", "tree_memory"]

_PROC = Path("/proc")


@dataclass(frozen=True)
class TreeMemory:
    """Resident memory of a process tree in bytes, summed over its processes.

    ``rss`` and ``peak`` are VmRSS and VmHWM; ``pss`` is the proportional set size (0 where unreadable).
    """

    rss: int
    peak: int
    pss: int
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


def _pss_kib(pid: int) -> int:
    try:
        for line in (_PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def tree_memory(pid: int) -> TreeMemory:
    """Sum VmRSS, VmHWM and PSS over ``pid``'s process tree (zero for processes that are gone)."""
    rss = peak = pss = 0
    pids = descendants(pid)
    for p in pids:
        status = _status_kib(p, "VmRSS", "VmHWM")
        rss += status["VmRSS"] * 1024
        peak += status["VmHWM"] * 1024
        pss += _pss_kib(p) * 1024
    return TreeMemory(rss, peak, pss, len(pids))


def _cpu_ticks(pid: int) -> int:
    """Clock ticks of ``pid`` (user and system) plus those of the children it reaped (``stat`` fields 14-17)."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15])
    except (OSError, ValueError, IndexError):
        return 0


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds spent so far by ``pid``'s live process tree, with the children its members reaped.

    A worker that was replaced counts once its parent has reaped it; one killed and not yet reaped is
    missing until then, which is at most one query's worth.
    """
    return sum(_cpu_ticks(p) for p in descendants(pid)) / os.sysconf("SC_CLK_TCK")
