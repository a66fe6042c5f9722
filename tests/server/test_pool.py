"""Which idle query worker gets the next query: the warmest, so cold workers stay shared and cheap."""

from __future__ import annotations

import os
import queue
import threading
import time
from pathlib import Path

import pytest
from serverkit import Server

from server.pool import IdleWorkers

SCAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_the_worker_that_finished_last_is_handed_out_first() -> None:
    """A worker that has just answered has the store's pages it reads already copied: it goes next."""
    idle: IdleWorkers[str] = IdleWorkers()
    for name in ("a", "b", "c"):
        idle.put_warm(name)
    assert [idle.get(0.1) for _ in range(3)] == ["c", "b", "a"]


def test_fresh_workers_wait_behind_every_warm_one() -> None:
    """A new or replacement worker is used only when every warm one is busy."""
    idle: IdleWorkers[str] = IdleWorkers()
    idle.put_warm("warm-1")
    idle.put_fresh("fresh-1")
    idle.put_warm("warm-2")
    idle.put_fresh("fresh-2")
    assert [idle.get(0.1) for _ in range(4)] == ["warm-2", "warm-1", "fresh-1", "fresh-2"]
    assert len(idle) == 0


def test_waiting_for_a_worker_ends_at_the_timeout_or_when_one_comes_back() -> None:
    """``get`` blocks until a worker is returned, and gives up with queue.Empty at its timeout."""
    idle: IdleWorkers[str] = IdleWorkers()
    with pytest.raises(queue.Empty):
        idle.get(0.05)
    threading.Timer(0.05, idle.put_warm, args=("late",)).start()
    assert idle.get(5.0) == "late"


def test_a_reserved_worker_goes_only_to_a_quick_query_and_only_when_no_other_is_idle() -> None:
    """Slow queries never get the worker kept for quick ones; quick ones use it only when they must."""
    idle: IdleWorkers[str] = IdleWorkers()
    idle.put_fresh("kept", reserved=True)
    with pytest.raises(queue.Empty):
        idle.get(0.05)
    idle.put_warm("general")
    assert idle.get(0.1, quick=True) == "general"
    assert idle.get(0.1, quick=True) == "kept"
    assert (len(idle), idle.reserved) == (0, 0)


def test_a_waiting_quick_query_is_woken_by_the_reserved_worker_coming_back() -> None:
    """Waiters differ in what they may take, so a returned worker must wake the one that can use it."""
    idle: IdleWorkers[str] = IdleWorkers()
    slow_got: list[str] = []
    slow = threading.Thread(target=lambda: slow_got.append(idle.get(5.0)))
    slow.start()
    time.sleep(0.05)
    threading.Timer(0.05, idle.put_warm, args=("kept",), kwargs={"reserved": True}).start()
    assert idle.get(5.0, quick=True) == "kept"
    idle.put_warm("general")
    slow.join()
    assert slow_got == ["general"]


def test_drain_takes_every_idle_worker_once() -> None:
    """Shutting down closes each idle worker exactly once."""
    idle: IdleWorkers[int] = IdleWorkers()
    for n in range(3):
        idle.put_fresh(n)
    idle.put_fresh(3, reserved=True)
    assert sorted(idle.drain()) == [0, 1, 2, 3]
    assert idle.drain() == []


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_queries_one_after_another_run_on_one_worker(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """Sequential queries stay on one warm worker; the other workers do no work at all."""
    srv: Server = start_server("--release", release_dir, "--workers", "3")
    try:
        srv.wait_for_idle_workers(3, 3)
        before = {pid: _cpu_seconds(pid) for pid in srv.descendants()}
        for n in range(10):
            reply = srv.get(f"{SCAN} # scan {n}")
            assert reply.status == 200, reply.text
        time.sleep(0.05)
        gained = sorted(_cpu_seconds(pid) - cpu for pid, cpu in before.items() if Path(f"/proc/{pid}").exists())
        assert gained[-1] >= 0.2, gained  # ten scans of 79 cubed rows on one worker
        assert gained[-2] < gained[-1] / 4, gained  # no other process (worker, zygote) shared that work
    finally:
        srv.stop()


def test_the_front_learns_which_query_shapes_are_slow_from_the_workers(start_server, release_dir) -> None:  # type: ignore[no-untyped-def]
    """A shape whose engine time passed --slow-query-ms runs as slow next time, even with other IRIs."""
    srv: Server = start_server("--release", release_dir, "--workers", "2", "--slow-query-ms", "5")
    try:
        lookup = "SELECT ?t WHERE { <http://example.org/nothing> a ?t } # 1"
        for query in (SCAN + " # 1", lookup):
            assert srv.get(query).status == 200
        assert srv.health()["slow_queries"] == 0
        assert srv.get(SCAN.replace("?c", "?c FILTER(?c != <http://x/>)") + " # 2").status == 200
        assert srv.get(lookup.replace("nothing", "other")).status == 200
        assert srv.health()["slow_queries"] == 0  # the filter makes the first a shape of its own
        assert srv.get(SCAN + " # 2").status == 200
        assert srv.health()["slow_queries"] == 1
        assert srv.get(lookup.replace("nothing", "other") + " # 3").status == 200
        assert srv.health()["slow_queries"] == 1
    finally:
        srv.stop()
