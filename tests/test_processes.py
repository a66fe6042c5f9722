"""Whether a process runs: what ``/health`` and the release switch use to drop leftovers of dead ones."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from kg.processes import alive


def test_an_exited_process_not_yet_reaped_is_gone() -> None:
    """A child that exited is gone even before its parent reaps it (a zombie still answers ``kill 0``).

    Otherwise a worker that crashed stays listed in ``/health`` until gunicorn gets round to reaping it.
    """
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 60
    while os.path.exists(f"/proc/{child.pid}") and _state(child.pid) != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _state(child.pid) == "Z", "the child should be waiting to be reaped"
    assert not alive(child.pid)
    child.wait()
    assert not alive(child.pid)


def test_a_running_process_is_alive() -> None:
    """A process that runs, this one included, is alive."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert alive(child.pid)
        assert alive(os.getpid())
    finally:
        child.kill()
        child.wait()


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", "rb") as handle:
        stat = handle.read()
    return stat[stat.rfind(b")") + 2 :].split()[0].decode()
