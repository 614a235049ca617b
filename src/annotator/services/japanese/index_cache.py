"""Reading indexes of a project's documents, cached in the project file.

A document's :class:`~.reading_index.ReadingIndex` is derived data: it is cached in the
project (``Project.cached_reading`` / ``store_reading``) keyed by the SHA-256 of the text and
:data:`~.reading_index.FORMAT_VERSION`. A cached blob that does not load (another format, a
broken blob, another text) is rebuilt and replaced.

The work is split so that a window can build in a worker thread while the SQLite connection
stays in the thread that opened it: :func:`cached_blob` and :func:`store_index` touch the
project (call them in the project's thread); :func:`load_or_build` touches only the text and
the blob (safe in a worker). :func:`document_index` does all three in one call (command line).
"""

from __future__ import annotations

from typing import Protocol

from annotator.services.japanese.parallel import IndexPool, build_index
from annotator.services.japanese.progress import CancelCheck, ProgressCallback
from annotator.services.japanese.reading_index import FORMAT_VERSION, IndexFormatError, ReadingIndex, text_sha256

__all__ = ["CACHE_VERSION", "ReadingCache", "cached_blob", "document_index", "load_or_build", "store_index"]

#: The version string under which indexes are cached (the store keys the cache by a string).
CACHE_VERSION = str(FORMAT_VERSION)


class ReadingCache(Protocol):
    """What this module needs from a project (``annotator.store.Project`` provides it)."""

    def cached_reading(self, sha256: str, version: str) -> bytes | None: ...
    def store_reading(self, sha256: str, version: str, data: bytes) -> None: ...


class _Documents(ReadingCache, Protocol):
    def text(self, document_id: int) -> str: ...


def cached_blob(project: ReadingCache, sha256: str) -> bytes | None:
    """The cached index of the text with this SHA-256 in the current format, or None."""
    return project.cached_reading(sha256, CACHE_VERSION)


def load_or_build(
    text: str,
    blob: bytes | None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    pool: IndexPool | None = None,
) -> tuple[ReadingIndex, bool]:
    """Return ``(index, built)``: the index loaded from ``blob``, or built from ``text`` when
    there is no blob or it does not load (``built`` is then True: store it).

    Touches no project, so it is safe in a worker thread. Building reports progress and may
    raise :class:`~.progress.IndexingCancelled` (see :meth:`ReadingIndex.build`). With a
    ``pool``, a long text is built across its worker processes (see :func:`.parallel.build_index`).
    """
    if blob is not None:
        try:
            return ReadingIndex.from_bytes(blob, text), False
        except IndexFormatError:
            pass
    return build_index(text, progress=progress, cancel=cancel, pool=pool), True


def store_index(project: ReadingCache, index: ReadingIndex) -> None:
    """Cache ``index`` in the project (replacing older versions for the same text)."""
    project.store_reading(index.sha256, CACHE_VERSION, index.to_bytes())


def document_index(
    project: _Documents,
    document_id: int,
    *,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    pool: IndexPool | None = None,
) -> ReadingIndex:
    """Get-or-build the index of one document, storing a freshly built one in the cache.

    ``sha256`` (the document's, when the caller has it) saves hashing the text once more;
    ``pool`` builds long texts across processes (see :func:`load_or_build`).
    """
    text = project.text(document_id)
    if sha256 is None:
        sha256 = text_sha256(text)
    index, built = load_or_build(text, cached_blob(project, sha256), progress, cancel, pool)
    if built:
        store_index(project, index)
    return index
