"""Background indexing: the documents' readings built off the GUI thread, stored in the project.

The readings of every document go into the project's search index
(``annotator.store.search_index``, see :mod:`annotator.services.japanese.corpus_search`), once
per document: whoever indexes a document first (this window, another one, ``annotator
search``) stores it and nobody builds it again. ``ReadingIndexer`` works through what is
missing in document-id order, a batch at a time, with the current document first:

- the GUI thread picks the next documents with one indexed range query (a cursor moves
  forward: no list of the project, no scan of what is done) and reads their texts;
- one ``QThread`` builds their readings (:func:`~annotator.services.japanese.corpus_search.build_rows`:
  from the legacy reading cache when it fits, else pykakasi; across the pool's worker
  processes when there is enough text, so the thread mostly waits without holding the GIL);
- the GUI thread stores the batch, a row per short transaction and at most :data:`STORE_MS`
  of writing per turn of the event loop, and adds the texts not in the text index yet a few
  at a time (:data:`TEXT_DOCS`, :data:`TEXT_CHARS` per turn);
- any activity holds the background work back for :data:`QUIET_MS`: a key or mouse press (seen
  by a filter on each window that has had the focus, not on the application: an application
  filter would be a call into Python for every event of every object, paints included), and
  every change the session announces (a switch, an edit, an undo, also when made by code:
  :meth:`ReadingIndexer.note_activity`). Meanwhile nothing is stored and the worker thread of a
  background batch waits at its next check (it does not compete for the interpreter's lock),
  so indexing never runs while a switch or an edit is being handled. A document the window
  asks for (:meth:`ReadingIndexer.request`, the one shown) waits only :data:`ASKED_QUIET_MS`;
- a background write never waits for another program's write lock (a long import): it gives up
  at once and tries again :data:`BUSY_RETRY_MS` later, so the window never holds the user's
  input for the indexer's sake.

Loaded indexes are kept for the few documents last asked for (:data:`KEEP`); the others are
read back from the project when needed (tens of microseconds). The project (SQLite, bound to
the GUI thread) is only touched in the GUI thread. The indexer's
:class:`~annotator.services.japanese.parallel.IndexPool` starts its processes with the first
long batch and stops them when the work runs out and in ``shutdown()``: no process outlives
the window.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, QThread, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication

from annotator.services.japanese import IndexingCancelled, ReadingIndex
from annotator.services.japanese import corpus_search
from annotator.services.japanese.index_cache import CACHE_VERSION
from annotator.services.japanese.parallel import IndexPool, build_index
from annotator.services.japanese.search_records import row_from_index
from annotator.ui.reading.positions_indexer import PositionsIndexer
from annotator.services.wording import counted
from annotator.store import Project, ProjectBusyError

__all__ = ["ASKED_QUIET_MS", "BATCH_CHARS", "BATCH_DOCS", "KEEP", "QUIET_MS", "STORE_MS", "TEXT_CHARS", "TEXT_DOCS",
           "YIELD_MS", "ReadingIndexer", "without_waiting"]

#: A background batch: at most this many documents...
BATCH_DOCS = 32
#: ...and about this many characters (a single longer document is a batch of its own).
BATCH_CHARS = 120_000
#: Pause between batches, so that the event loop always gets its turn.
YIELD_MS = 15
#: Pause after any activity: a key or mouse press, a switch, an edit (also by code).
QUIET_MS = 400
#: The same for the document the window asks for (the one shown): a shorter pause.
ASKED_QUIET_MS = 120
#: Writing done per turn of the event loop while a batch is stored.
STORE_MS = 4
#: Texts added to the text index per turn of the event loop (documents, characters).
TEXT_DOCS = 4
TEXT_CHARS = 12_000
#: How many loaded indexes are kept.
KEEP = 16
#: When another program holds the project's write lock (a long import), background writes do
#: not wait for it (the window would hold the user's input meanwhile): they try again this
#: much later.
BUSY_RETRY_MS = 2000


@contextlib.contextmanager
def without_waiting(project: Project) -> Iterator[None]:
    """A write that gives up at once (:class:`ProjectBusyError`) when another program holds
    the write lock, instead of waiting for it with the window's wait handler."""
    timeout, handler = project.lock_timeout, project.wait_handler
    project.lock_timeout, project.wait_handler = 0.0, None
    try:
        yield
    finally:
        project.lock_timeout, project.wait_handler = timeout, handler

_INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                 QEvent.Type.Wheel, QEvent.Type.ShortcutOverride}


@dataclass
class _Job:
    items: list[tuple[int, str, bytes | None]]
    names: dict[int, str]
    single: bool  # one document asked for by the window (character progress, index kept)
    pool: IndexPool | None = None
    failed: dict[int, str] = field(default_factory=dict)


class _IndexThread(QThread):
    """Builds the readings rows of one batch. Emits ``progressed(id, done, total)`` while
    building a single document, then ``done(rows, index)`` (``index``: the single document's
    :class:`ReadingIndex`, else None), ``failed(message)`` or ``cancelled()`` (from the worker
    thread: connect GUI-thread receivers)."""

    progressed = Signal(int, int, int)
    done = Signal(object, object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: _Job, may_run: threading.Event, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.stop = threading.Event()
        self._may_run = may_run

    def _check(self) -> bool:
        """The cancel check: waits while the window is busy (so the build does not compete
        with it for the interpreter's lock), True once stopped."""
        while not self._may_run.wait(0.05):
            if self.stop.is_set():
                return True
        return self.stop.is_set()

    def run(self) -> None:  # runs in the worker thread: no project, no widgets
        job = self.job
        try:
            if job.single:
                doc_id, text, blob = job.items[0]
                index = self._single(doc_id, text, blob)
                self.done.emit([row_from_index(doc_id, index)], index)
                return
            try:
                rows = corpus_search.build_rows(job.items, pool=job.pool, cancel=self._check)
            except IndexingCancelled:
                raise
            except Exception:  # noqa: BLE001 - find the documents that fail, keep the others
                rows = []
                for item in job.items:
                    try:
                        rows += corpus_search.build_rows([item], cancel=self._check)
                    except IndexingCancelled:
                        raise
                    except Exception as exc:  # noqa: BLE001
                        job.failed[item[0]] = f"{type(exc).__name__}: {exc}"
            self.done.emit(rows, None)
        except IndexingCancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - reported in the window, never a crash
            self.failed.emit(f"{type(exc).__name__}: {exc}")

    def _single(self, doc_id: int, text: str, blob: bytes | None) -> ReadingIndex:
        if blob is not None:
            try:
                return ReadingIndex.from_bytes(blob, text)
            except ValueError:
                pass

        def report(done: int, total: int) -> None:
            self.progressed.emit(doc_id, done, total)

        return build_index(text, progress=report, cancel=self._check, pool=self.job.pool)


class ReadingIndexer(QObject):
    """The readings of one project's documents, built in the background and stored in it.

    Signals:

    - ``indexReady(document_id)``: a document's readings are stored (``index(document_id)``);
    - ``progress(document_id, done, total)``: characters of a document asked for with
      :meth:`request`, or (``document_id`` 0) documents of the whole project;
    - ``stateChanged(text)``: a one-line state for the status bar ('' when idle);
    - ``allReady()``: every document of the project has its readings;
    - ``failed(document_id, message)``: a document could not be indexed (skipped).

    Expects to live in the GUI thread with ``project``; call ``shutdown()`` before the project
    is closed (it cancels and waits for the worker and its processes). ``pool`` builds long
    texts and large batches across processes (default: a new :class:`IndexPool`; pass
    ``IndexPool(workers=1)`` to build in the worker thread only).
    """

    indexReady = Signal(int)  # noqa: N815
    progress = Signal(int, int, int)
    stateChanged = Signal(str)  # noqa: N815
    allReady = Signal()  # noqa: N815
    failed = Signal(int, str)

    def __init__(self, project: Project, parent: QObject | None = None, pool: IndexPool | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.pool = pool if pool is not None else IndexPool()
        self._kept: OrderedDict[int, ReadingIndex] = OrderedDict()
        self._priority: list[int] = []
        self._all = False
        self._cursor = 0  # every document up to this id has readings (or failed)
        self._total_todo = 0
        self._done_count = 0
        self._thread: _IndexThread | None = None
        self._failed: set[int] = set()
        self._closed = False
        self._quiet_until = 0.0
        self._may_run = threading.Event()  # clear while the window is busy (see note_activity)
        self._may_run.set()
        self._may_run_asked = threading.Event()  # the same, for the document asked for
        self._may_run_asked.set()
        self._asked_at = 0.0
        self._resume = QTimer(self)
        self._resume.setSingleShot(True)
        self._resume.timeout.connect(self._resume_work)
        self._complete_through = 0  # a full pass found every document up to this id indexed
        self._counted = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start_next)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.timeout.connect(self._index_some_texts)
        self._storing: tuple[_Job, list[tuple[Any, ...]], ReadingIndex | None] | None = None
        self._store_timer = QTimer(self)
        self._store_timer.setSingleShot(True)
        self._store_timer.timeout.connect(self._store_some)
        #: The documents' tokens go into the search index's postings once their readings are in.
        self.positions = PositionsIndexer(project, self._quiet_left_ms, self._may_run,
                                          lambda: without_waiting(project), self)
        app = QApplication.instance()
        self._watching = app is not None
        if app is not None:
            for window in QGuiApplication.topLevelWindows():
                window.installEventFilter(self)
            app.focusWindowChanged.connect(self._watch_window)

    def _watch_window(self, window: QWindow | None) -> None:
        if window is not None and not self._closed:
            window.installEventFilter(self)  # once: installing again only moves it first

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in _INPUT_EVENTS:
            self.note_activity()
        return False

    def note_activity(self, *_args: object) -> None:
        """The window is busy (input, a switch, an edit, also made by code): background work
        waits :data:`QUIET_MS` from now (connect any signal to it)."""
        now = time.monotonic()
        self._quiet_until = now + QUIET_MS / 1000
        self._asked_at = now + ASKED_QUIET_MS / 1000
        self._may_run_asked.clear()
        if self._may_run.is_set() or not self._resume.isActive():
            self._may_run.clear()
            self._resume.start(ASKED_QUIET_MS)

    def _quiet_left_ms(self, asked: bool = False) -> int:
        until = self._asked_at if asked else self._quiet_until
        left = until - time.monotonic()
        return int(left * 1000) + 1 if left > 0 else 0

    def _resume_work(self) -> None:
        asked = self._quiet_left_ms(asked=True)
        if asked:
            self._resume.start(asked)
            return
        self._may_run_asked.set()
        left = self._quiet_left_ms()
        if left:
            self._resume.start(left)
            return
        self._may_run.set()

    # -- what is known ----------------------------------------------------------------------------

    def index(self, document_id: int) -> ReadingIndex | None:
        """The reading index of a document, or None (not indexed yet)."""
        index = self._kept.get(document_id)
        if index is not None:
            self._kept.move_to_end(document_id)
            return index
        if self._closed or self._running(document_id):
            return None  # (after the window closed, the project may be closed too)
        index = corpus_search.load_index(self.project, document_id)
        if index is not None:
            self._keep(document_id, index)
        return index

    def indexes(self) -> dict[int, ReadingIndex]:
        """Document id -> index, for the documents whose indexes are loaded (the last few used)."""
        return dict(self._kept)

    def indexed_count(self) -> int:
        """How many documents have their readings stored."""
        return corpus_search.readings_state(self.project)[0]

    def missing(self) -> list[int]:
        """Ids of the project's documents without readings yet (failed ones excluded)."""
        ids: list[int] = []
        after = 0
        while True:
            part = corpus_search.pending_documents(self.project, after, 1000)
            if not part:
                return ids
            ids += [d for d, _n in part if d not in self._failed]
            after = part[-1][0]

    def busy(self) -> bool:
        """True while a worker thread runs, its results are being stored, or more readings
        work is scheduled (also while it waits for the window to be idle)."""
        return self._thread is not None or self._storing is not None or self._timer.isActive()

    def texts_pending(self) -> bool:
        """True while some texts are not in the project's text index yet (the indexer adds them
        when the window is idle)."""
        return corpus_search.texts_pending(self.project)

    # -- asking for work --------------------------------------------------------------------------

    def request(self, document_id: int) -> None:
        """Index ``document_id`` next (before anything queued)."""
        if self._closed or document_id in self._kept or self._running(document_id):
            return
        if document_id in self._priority:
            self._priority.remove(document_id)
        self._priority.insert(0, document_id)
        self._schedule(0)

    def request_all(self) -> None:
        """Index every document without readings (after anything requested first), and the
        texts not in the text index. Cheap when called again (on every switch): nothing is
        counted here; a pass starts after the documents a finished one found indexed."""
        if self._closed:
            return
        if not self._all:
            self._all, self._cursor, self._counted = True, self._complete_through, False
            self._done_count = 0
        self._schedule(0)
        self._schedule_texts(0)

    def cancel(self) -> None:
        """Drop what is queued and stop the running build (its documents stay unindexed)."""
        scheduled = self._timer.isActive()
        self._priority.clear()
        self._all = False
        self._timer.stop()
        self._text_timer.stop()
        if self._thread is not None:
            self._thread.stop.set()
        elif scheduled and self._storing is None and not self._closed:
            self.pool.shutdown(wait=False)
            self.stateChanged.emit("Reading aids: indexing cancelled")

    def shutdown(self) -> None:
        """Cancel and wait for the worker and the pool's processes; no work starts afterwards."""
        self._closed = True
        self.cancel()
        self._may_run.set()  # a waiting worker sees it is stopped
        self._may_run_asked.set()
        app = QApplication.instance()
        if app is not None and self._watching:
            self._watching = False
            app.focusWindowChanged.disconnect(self._watch_window)
            for window in QGuiApplication.topLevelWindows():
                window.removeEventFilter(self)
        thread = self._thread
        if thread is not None:
            thread.wait()
            self._finish_thread(thread)
        self._store_timer.stop()
        self._store_some()  # what was built is kept
        self.positions.shutdown()
        self.pool.shutdown(wait=True)

    def forget(self, document_id: int) -> None:
        """Drop a document's loaded index (e.g. it was removed)."""
        self._kept.pop(document_id, None)

    # -- running ----------------------------------------------------------------------------------

    def _keep(self, document_id: int, index: ReadingIndex) -> None:
        self._kept[document_id] = index
        self._kept.move_to_end(document_id)
        while len(self._kept) > KEEP:
            self._kept.popitem(last=False)

    def _running(self, document_id: int) -> bool:
        thread = self._thread
        return thread is not None and any(d == document_id for d, _t, _b in thread.job.items)

    def _schedule(self, delay_ms: int) -> None:
        if self._thread is None and self._storing is None and not self._closed:
            self._timer.start(delay_ms)

    def _next_job(self, background: bool = True) -> _Job | None:
        while self._priority:
            doc_id = self._priority.pop(0)
            if doc_id in self._kept or doc_id in self._failed:
                continue
            index = corpus_search.load_index(self.project, doc_id)
            if index is not None:  # stored already (here or by another program)
                self._keep(doc_id, index)
                self.indexReady.emit(doc_id)
                continue
            try:
                doc = self.project.document(doc_id)
            except KeyError:
                continue
            text = self.project.text(doc_id)
            blob = self.project.cached_reading(doc.sha256, CACHE_VERSION)
            return _Job([(doc_id, text, blob)], {doc_id: doc.name}, True, self.pool)
        if not self._all or not background:
            return None
        if not self._counted:  # once per pass, for the progress
            indexed, total = corpus_search.readings_state(self.project)
            self._total_todo, self._counted = max(0, total - indexed), True
        while True:
            items = corpus_search.next_items(self.project, self._cursor, BATCH_DOCS, BATCH_CHARS)
            if not items:
                if not self._failed:
                    self._complete_through = max(self._complete_through, self._cursor,
                                                 self._last_id())
                return None
            fresh = [item for item in items if item[0] not in self._failed]
            if fresh:
                chars = sum(len(t) for _d, t, _b in fresh)
                pool = self.pool if (chars >= 30_000 or self.pool.started()) else None
                return _Job(fresh, {}, False, pool)
            self._cursor = items[-1][0]

    def _last_id(self) -> int:
        return self.project.db.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]

    def _start_next(self) -> None:
        if self._thread is not None or self._storing is not None or self._closed:
            return
        wait = self._quiet_left_ms()
        if wait and not self._priority:
            self._timer.start(wait)
            return
        asked_wait = self._quiet_left_ms(asked=True)
        if asked_wait:  # even the document shown waits for a short pause
            self._timer.start(asked_wait)
            return
        job = self._next_job(background=not wait)
        if job is None:
            if wait and self._all:  # asked-for documents done; the rest waits for quiet
                self._timer.start(wait)
                return
            self._idle()
            return
        thread = _IndexThread(job, self._may_run_asked if job.single else self._may_run, self)
        # bound methods of this GUI-thread object: the calls are queued to the GUI thread
        thread.progressed.connect(self._progressed)
        thread.done.connect(self._done)
        thread.failed.connect(self._failed_job)
        thread.cancelled.connect(self._cancelled)
        self._thread = thread
        if job.single:
            self.stateChanged.emit(f"Reading aids: indexing {job.names[job.items[0][0]]}…")
        else:
            self.stateChanged.emit(self._batch_state())
        thread.start(QThread.Priority.LowPriority)

    def _batch_state(self) -> str:
        total = max(self._total_todo, self._done_count)
        return f"Reading aids: indexing {self._done_count:,} of {counted(total, 'document')}…"

    def _progressed(self, doc_id: int, done: int, total: int) -> None:
        thread = self._thread
        if thread is None or not thread.job.single or thread.job.items[0][0] != doc_id:
            return
        self.progress.emit(doc_id, done, total)
        if total:
            self.stateChanged.emit(f"Reading aids: indexing {thread.job.names[doc_id]} {100 * done // total}%")

    def _finish_thread(self, thread: _IndexThread) -> None:
        if self._thread is thread:
            self._thread = None
        thread.wait()
        thread.deleteLater()

    def _done(self, rows: list[tuple[Any, ...]], index: ReadingIndex | None) -> None:
        thread = self._thread
        if thread is None or self._closed:
            return
        job = thread.job
        self._finish_thread(thread)
        self._storing = (job, list(rows), index)
        self._store_some()

    def _store_some(self) -> None:
        """Store the finished batch's rows, a few milliseconds of writing per turn of the event
        loop (one short transaction each), then go on with the next batch."""
        if self._storing is None:
            return
        job, rows, index = self._storing
        wait = 0 if self._closed or job.single else self._quiet_left_ms()
        if wait:  # the window is busy: store later
            self._store_timer.start(wait)
            return
        deadline = time.monotonic() + STORE_MS / 1000
        while rows and (self._closed or time.monotonic() < deadline):
            row = rows[0]
            if not self._store(job, [row]):  # one short transaction per document
                self._store_timer.start(BUSY_RETRY_MS)  # another program is writing
                return
            rows.pop(0)
            if not self._closed:
                self.indexReady.emit(row[0])
        if rows:
            self._store_timer.start(YIELD_MS if not self._closed else 0)
            return
        self._storing = None
        for doc_id, message in job.failed.items():
            self._failed.add(doc_id)
            self.failed.emit(doc_id, message)
        if job.single and index is not None:
            self._keep(job.items[0][0], index)
        else:
            self._cursor = max(self._cursor, job.items[-1][0])
            self._done_count += len(job.items)
            self.progress.emit(0, self._done_count, max(self._total_todo, self._done_count))
        if self._priority or self._all:
            self._schedule(YIELD_MS)
        else:
            self._idle()

    def _idle(self) -> None:
        self.pool.shutdown(wait=False)  # idle: free the processes (they exit in the background)
        self.stateChanged.emit("")
        self.positions.start()
        if self._all:
            self._all = False
            if not self._failed:
                self.allReady.emit()

    # -- the text index ---------------------------------------------------------------------------

    def _schedule_texts(self, delay_ms: int) -> None:
        if not self._closed and not self._text_timer.isActive():
            self._text_timer.start(delay_ms)

    def _index_some_texts(self) -> None:
        """Add a few texts to the text index (one short transaction), then come back after
        :data:`YIELD_MS` while some are left; held back while the window is busy."""
        if self._closed:
            return
        wait = self._quiet_left_ms()
        if wait:
            self._text_timer.start(wait)
            return
        if self._thread is not None or self._storing is not None or self._priority:
            self._text_timer.start(QUIET_MS)  # the readings the window asked for come first
            return
        if not corpus_search.texts_pending(self.project):
            return
        try:
            with without_waiting(self.project):
                added = corpus_search.index_some_texts(self.project, TEXT_DOCS, TEXT_CHARS)
        except ProjectBusyError:
            self._text_timer.start(BUSY_RETRY_MS)  # another program is writing
            return
        except Exception as exc:  # noqa: BLE001 - a write failing must not stop the window
            self.failed.emit(0, f"the text index could not be updated: {exc}")
            return
        if added:
            self._text_timer.start(YIELD_MS)

    def _store(self, job: _Job, rows: list[tuple[Any, ...]]) -> bool:
        """Store ``rows``; False when another program holds the write lock (try later; when
        the window closes, the rows are dropped: they are built again next time)."""
        try:
            with without_waiting(self.project):
                corpus_search.store_rows(self.project, rows)
        except ProjectBusyError:
            if self._closed:
                return True
            return False
        except Exception as exc:  # noqa: BLE001 - a write failing must not stop the window
            for row in rows:
                job.failed[row[0]] = f"the readings could not be stored: {exc}"
        return True

    def _failed_job(self, message: str) -> None:
        thread = self._thread
        if thread is None:
            return
        job = thread.job
        self._finish_thread(thread)
        for doc_id, _t, _b in job.items:
            self._failed.add(doc_id)
            self.failed.emit(doc_id, message)
        self._schedule(YIELD_MS)

    def _cancelled(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._finish_thread(thread)
        if self._closed:
            return
        if self._priority or self._all:  # asked for more since
            self._schedule(0)
        else:
            self.pool.shutdown(wait=False)
            self.stateChanged.emit("Reading aids: indexing cancelled")
