"""Defence in depth for the embedded engine: a worker leaves the network before it loads the store.

The guard refuses SERVICE, LOAD and remote FROM before a query reaches the engine. Should a query slip
past it anyway, the engine in a worker that sits in an empty network namespace cannot reach any host.
The worker keeps serving HTTP: the listening socket it inherited stays in the namespace it was made in.
Not done for a remote engine (``--engine``), which needs the network, nor where the kernel refuses.
"""

from __future__ import annotations

import contextlib
import ctypes

__all__ = ["leave_network"]

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def leave_network() -> bool:
    """Move this (single-threaded) process into an empty network namespace; ``False`` where not allowed."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))
    return False
