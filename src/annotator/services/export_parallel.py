"""The native JSONL export of a large selection, its chunks built by worker processes.

Building a record costs far more than writing it: at 100,000 documents (3.4 million spans)
reading the rows out of SQLite is about 2.6 µs per span and building the span objects about
1.2 µs, against 0.7 µs for orjson to write them. Python runs that on one core; with two cores
the chunks of documents (:data:`~annotator.services.exporting.CHUNK_DOCUMENTS` each) are
shared between this process and :data:`WORKERS` worker process(es), each with its own
connection to the project (one per process: no second descriptor in this one), and this
process writes all the lines in document order.

The output is the one-process export's, byte for byte: each worker builds a chunk's lines with
the same code (:func:`~annotator.services.export_native.chunk_lines`), each chunk in one read
transaction as before, so a chunk's documents, spans and relations agree. At most
:data:`AHEAD` chunks per worker are under way and :data:`HELD` results wait to be written:
memory holds a few chunks, never the project. Which process builds a chunk is decided as the
export goes (:func:`run_chunks`): this one builds whenever the next result is not ready.
A record that fails its check refuses the export as before, with the same message; a cancel
(``progress`` returning False) stops the workers.

Used for selections of at least :data:`MIN_DOCUMENTS` documents on a machine with two cores
or more, when the project is a file (``spawn``: a worker starts in about 0.3 s, which a small
export would not win back). ``ANNOTATOR_EXPORT_WORKERS=0`` turns it off.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from annotator.domain.errors import DataError

__all__ = ["AHEAD", "HELD", "MIN_DOCUMENTS", "WORKERS", "ChunkResult", "chunks_of", "run_chunks",
           "workers_for"]

#: Worker processes at most, beside this process, which builds its share of the chunks too
#: and writes them all (with two cores, two workers and this process were slower than one:
#: every line they build crosses a pipe, 8 s of system time at 100,000 documents).
WORKERS = 1
#: Chunks under way per worker.
AHEAD = 2
#: Results built and not written yet, at most (memory: a few chunks).
HELD = 8
#: Selections smaller than this are exported in this process.
MIN_DOCUMENTS = 4_000

#: ``(lines, documents written, spans, relations, relations left out, documents read, last
#: document's name)`` (:func:`~annotator.services.export_native.chunk_lines`), or
#: ``(message,)`` when a record failed its check.
ChunkResult = tuple[Any, ...]

_project: Any = None


def workers_for(documents: int) -> int:
    """How many worker processes an export of ``documents`` documents uses (0: none)."""
    wanted = os.environ.get("ANNOTATOR_EXPORT_WORKERS")
    limit = WORKERS if wanted is None else int(wanted) if wanted.isdigit() else 0
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    if documents < MIN_DOCUMENTS or cores < 2 or limit < 1:
        return 0
    return min(limit, cores - 1)


def chunks_of(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    """``ids`` cut into lists of ``size``."""
    chunk: list[int] = []
    for doc_id in ids:
        chunk.append(doc_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _start(path: str) -> None:  # in each worker, once
    global _project
    from annotator.store import Project

    _project = Project.open(path, create=False)


def _build(ids: Sequence[int], annotators: list[str] | None, labels: list[str] | None,
           skip_empty: bool) -> ChunkResult:  # in a worker
    from annotator.services.export_native import chunk_lines

    try:
        return chunk_lines(_project, ids, annotators, labels, skip_empty)
    except DataError as exc:
        return (str(exc),)


def run_chunks(path: str, chunks: Iterator[list[int]], workers: int,
               annotators: list[str] | None, labels: list[str] | None, skip_empty: bool,
               local: Callable[[list[int]], ChunkResult]) -> Iterator[ChunkResult]:
    """The results of building ``chunks`` (lists of document ids), in their order. The
    ``workers`` processes always have :data:`AHEAD` chunks each under way; whenever the next
    result due is still being built there, this process builds the next chunk itself with
    ``local(ids)`` instead of waiting (so it does most of the work while a worker starts, and
    its share after that), holding at most :data:`HELD` results. A failed record raises
    :class:`DataError` with its message; closing the iterator early (a cancel, an error)
    stops the workers."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start, initargs=(path,))
    pending: deque[Future[ChunkResult] | ChunkResult] = deque()
    away = 0  # futures in ``pending``
    try:
        while True:
            while away < workers * AHEAD:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                pending.append(pool.submit(_build, chunk, annotators, labels, skip_empty))
                away += 1
            if not pending:
                return
            head = pending[0]
            if isinstance(head, Future) and not head.done() and len(pending) < HELD:
                chunk = next(chunks, None)
                if chunk is not None:
                    pending.append(_here(local, chunk))
                    continue
            item = pending.popleft()
            if isinstance(item, Future):
                away -= 1
                item = item.result()
            yield _result(item)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _here(local: Callable[[list[int]], ChunkResult], chunk: list[int]) -> ChunkResult:
    """``local(chunk)``, a failed record kept as its message: it is raised when its turn
    comes, after the chunks before it (the first failing document is named, as alone)."""
    try:
        return local(chunk)
    except DataError as exc:
        return (str(exc),)


def _result(result: ChunkResult) -> ChunkResult:
    if len(result) == 1:
        raise DataError(result[0])
    return result
