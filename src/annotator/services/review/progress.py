"""Progress and cancel for the corpus-wide review work (consistency checks, agreement).

A :data:`Progress` callback is called as ``progress(done, total, what)`` between documents;
returning ``False`` cancels the work, which then raises :class:`ReviewCancelled` (a check or an
agreement only reads, so nothing needs undoing).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], bool | None]
"""``progress(done, total, what)``; return False to cancel."""


class ReviewCancelled(Exception):
    """The user cancelled a check or an agreement; nothing was changed."""


class Ticker:
    """Calls ``progress`` at most every ``every`` units of work (and at the end), raising
    :class:`ReviewCancelled` when it returns False."""

    __slots__ = ("_next", "done", "every", "progress", "total")

    def __init__(self, progress: Progress | None, total: int, every: int = 200) -> None:
        self.progress = progress
        self.total = total
        self.every = max(1, every)
        self.done = 0
        self._next = 0

    def advance(self, count: int, what: str) -> None:
        self.done += count
        if self.progress is not None and (self.done >= self._next or self.done >= self.total):
            self._next = self.done + self.every
            if self.progress(min(self.done, self.total), self.total, what) is False:
                raise ReviewCancelled()
