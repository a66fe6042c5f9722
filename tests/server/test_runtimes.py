"""The front's memory of how long each query shape ran: what counts as slow, and what is forgotten."""

from __future__ import annotations

from server.runtimes import RunTimes


def test_a_shape_never_seen_is_quick_and_one_that_ran_long_is_slow() -> None:
    """Only a shape seen to run past the threshold is kept off the last worker; a new one is not."""
    times = RunTimes(slow_after=0.1)
    assert not times.is_slow(b"new")
    times.record(b"scan", 0.5)
    times.record(b"lookup", 0.002)
    assert times.is_slow(b"scan")
    assert not times.is_slow(b"lookup")


def test_a_shape_that_turns_quick_is_reclassified_within_a_few_runs() -> None:
    """Each run moves the estimate half-way, so a changed query (or data) does not stay misjudged."""
    times = RunTimes(slow_after=0.1)
    times.record(b"q", 0.3)
    times.record(b"q", 0.01)
    assert times.is_slow(b"q")  # (0.3 + 0.01) / 2 = 0.155
    times.record(b"q", 0.01)
    assert not times.is_slow(b"q")  # 0.0825


def test_zero_switches_the_slow_lane_off() -> None:
    """With ``--slow-query-ms 0`` no query is ever treated as slow."""
    times = RunTimes(slow_after=0)
    times.record(b"scan", 60.0)
    assert not times.is_slow(b"scan")


def test_memory_is_bounded_and_the_least_recently_run_shape_goes_first() -> None:
    """A client sending endless distinct queries cannot grow the front's memory."""
    times = RunTimes(slow_after=0.1, capacity=2)
    times.record(b"a", 1.0)
    times.record(b"b", 1.0)
    times.record(b"a", 1.0)  # a is now the most recent
    times.record(b"c", 1.0)
    assert len(times) == 2
    assert times.is_slow(b"a") and times.is_slow(b"c")
    assert not times.is_slow(b"b")
