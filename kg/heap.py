"""Keep Python's cyclic garbage collector off the graphs already in memory while a long step runs.

The collector runs a full pass whenever the objects that survived earlier passes have grown by a quarter,
and a full pass visits every object in memory. At 1M triples the build holds tens of millions of rdflib
objects, so each full pass costs about 10 s of CPU, and writing the release (millions of index entries and
JSON-LD nodes that live until the files are written) triggers several: writing 1M triples took 133 s of
CPU with them and 103-107 s without, time spent re-checking graphs that cannot become garbage while the
step runs. :func:`frozen_heap` moves every object that exists when the step starts out of the collector's
view (``gc.freeze``) and gives them back when it ends; whatever the step allocates is collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["frozen_heap"]


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the objects that exist now for the duration of the block; a freeze already in place is left alone."""
    if gc.get_freeze_count():
        # Someone else froze objects and will unfreeze them; unfreezing here would undo their freeze too.
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
