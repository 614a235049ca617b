"""Background work of the window, after the readings: the tokens of the documents that have
readings but are not in the search index's postings yet (``annotator.services.japanese.positions``).

A batch at a time, like the readings: the GUI thread reads the next documents' readings rows
and texts, :data:`READ_DOCS` per turn of the event loop (an indexed range query, a cursor that
only moves forward); one ``QThread`` builds their postings, encodes them and computes the
entries of their token types (numpy, and pykakasi for the cuts of types not met before); the
GUI thread writes the batch in short steps (:func:`~annotator.services.japanese.positions.store_steps`,
one transaction each, at most :data:`STORE_MS` of writing per turn; the documents count for the
batch only with its last step). It works only while the window is quiet (the readings indexer's
pause after any activity) and never waits for another program's write lock. A query reads a
postings row per token type and batch: the batches are :data:`DOCS` documents
(``annotator search`` builds larger ones).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from annotator.services.japanese import corpus_search
from annotator.services.japanese import positions as postings
from annotator.store import Project, ProjectBusyError

__all__ = ["CHARS", "DOCS", "READ_DOCS", "STORE_MS", "PositionsIndexer"]

#: Documents (and at most this many characters) per batch.
DOCS = 256
CHARS = 1_000_000
#: Documents read per turn of the event loop.
READ_DOCS = 32
#: Writing done per turn of the event loop.
STORE_MS = 4
#: Pause between turns, and when another program holds the write lock.
YIELD_MS = 15
BUSY_RETRY_MS = 2000


class _BuildThread(QThread):
    """Builds one batch (no project, no widgets); emits ``built(batch)`` or ``failed(message)``."""

    built = Signal(object)
    failed = Signal(str)

    def __init__(self, items: list[tuple[int, Any, str, str]], may_run: threading.Event,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items = items
        self.stop = threading.Event()
        self._may_run = may_run

    def _wait(self) -> bool:
        """Waits while the window is busy; True once stopped."""
        while not self._may_run.wait(0.05):
            if self.stop.is_set():
                return True
        return self.stop.is_set()

    def run(self) -> None:
        try:
            if self._wait():
                return
            batch = postings.build_batch(self.items)
            if postings.prepare(batch, self._wait):
                self.built.emit(batch)
        except Exception as exc:  # noqa: BLE001 - reported in the window, never a crash
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class PositionsIndexer(QObject):
    """Adds the missing documents' tokens to the postings while the window is quiet.

    ``quiet_left_ms()`` says how long the window still wants to be left alone; ``may_run`` is
    clear while it is busy (the worker waits). Signals: ``stored(count)`` after each batch,
    ``finished()`` when none is left, ``failed(message)``."""

    stored = Signal(int)
    finished = Signal()
    failed = Signal(str)

    def __init__(self, project: Project, quiet_left_ms: Callable[[], int], may_run: threading.Event,
                 without_waiting: Callable[[], AbstractContextManager[None]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._quiet_left_ms = quiet_left_ms
        self._may_run = may_run
        self._without_waiting = without_waiting
        self._cursor = 0
        self._items: list[tuple[int, Any, str, str]] = []  # read for the next batch
        self._thread: _BuildThread | None = None
        self._pending: postings.Batch | None = None  # built, not stored yet
        self._steps: Iterator[Callable[[Any], int]] | None = None
        self._step_now: Callable[[Any], int] | None = None
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._step)
        self._store_timer = QTimer(self)
        self._store_timer.setSingleShot(True)
        self._store_timer.timeout.connect(self._store)

    def start(self) -> None:
        """Go through the documents that are missing (again from the first)."""
        if self._closed:
            return
        if corpus_search.positions_outdated(self.project):
            return  # built by another version: annotator search builds them again, at once
        self._cursor = 0
        if self._thread is None and not self._timer.isActive():
            self._timer.start(0)

    def busy(self) -> bool:
        return self._thread is not None or self._pending is not None or self._timer.isActive()

    def shutdown(self) -> None:
        """Stop; a batch being built or waiting to be stored is dropped (built again next time)."""
        self._closed = True
        self._timer.stop()
        self._store_timer.stop()
        self._pending, self._steps, self._step_now = None, None, None
        thread = self._thread
        if thread is not None:
            thread.stop.set()
            thread.wait()
            self._finish(thread)

    def _step(self) -> None:
        if self._closed or self._thread is not None or self._pending is not None:
            return
        wait = self._quiet_left_ms()
        if wait:
            self._timer.start(wait)
            return
        chars = sum(len(text) for _d, _r, text, _s in self._items)
        items = corpus_search.next_position_items(self.project, self._cursor, READ_DOCS,
                                                  max(CHARS - chars, 1))
        if items:
            self._cursor = items[-1][0]
            self._items += items
            chars += sum(len(text) for _d, _r, text, _s in items)
            if len(self._items) < DOCS and chars < CHARS:
                self._timer.start(0)  # read on in the next turn
                return
        if not self._items:
            self.finished.emit()
            return
        items, self._items = self._items, []
        thread = _BuildThread(items, self._may_run, self)
        thread.built.connect(self._built)
        thread.failed.connect(self._failed)
        self._thread = thread
        thread.start(QThread.Priority.LowPriority)

    def _finish(self, thread: _BuildThread) -> None:
        if self._thread is thread:
            self._thread = None
        thread.wait()
        thread.deleteLater()

    def _built(self, batch: postings.Batch) -> None:
        thread = self._thread
        if thread is None or self._closed:
            return
        self._finish(thread)
        self._pending = batch
        self._store()

    def _store(self) -> None:
        """Write the built batch a few steps per turn (one short transaction each)."""
        batch = self._pending
        if self._closed or batch is None:
            return
        wait = self._quiet_left_ms()
        if wait:  # the window is busy: store later
            self._store_timer.start(wait)
            return
        if self._steps is None:
            self._steps = postings.store_steps(batch)
        deadline = time.monotonic() + STORE_MS / 1000
        while time.monotonic() < deadline:
            if self._step_now is None:
                self._step_now = next(self._steps, None)
                if self._step_now is None:  # every step done
                    self._pending, self._steps = None, None
                    self._timer.start(YIELD_MS)
                    return
            try:
                with self._without_waiting(), self.project.atomic():
                    count = self._step_now(self.project.db.conn)
            except ProjectBusyError:  # another program is writing: the same step, later
                self._store_timer.start(BUSY_RETRY_MS)
                return
            except Exception as exc:  # noqa: BLE001 - a write failing must not stop the window
                self._pending, self._steps, self._step_now = None, None, None
                self.failed.emit(f"the search index could not be updated: {exc}")
                return
            self._step_now = None
            if count:
                self.stored.emit(count)
        self._store_timer.start(YIELD_MS)

    def _failed(self, message: str) -> None:
        thread = self._thread
        if thread is not None:
            self._finish(thread)
        self.failed.emit(message)
        self._timer.start(BUSY_RETRY_MS)
