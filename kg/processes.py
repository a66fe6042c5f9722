"""Whether a process still runs, for the two places that find leftovers of processes that may have died.

The release switch (:mod:`kg.release.publish`) cleans staging folders whose builder is gone; ``/health``
(:mod:`server.health`) drops snapshots of workers gunicorn has replaced.
"""

from __future__ import annotations

import os

__all__ = ["alive"]


def alive(pid: int) -> bool:
    """True while ``pid`` exists; a process of another user (``EPERM``) counts as alive, never as gone."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
