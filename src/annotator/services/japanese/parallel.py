"""Reading indexes of long texts built across worker processes, identical to a one-process build.

pykakasi is pure Python, so a thread cannot build an index faster, and while it works it holds
the GIL that a window's GUI thread needs. :func:`build_index` therefore cuts a long text into
chunks, tokenises the chunks in a :class:`concurrent.futures.ProcessPoolExecutor` (``spawn``
context: safe next to Qt threads and the same on every OS; workers import only this Qt-free
package and create their pykakasi converter once, when they start), shifts each chunk's token
offsets by the chunk's start, concatenates, and joins the search keys as
:meth:`.ReadingIndex.build` does. The calling thread mostly waits on futures (without the GIL).

Why the result is identical to :meth:`.ReadingIndex.build`: the parent cuts the whole text into
runs once (:func:`.runs.split_runs`, a regex pass: ~20 ms per 350,000 characters) and every
chunk is a whole number of consecutive runs, handed to its worker with the chunk's runs. Each
run is tokenised on its own, from its own characters only (:func:`.tokens.iter_token_tuples`),
so a chunk's tokens are exactly those runs' tokens in the whole text. Chunks end at line breaks
(after a whitespace run that contains ``"\\n"``); a line longer than :data:`MAX_CHUNK` characters
is cut at run boundaries inside it (after 。, before a kanji, around spaces and emoji...), which is
exact for the same reason. Search keys are joined across chunk boundaries after concatenation
(:meth:`.ReadingIndex.from_columns`), because a key loses letters that the previous key ends with.

Short texts are built in the calling process (spawning a worker costs ~0.3–1 s; see
:data:`PARALLEL_MIN_CHARS`), and so is everything when worker processes cannot be started
(:class:`IndexPool` then stays broken and every build falls back).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from array import array
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from annotator.services.japanese._kakasi import convert_raw
from annotator.services.japanese.progress import CancelCheck, IndexingCancelled, ProgressCallback, Reporter
from annotator.services.japanese.reading_index import Columns, ReadingIndex, token_columns
from annotator.services.japanese.runs import split_runs
from annotator.services.japanese.run_memo import iter_token_tuples

__all__ = ["MAX_CHUNK", "MIN_CHUNK", "PARALLEL_MIN_CHARS", "WARM_MIN_CHARS", "IndexPool", "build_index", "plan_chunks"]

#: Texts shorter than this are indexed in the calling process while the pool's processes are
#: not running yet. Starting them costs ~0.7 s here (spawn, imports, pykakasi's dictionaries);
#: at ~50,000 characters/s alone against ~90,000 with two workers, a text must have ~70,000
#: characters to win that back (measured with ``benchmarks/bench_readings.py``).
PARALLEL_MIN_CHARS = 60_000
#: Once the processes run, only dispatching costs (a few ms per chunk): two workers already
#: win on ~20,000 characters (0.35 s alone against 0.23 s), and the caller's thread is free.
WARM_MIN_CHARS = 16_000
#: Chunks are at least this long (unless the text ends)...
MIN_CHUNK = 4_000
#: ...and at most this long (~0.3 s of work: what cancelling or closing may still wait for).
MAX_CHUNK = 16_000
#: How long the waiting thread sleeps between checks of ``cancel()``.
POLL_SECONDS = 0.05

Chunk = tuple[int, int, int, int]  # (start, end, first run, end run) of a chunk of the text


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def plan_chunks(text: str, runs: list[tuple[int, int, str]], target: int) -> list[Chunk]:
    """Cut ``text`` (whose runs are ``runs``) into chunks of whole runs.

    A chunk ends after a whitespace run with a line break once it has ``target`` characters,
    or after any run once it has ``2 * target`` (a very long line). Returns
    ``(start, end, first_run, end_run)`` tuples that tile the text and its runs, in order.
    """
    chunks: list[Chunk] = []
    start = first = 0
    for i, (s, e, kind) in enumerate(runs):
        size = e - start
        if size >= target and (size >= 2 * target or (kind == "space" and "\n" in text[s:e])):
            chunks.append((start, e, first, i + 1))
            start, first = e, i + 1
    if first < len(runs):
        chunks.append((start, len(text), first, len(runs)))
    return chunks


def chunk_target(length: int, workers: int) -> int:
    """Chunk size for a text: about eight chunks per worker, within MIN_CHUNK..MAX_CHUNK / 2
    (a chunk ends at the first line break after the target, or at twice the target)."""
    return max(MIN_CHUNK, min(MAX_CHUNK // 2, length // (8 * max(1, workers))))


# -- in the worker process ----------------------------------------------------------------------


def _start_worker() -> None:
    """Load pykakasi's dictionaries once per worker process (~0.5 s), before the first chunk
    (out of the garbage collector's sight, see :func:`._kakasi._new_converter`: the collections
    it runs while a worker builds and the last one when it exits no longer walk ~130 MB of
    dictionary objects; a worker exits in ~15 ms instead of ~200 ms). A worker runs at a lower
    priority (nice 10): on a machine with few cores the window (or whatever asked) keeps the
    processor first, and an idle machine gives the workers all of it anyway."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    convert_raw("日本語")


def _chunk_columns(chunk: str, runs: list[tuple[int, int, str]]) -> Columns:
    """Index columns of one chunk, given its runs (offsets relative to the chunk)."""
    return token_columns(chunk, iter_token_tuples(chunk, runs=runs))


# -- in the calling process ---------------------------------------------------------------------


class IndexPool:
    """A lazily started pool of worker processes for :func:`build_index`.

    Thread-safe. Processes start with the first parallel build and live until
    :meth:`shutdown` (also on leaving a ``with`` block). If they cannot be started, or one dies,
    the pool is marked broken and builds run in the calling process.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else min(available_cpus(), 8)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._broken = self.workers < 2
        self._closing: list[threading.Thread] = []

    @property
    def usable(self) -> bool:
        """False when builds run in the calling process (one CPU, or processes failed)."""
        return not self._broken

    def started(self) -> bool:
        """True while an executor exists (its processes may be running)."""
        return self._executor is not None

    def executor(self) -> ProcessPoolExecutor | None:
        """The executor, created on first use; None when the pool is broken."""
        with self._lock:
            if self._executor is None and not self._broken:
                try:
                    self._executor = ProcessPoolExecutor(
                        self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
                    )
                except (OSError, ValueError, NotImplementedError, ImportError):
                    self._broken = True
            return self._executor

    def mark_broken(self) -> None:
        """Stop using processes (they could not start or one died) and shut the executor down."""
        with self._lock:
            self._broken = True
        self.shutdown()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel queued chunks and stop the processes; the pool starts new ones if it is used
        again (unless broken).

        ``wait=True`` returns when every process this pool started has exited (chunks already
        running finish first). ``wait=False`` returns at once and leaves the waiting to a
        helper thread; a later ``shutdown()`` waits for it too.
        """
        with self._lock:
            executor, self._executor = self._executor, None
            if executor is not None and not wait:
                helper = threading.Thread(
                    target=executor.shutdown, kwargs={"wait": True, "cancel_futures": True},
                    name="reading-index-pool-shutdown", daemon=True,
                )
                helper.start()
                self._closing = [t for t in self._closing if t.is_alive()] + [helper]
                return
            closing, self._closing = self._closing, []
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        for helper in closing:
            helper.join()

    def __enter__(self) -> IndexPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def build_index(
    text: str,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    pool: IndexPool | None = None,
    min_chars: int | None = None,
) -> ReadingIndex:
    """Build the :class:`.ReadingIndex` of ``text``, across ``pool``'s processes when the text
    has at least ``min_chars`` characters, else (or when the pool cannot be used) in this process.
    By default ``min_chars`` is :data:`WARM_MIN_CHARS` when the pool's processes have been
    started already, else :data:`PARALLEL_MIN_CHARS`.

    The result is identical to ``ReadingIndex.build(text)``. ``progress(done, total)`` is called
    as chunks complete (``done`` never decreases) and once at the end; returning False cancels,
    as does ``cancel()`` returning True (checked every :data:`POLL_SECONDS`): chunks not started
    are cancelled and :class:`~.progress.IndexingCancelled` is raised (chunks already running
    finish in their process, their result unused).
    """
    if min_chars is None and pool is not None:
        min_chars = WARM_MIN_CHARS if pool.started() else PARALLEL_MIN_CHARS
    if pool is None or len(text) < (min_chars or 0) or not pool.usable:
        return ReadingIndex.build(text, progress, cancel)
    seen = 0

    def monotonic(done: int, total: int) -> bool | None:
        nonlocal seen
        seen = max(seen, done)
        return progress(seen, total) if progress is not None else None

    try:
        return _build_parallel(text, monotonic, cancel, pool)
    except BrokenProcessPool:
        pool.mark_broken()
    except _CannotStart:
        pass
    return ReadingIndex.build(text, monotonic, cancel)


class _CannotStart(Exception):
    """The pool has no executor or refused work: build in this process instead."""


def _build_parallel(text: str, progress: ProgressCallback, cancel: CancelCheck | None, pool: IndexPool) -> ReadingIndex:
    reporter = Reporter(len(text), progress, cancel)
    reporter.advance(0)
    runs = list(split_runs(text))
    chunks = plan_chunks(text, runs, chunk_target(len(text), pool.workers))
    executor = pool.executor()
    if executor is None:
        raise _CannotStart
    todo = deque(range(len(chunks)))
    running: dict[Future[Columns], int] = {}
    results: list[Columns | None] = [None] * len(chunks)
    done_chars = 0
    try:
        while todo or running:
            while todo and len(running) < 2 * pool.workers:  # a few queued: cancel stops the rest
                i = todo.popleft()
                start, end, r0, r1 = chunks[i]
                local = [(s - start, e - start, kind) for s, e, kind in runs[r0:r1]]
                try:
                    running[executor.submit(_chunk_columns, text[start:end], local)] = i
                except RuntimeError as exc:  # shut down meanwhile (BrokenProcessPool passes)
                    if isinstance(exc, BrokenProcessPool):
                        raise
                    raise _CannotStart from exc
            finished, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            if cancel is not None and cancel():
                raise IndexingCancelled(f"cancelled at {done_chars} of {len(text)} characters")
            for future in finished:
                i = running.pop(future)
                results[i] = future.result()
                done_chars += chunks[i][1] - chunks[i][0]
                reporter.advance(done_chars)
    finally:
        for future in running:
            future.cancel()
    reporter.finish()
    return _merge(text, chunks, results)


def _merge(text: str, chunks: list[Chunk], results: list[Columns | None]) -> ReadingIndex:
    starts: array[int] = array("i")
    kinds: list[str] = []
    hira: list[str] = []
    hep: list[str] = []
    keys: list[str] = []
    intern = sys.intern
    for (offset, _end, _r0, _r1), columns in zip(chunks, results, strict=True):
        assert columns is not None
        c_starts, c_kinds, c_hira, c_hep, c_keys = columns
        starts.extend([s + offset for s in c_starts] if offset else c_starts)
        kinds.append(c_kinds)
        hira.extend(map(intern, c_hira))  # strings come back unpickled: share them as build does
        hep.extend(map(intern, c_hep))
        keys.extend(c_keys)
    return ReadingIndex.from_columns(text, starts, "".join(kinds), hira, hep, keys)


def _text_columns(text: str) -> Columns:
    """Index columns of one whole (short) text, in a worker process."""
    return token_columns(text, iter_token_tuples(text))


def build_indexes(
    texts: list[str], pool: IndexPool, cancel: CancelCheck | None = None,
    done: ProgressCallback | None = None,
) -> list[ReadingIndex]:
    """The indexes of many texts (each identical to ``ReadingIndex.build``), one text per task
    across ``pool``'s processes: for a project of many short documents, where no single text
    is long enough for :func:`build_index` to split it. ``done(n, len(texts))`` is called as texts
    finish (False cancels, as does ``cancel()``: :class:`~.progress.IndexingCancelled`). Falls
    back to this process when the pool cannot be used."""
    executor = pool.executor() if pool.usable else None
    if executor is None:
        return [ReadingIndex.build(text, cancel=cancel) for text in texts]
    futures: dict[Future[Columns], int] = {}
    results: list[Columns | None] = [None] * len(texts)
    try:
        for i, text in enumerate(texts):
            futures[executor.submit(_text_columns, text)] = i
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in finished:
                results[futures[future]] = future.result()
            count = len(texts) - len(pending)
            if (cancel is not None and cancel()) or (done is not None and done(count, len(texts)) is False):
                raise IndexingCancelled(f"cancelled after {count} of {len(texts)} texts")
    except BrokenProcessPool:
        pool.mark_broken()
        return [ReadingIndex.build(text, cancel=cancel) for text in texts]
    finally:
        for future in futures:
            future.cancel()
    return [_merge(text, [(0, len(text), 0, 0)], [columns]) for text, columns in zip(texts, results, strict=True)]
