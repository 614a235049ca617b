"""Background indexing: reading indexes of the project's documents built off the GUI thread.

``ReadingIndexer`` keeps the loaded :class:`ReadingIndex` of each document and a queue of
documents to index (the current one first, then every other one). One ``QThread`` at a time
runs :func:`annotator.services.japanese.index_cache.load_or_build` on a text and, if there is
one, the cached blob; the project (SQLite, bound to the GUI thread) is only touched in the GUI
thread: the blob is read before the thread starts and a freshly built index is cached after it
finishes. The window never waits for pykakasi; cancelling stops the build within a few
thousand characters.

A long text is built across worker processes (:func:`annotator.services.japanese.parallel.build_index`):
the thread then mostly waits on their results, without holding the GIL the GUI thread needs.
The indexer's :class:`~annotator.services.japanese.parallel.IndexPool` starts its processes with
the first long text and stops them when the queue runs dry (each holds ~130 MB of pykakasi
dictionaries) and, waiting for them, in ``shutdown()``: no process outlives the window.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal

from annotator.services.japanese import IndexingCancelled, ReadingIndex
from annotator.services.japanese.index_cache import CACHE_VERSION, cached_blob, load_or_build
from annotator.services.japanese.parallel import IndexPool
from annotator.store import Project

__all__ = ["ReadingIndexer"]


@dataclass
class _Job:
    document_id: int
    name: str
    text: str
    blob: bytes | None
    pool: IndexPool | None = None


class _IndexThread(QThread):
    """Builds (or loads) one index. Emits, with the document id, ``progressed(id, done,
    total)`` while building and ``done(id, index, blob)`` (``blob``: the serialised index to cache, None when it was
    loaded from the cache), ``failed(id, message)`` or
    ``cancelled(id)`` at the end (from the worker thread: connect GUI-thread receivers)."""

    progressed = Signal(int, int, int)
    done = Signal(int, object, object)
    failed = Signal(int, str)
    cancelled = Signal(int)

    def __init__(self, job: _Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.stop = threading.Event()

    def run(self) -> None:  # runs in the worker thread: no project, no widgets
        doc_id = self.job.document_id

        def report(done: int, total: int) -> None:
            self.progressed.emit(doc_id, done, total)

        try:
            index, built = load_or_build(self.job.text, self.job.blob, progress=report,
                                         cancel=self.stop.is_set, pool=self.job.pool)
        except IndexingCancelled:
            self.cancelled.emit(doc_id)
        except Exception as exc:  # noqa: BLE001 - reported in the window, never a crash
            self.failed.emit(doc_id, f"{type(exc).__name__}: {exc}")
        else:  # serialising a long index takes a while: do it here, not in the GUI thread
            self.done.emit(doc_id, index, index.to_bytes() if built else None)


class ReadingIndexer(QObject):
    """The reading indexes of one project, built in the background.

    Signals:

    - ``indexReady(document_id)``: the index of a document is loaded (``index(document_id)``);
    - ``progress(document_id, done_chars, total_chars)``: building a document's index;
    - ``stateChanged(text)``: a one-line state for the status bar ('' when idle);
    - ``allReady()``: every document of the project has its index;
    - ``failed(document_id, message)``: a document could not be indexed (skipped).

    Expects to live in the GUI thread with ``project``; call ``shutdown()`` before the project
    is closed (it cancels and waits for the worker and its processes). ``pool`` builds long
    texts across processes (default: a new :class:`IndexPool`; pass ``IndexPool(workers=1)``
    to build in the worker thread only).
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
        self._indexes: dict[int, ReadingIndex] = {}
        self._queue: list[int] = []
        self._thread: _IndexThread | None = None
        self._failed: set[int] = set()
        self._closed = False

    # -- what is known ----------------------------------------------------------------------------

    def index(self, document_id: int) -> ReadingIndex | None:
        """The loaded index of a document, or None (not indexed yet)."""
        return self._indexes.get(document_id)

    def indexes(self) -> dict[int, ReadingIndex]:
        """Document id -> index, for every document indexed so far."""
        return dict(self._indexes)

    def missing(self) -> list[int]:
        """Ids of the project's documents without an index yet (failed ones excluded)."""
        return [d.id for d in self.project.documents() if d.id not in self._indexes and d.id not in self._failed]

    def busy(self) -> bool:
        """True while a worker thread runs."""
        return self._thread is not None

    # -- asking for work --------------------------------------------------------------------------

    def request(self, document_id: int) -> None:
        """Index ``document_id`` next (before anything queued)."""
        if self._closed or document_id in self._indexes:
            return
        running = self._thread.job.document_id if self._thread is not None else None
        if document_id == running:
            return
        if document_id in self._queue:
            self._queue.remove(document_id)
        self._queue.insert(0, document_id)
        self._start_next()

    def request_all(self) -> None:
        """Queue every document without an index (after anything requested first)."""
        running = self._thread.job.document_id if self._thread is not None else None
        for doc_id in self.missing():
            if doc_id not in self._queue and doc_id != running:
                self._queue.append(doc_id)
        self._start_next()

    def cancel(self) -> None:
        """Drop the queue and stop the running build (its document stays unindexed)."""
        self._queue.clear()
        if self._thread is not None:
            self._thread.stop.set()

    def shutdown(self) -> None:
        """Cancel and wait for the worker and the pool's processes; no work starts afterwards."""
        self._closed = True
        self.cancel()
        thread = self._thread
        if thread is not None:
            thread.wait()
            self._finish_thread(thread)
        self.pool.shutdown(wait=True)

    def forget(self, document_id: int) -> None:
        """Drop a document's index (e.g. it was removed)."""
        self._indexes.pop(document_id, None)

    # -- running ----------------------------------------------------------------------------------

    def _start_next(self) -> None:
        if self._thread is not None or self._closed:
            return
        while self._queue:
            doc_id = self._queue.pop(0)
            if doc_id in self._indexes:
                continue
            try:
                doc = self.project.document(doc_id)
                text = self.project.text(doc_id)
                blob = cached_blob(self.project, doc.sha256)
            except KeyError:
                continue
            thread = _IndexThread(_Job(doc_id, doc.name, text, blob, self.pool), self)
            # bound methods of this GUI-thread object: the calls are queued to the GUI thread
            thread.progressed.connect(self._progressed)
            thread.done.connect(self._done)
            thread.failed.connect(self._failed_job)
            thread.cancelled.connect(self._cancelled)
            self._thread = thread
            self.stateChanged.emit(f"Reading aids: indexing {doc.name}…")
            thread.start(QThread.Priority.LowPriority)
            return
        self.pool.shutdown(wait=False)  # idle: free the processes (they exit in the background)
        self.stateChanged.emit("")
        if not self.missing():
            self.allReady.emit()

    def _current(self, doc_id: int) -> _IndexThread | None:
        thread = self._thread
        return thread if thread is not None and thread.job.document_id == doc_id else None

    def _progressed(self, doc_id: int, done: int, total: int) -> None:
        if self._current(doc_id) is None:
            return
        self.progress.emit(doc_id, done, total)
        if self._thread is not None and total:
            self.stateChanged.emit(f"Reading aids: indexing {self._thread.job.name} {100 * done // total}%")

    def _finish_thread(self, thread: _IndexThread) -> None:
        if self._thread is thread:
            self._thread = None
        thread.wait()
        thread.deleteLater()

    def _done(self, doc_id: int, index: ReadingIndex, blob: bytes | None) -> None:
        thread = self._current(doc_id)
        if thread is None or self._closed:
            return
        self._finish_thread(thread)
        if blob is not None:
            try:
                self.project.store_reading(index.sha256, CACHE_VERSION, blob)
            except Exception as exc:  # noqa: BLE001 - a cache write failing must not stop indexing
                self.failed.emit(doc_id, f"the index could not be cached: {exc}")
        self._indexes[doc_id] = index
        self.indexReady.emit(doc_id)
        self._start_next()

    def _failed_job(self, doc_id: int, message: str) -> None:
        thread = self._current(doc_id)
        if thread is None:
            return
        self._finish_thread(thread)
        self._failed.add(doc_id)
        self.failed.emit(doc_id, message)
        self._start_next()

    def _cancelled(self, doc_id: int) -> None:
        thread = self._current(doc_id)
        if thread is None:
            return
        self._finish_thread(thread)
        self._start_next()
        if self._thread is None and not self._closed:
            self.stateChanged.emit("Reading aids: indexing cancelled")
