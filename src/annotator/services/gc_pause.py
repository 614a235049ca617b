"""Pausing Python's cyclic garbage collector around bulk work (an import, an agreement run).

Such work allocates hundreds of thousands of small, acyclic objects (parsed records, spans,
rows, tuples); the collector would walk them again and again (about a tenth of the time) and
could free nothing, since none of them form cycles. Reference counting still frees everything.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; resumed (if it was on) when the block ends,
    also on an exception or a cancel."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
