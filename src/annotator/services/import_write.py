"""What the import's writing takes from its sources: the records a chunk at a time, and how
many bytes the files hold (a large import writes differently: :func:`annotator.store.bulk.
bulk_writing`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

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
