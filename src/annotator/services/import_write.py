"""What the import's writing takes from its sources: the records a chunk at a time, how many
bytes the files hold (a large import writes differently: :func:`annotator.store.bulk.
bulk_writing`), and the span ids a chunk's records give."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import attrgetter, is_not
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), consumed as they are needed."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sources_size(paths: Iterable[Path]) -> int:
    """The bytes of the regular files among ``paths`` (a folder read as one source counts 0)."""
    total = 0
    for path in paths:
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            pass  # reading it says what is wrong
    return total


_ID = attrgetter("id")


def given_span_ids(chunk: Sequence[tuple[Any, str]]) -> list[str]:
    """The span ids that the ``(record, source)`` pairs of a chunk give, in order (looked for in
    C, a record at a time: most records give none)."""
    given: list[str] = []
    for record, _ in chunk:
        ids = list(map(_ID, record.spans))
        if ids.count(None) != len(ids):
            given.extend(compress(ids, map(is_not, ids, repeat(None))))
    return given
