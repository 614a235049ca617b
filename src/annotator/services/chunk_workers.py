"""Whole-corpus work shared between this process and a worker process, a chunk at a time.

Python runs a long read of the project on one core. With two cores, chunks of documents are
shared between this process and :data:`WORKERS` worker process(es), each with its own
connection to the project (one per process: no second descriptor in this one, which would drop
SQLite's locks when closed), and this process takes the results in chunk order, so the outcome
is the one-process outcome. Which process does a chunk is decided as the work goes
(:func:`run_chunks`): this one does the next chunk whenever the next result due is not ready.
At most :data:`AHEAD` chunks per worker are under way and :data:`HELD` results wait: memory
holds a few chunks, never the project.

A worker is started with ``spawn`` (about 0.3 s, which a small selection does not win back),
so callers use it only from a size on (:func:`workers_for`); an environment variable per use
turns it off (``=0``). Used by the native export (:mod:`.export_parallel`) and by the
agreement of two annotators (:mod:`.review.agree_workers`).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["AHEAD", "HELD", "WORKERS", "chunks_of", "cores", "run_chunks", "workers_for"]

#: Worker processes at most, beside this process, which does its share of the chunks too and
#: takes every result (with two cores, two workers and this process were slower than one:
#: every result crosses a pipe).
WORKERS = 1
#: Chunks under way per worker.
AHEAD = 2
#: Results done and not taken yet, at most (memory: a few chunks).
HELD = 8

#: In a worker: ``(path, project)`` of the project it opened (one connection per process).
_opened: tuple[str, Any] | None = None


def workers_for(documents: int, minimum: int, variable: str) -> int:
    """How many worker processes work over ``documents`` documents uses: none below
    ``minimum`` documents, on one core, or when the environment variable ``variable`` is 0
    (or not a number); else at most :data:`WORKERS` (or ``variable``), one core left for
    this process."""
    wanted = os.environ.get(variable)
    limit = WORKERS if wanted is None else int(wanted) if wanted.isdigit() else 0
    available = cores()
    if documents < minimum or available < 2 or limit < 1:
        return 0
    return min(limit, available - 1)


def cores() -> int:
    """The cores this process may run on."""
    return (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1)


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
    global _opened
    from annotator.store import Project

    _opened = (path, Project.open(path, create=False))


def _call(work: Callable[..., Any], ids: Sequence[int], args: tuple[Any, ...]) -> Any:  # in a worker
    assert _opened is not None
    return work(_opened[1], ids, *args)


class _Failed:
    """An exception raised by this process's share, raised again when its chunk's turn
    comes (after the results of the chunks before it: the first failing document is named,
    as alone)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def run_chunks(path: str, chunks: Iterator[list[int]], workers: int,
               work: Callable[..., Any], args: tuple[Any, ...],
               local: Callable[[list[int]], Any]) -> Iterator[Any]:
    """The results of ``chunks`` (lists of document ids), in their order: ``work(project,
    ids, *args)`` in a worker (``work`` a module-level function, ``project`` the worker's
    own :class:`~annotator.store.Project` of ``path``), or ``local(ids)`` here. The
    ``workers`` processes always have :data:`AHEAD` chunks each under way; whenever the next
    result due is still being done there, this process does the next chunk itself instead of
    waiting (so it does most of the work while a worker starts, and its share after that),
    holding at most :data:`HELD` results. An exception of either is raised in its chunk's
    turn; closing the iterator early (a cancel, an error) stops the workers."""
    import multiprocessing  # here: work too small for a worker does not load them
    from concurrent.futures import Future, ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start, initargs=(path,))
    pending: deque[Future[Any] | Any] = deque()
    away = 0  # futures in ``pending``
    try:
        while True:
            while away < workers * AHEAD:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                pending.append(pool.submit(_call, work, chunk, args))
                away += 1
            if not pending:
                return
            head = pending[0]
            if isinstance(head, Future) and not head.done() and len(pending) < HELD:
                chunk = next(chunks, None)
                if chunk is not None:
                    try:
                        pending.append(local(chunk))
                    except Exception as exc:  # raised in its turn
                        pending.append(_Failed(exc))
                    continue
            item = pending.popleft()
            if isinstance(item, Future):
                away -= 1
                item = item.result()
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
