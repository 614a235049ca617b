"""Search by reading across every document of a project, with the project's aliases.

Hits come from :func:`.search.search` with the document *id* as the document key (so hits are
ordered by document id, then start); :func:`hit_record` turns one into the JSON object the
command line prints.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from annotator.services.japanese.corpus_search import index_positions, index_readings, iter_hits
from annotator.services.japanese.index_cache import cached_blob, store_index
from annotator.services.japanese.parallel import (
    PARALLEL_MIN_CHARS,
    IndexPool,
    build_index,
    build_indexes,
)
from annotator.services.japanese.progress import CancelCheck, IndexingCancelled
from annotator.services.japanese.reading_index import IndexFormatError, ReadingIndex
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
    pool: IndexPool | None = None,
) -> dict[int, ReadingIndex]:
    """Get-or-build the index of each document (all by default): document id -> index.

    Cached indexes are loaded; missing or outdated ones are built and cached. With a ``pool``,
    the missing ones are built across its worker processes (one document per task, or a long
    document split) when there is enough text to pay for starting them. Raises
    :class:`~.progress.IndexingCancelled` when ``progress`` returns False or ``cancel()`` is True.
    """
    docs = project.documents() if documents is None else documents
    total = len(docs)

    def report(n: int, name: str) -> None:
        if (cancel is not None and cancel()) or (progress is not None and progress(n, total, name) is False):
            raise IndexingCancelled(f"cancelled after {n} of {total} documents")

    loaded: dict[int, ReadingIndex] = {}
    missing: list[tuple[Document, str]] = []
    for n, doc in enumerate(docs):
        report(n, doc.name)
        text = project.text(doc.id)
        index = _cached(text, cached_blob(project, doc.sha256))
        if index is None:
            missing.append((doc, text))
        else:
            loaded[doc.id] = index
    texts = [text for _doc, text in missing]
    if pool is not None and len(texts) > 1 and sum(map(len, texts)) >= PARALLEL_MIN_CHARS:
        built = build_indexes(texts, pool, cancel, lambda k, _n: report(len(loaded) + k, ""))
    else:
        built = []
        for k, (doc, text) in enumerate(missing):
            report(len(loaded) + k, doc.name)
            built.append(build_index(text, cancel=cancel, pool=pool))
    for (doc, _text), index in zip(missing, built, strict=True):
        store_index(project, index)
        loaded[doc.id] = index
    if progress is not None:
        progress(total, total, "")
    return {doc.id: loaded[doc.id] for doc in docs}


def _cached(text: str, blob: bytes | None) -> ReadingIndex | None:
    """The cached index of ``text``, or None when there is none or it is outdated."""
    if blob is None:
        return None
    try:
        return ReadingIndex.from_bytes(blob, text)
    except IndexFormatError:
        return None


def search_project(
    project: Project,
    query: str,
    max_hits: int | None = None,
    *,
    indexes: Mapping[int, ReadingIndex] | None = None,
    aliases: Mapping[str, list[str]] | None = None,
) -> list[Hit]:
    """Find ``query`` (kana, romaji, kanji, plain text or an alias term) in every document.

    With ``indexes`` (document id -> index) those are searched; by default the project's search
    index answers (:func:`.corpus_search.iter_hits`, after indexing the readings of the
    documents that have none yet). ``aliases`` defaults to the
    project's alias table. Each hit's ``document`` is the document id and
    ``hit.text == project.text(hit.document)[hit.start:hit.end]`` (code points).
    """
    if aliases is None:
        aliases = project.aliases()
    if indexes is not None:
        return search(indexes, None, query, aliases, max_hits=max_hits)
    index_readings(project)
    index_positions(project)
    return list(itertools.islice(iter_hits(project, query, aliases), max_hits))


def hit_record(hit: Hit, document: Document) -> dict[str, Any]:
    """The JSON form of a hit: ``{"document": name, "id": the document's id as exported (its
    uid), "start", "end", "text"}`` (code-point offsets, end-exclusive)."""
    return {"document": document.name, "id": document.uid, "start": hit.start, "end": hit.end,
            "text": hit.text}
