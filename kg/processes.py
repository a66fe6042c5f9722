"""Whether a process still runs, for the two places that find leftovers of processes that may have died.

The release switch (:mod:`kg.release.publish`) cleans staging folders whose builder is gone; ``/health``
(:mod:`server.health`) drops snapshots of workers gunicorn has replaced.
"""

from __future__ import annotations

import os

__all__ = ["alive"]


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a process of another user (``EPERM``) counts as alive, never as gone.

    A zombie (exited, not yet reaped by its parent) is gone: ``kill(pid, 0)`` still succeeds on it, so a
    worker that crashed a moment ago would otherwise stay listed in ``/health`` until gunicorn reaps it.
    """
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and waits to be reaped (``Z`` in /proc; False where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return False
    # The state follows the command name, which is in parentheses and may itself hold ")".
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] == b"Z"
