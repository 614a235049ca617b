"""Progress reporting and cancellation for long conversions run in a background thread."""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(done_chars, total_chars)``; returning ``False`` (not ``None``) cancels the work.
ProgressCallback = Callable[[int, int], "bool | None"]
#: ``cancel()`` returns True when the work should stop (``threading.Event().is_set`` fits).
CancelCheck = Callable[[], bool]

#: How often (in characters of input) progress is reported and cancellation checked.
PROGRESS_STEP = 4096


class IndexingCancelled(Exception):
    """Raised when a progress callback returned False or the cancel check returned True."""


class Reporter:
    """Calls ``progress`` about every :data:`PROGRESS_STEP` characters and checks ``cancel``.

    ``advance(done)`` raises :class:`IndexingCancelled` when the caller asked to stop;
    ``finish()`` reports ``(total, total)`` once at the end.
    """

    __slots__ = ("_cancel", "_next", "_progress", "_total")

    def __init__(self, total: int, progress: ProgressCallback | None, cancel: CancelCheck | None) -> None:
        self._total = total
        self._progress = progress
        self._cancel = cancel
        self._next = 0

    def advance(self, done: int) -> None:
        """Report ``done`` characters if a step has passed since the last report."""
        if done < self._next:
            return
        self._next = done + PROGRESS_STEP
        self._check(done)

    def finish(self) -> None:
        """Report completion (``total, total``); may still raise if cancelled at the very end."""
        self._check(self._total)

    def _check(self, done: int) -> None:
        if self._cancel is not None and self._cancel():
            raise IndexingCancelled(f"cancelled at {done} of {self._total} characters")
        if self._progress is not None and self._progress(done, self._total) is False:
            raise IndexingCancelled(f"cancelled at {done} of {self._total} characters")
