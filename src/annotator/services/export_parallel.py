"""The native JSONL export of a large selection, its chunks built by worker processes.

Building a record costs far more than writing it: at 100,000 documents (3.4 million spans)
reading the rows out of SQLite is about 2.6 µs per span and building the span objects about
1.2 µs, against 0.7 µs for orjson to write them. Python runs that on one core; with two cores
the chunks of documents (:data:`~annotator.services.exporting.CHUNK_DOCUMENTS` each) are
shared between this process and a worker process (:mod:`.chunk_workers`), and this process
writes all the lines in document order.

The output is the one-process export's, byte for byte: each worker builds a chunk's lines with
the same code (:func:`~annotator.services.export_native.chunk_lines`), each chunk in one read
transaction as before, so a chunk's documents, spans and relations agree. A record that fails
its check refuses the export as before, with the same message; a cancel (``progress``
returning False) stops the workers.

Used for selections of at least :data:`MIN_DOCUMENTS` documents on a machine with two cores
or more, when the project is a file, and only while a core is free for the worker
(:func:`workers_now`, :mod:`.cpu_load`): beside other busy processes a worker only adds its
start and the pipe to the CPU time they share. ``ANNOTATOR_EXPORT_WORKERS=0`` turns it off;
``ANNOTATOR_EXPORT_WORKERS=1`` starts the worker however busy the machine is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from annotator.domain.errors import DataError
from annotator.services import chunk_workers, cpu_load
from annotator.services.chunk_workers import chunks_of

__all__ = ["MIN_DOCUMENTS", "VARIABLE", "ChunkResult", "chunks_of", "run_chunks",
           "workers_for", "workers_now"]

#: The environment variable that sets the number of workers (0: none), whatever the load.
VARIABLE = "ANNOTATOR_EXPORT_WORKERS"

#: Selections smaller than this are exported in this process.
MIN_DOCUMENTS = 4_000

#: ``(lines, documents written, spans, relations, relations left out, documents read, last
#: document's name)`` (:func:`~annotator.services.export_native.chunk_lines`), or
#: ``(message,)`` when a record failed its check.
ChunkResult = tuple[Any, ...]


def workers_for(documents: int) -> int:
    """How many worker processes an export of ``documents`` documents may use (0: none), by
    its size, the cores and :data:`VARIABLE`."""
    return chunk_workers.workers_for(documents, MIN_DOCUMENTS, VARIABLE)


def workers_now(documents: int) -> int:
    """:func:`workers_for`, but none while no core is free for a worker
    (:func:`.cpu_load.core_free`, about 20 ms to tell), unless :data:`VARIABLE` is set."""
    workers = workers_for(documents)
    if workers and VARIABLE not in os.environ and not cpu_load.core_free(chunk_workers.cores()):
        return 0
    return workers


def _build(project: Any, ids: Sequence[int], annotators: list[str] | None,
           labels: list[str] | None, skip_empty: bool) -> ChunkResult:  # in a worker
    from annotator.services.export_native import chunk_lines

    try:
        return chunk_lines(project, ids, annotators, labels, skip_empty)
    except DataError as exc:
        return (str(exc),)


def run_chunks(path: str, chunks: Iterator[list[int]], workers: int,
               annotators: list[str] | None, labels: list[str] | None, skip_empty: bool,
               local: Callable[[list[int]], ChunkResult]) -> Iterator[ChunkResult]:
    """The results of building ``chunks`` (lists of document ids), in their order, shared
    between ``workers`` processes and ``local(ids)`` here (:func:`.chunk_workers.run_chunks`).
    A failed record raises :class:`DataError` with its message, in its chunk's turn."""
    results = chunk_workers.run_chunks(path, chunks, workers, _build,
                                       (annotators, labels, skip_empty), local)
    try:
        for result in results:
            if len(result) == 1:
                raise DataError(result[0])
            yield result
    finally:
        results.close()
