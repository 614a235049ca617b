"""Search by reading across every document of a project, with the project's aliases.

Hits come from :func:`.search.search` with the document *id* as the document key (so hits are
ordered by document id, then start); :func:`hit_record` turns one into the JSON object the
command line prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from annotator.services.japanese.index_cache import document_index
from annotator.services.japanese.progress import CancelCheck, IndexingCancelled
from annotator.services.japanese.reading_index import ReadingIndex
from annotator.services.japanese.search import Hit, search
from annotator.store import Document, Project

__all__ = ["hit_record", "load_indexes", "search_project"]

#: ``progress(done_documents, total_documents, document_name)``; False cancels.
DocumentProgress = Callable[[int, int, str], "bool | None"]


def load_indexes(
    project: Project,
    documents: list[Document] | None = None,
    *,
    progress: DocumentProgress | None = None,
    cancel: CancelCheck | None = None,
) -> dict[int, ReadingIndex]:
    """Get-or-build the index of each document (all by default): document id -> index.

    Cached indexes are loaded; missing or outdated ones are built and cached. Raises
    :class:`~.progress.IndexingCancelled` when ``progress`` returns False or ``cancel()`` is True.
    """
    docs = project.documents() if documents is None else documents
    out: dict[int, ReadingIndex] = {}
    for n, doc in enumerate(docs):
        if (cancel is not None and cancel()) or (progress is not None and progress(n, len(docs), doc.name) is False):
            raise IndexingCancelled(f"cancelled after {n} of {len(docs)} documents")
        out[doc.id] = document_index(project, doc.id, sha256=doc.sha256, cancel=cancel)
    if progress is not None:
        progress(len(docs), len(docs), "")
    return out


def search_project(
    project: Project,
    query: str,
    max_hits: int | None = None,
    *,
    indexes: Mapping[int, ReadingIndex] | None = None,
    aliases: Mapping[str, list[str]] | None = None,
) -> list[Hit]:
    """Find ``query`` (kana, romaji, kanji, plain text or an alias term) in every document.

    ``indexes`` (document id -> index, e.g. kept by a window) avoids loading them again; by
    default every index is loaded with :func:`load_indexes`. ``aliases`` defaults to the
    project's alias table. Each hit's ``document`` is the document id and
    ``hit.text == project.text(hit.document)[hit.start:hit.end]`` (code points).
    """
    if indexes is None:
        indexes = load_indexes(project)
    if aliases is None:
        aliases = project.aliases()
    return search(indexes, None, query, aliases, max_hits=max_hits)


def hit_record(hit: Hit, document: Document) -> dict[str, Any]:
    """The JSON form of a hit: ``{"document": name, "id": the document's id as exported (its
    uid), "start", "end", "text"}`` (code-point offsets, end-exclusive)."""
    return {"document": document.name, "id": document.uid, "start": hit.start, "end": hit.end,
            "text": hit.text}
