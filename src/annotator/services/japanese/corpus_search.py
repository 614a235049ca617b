"""Search by reading over a whole project through its search index, hits streamed as found.

The index lives in the project file (``annotator.store.search_index``): the texts are added to
its trigram index after they are written (:func:`index_texts`, a batch per transaction, up to
a watermark: the first ``annotator search``, or the window's background indexer a few texts at
a time, :func:`index_some_texts`; until then a search scans them directly); each document's
readings are added once, by :func:`index_readings` (the first ``annotator search``) or by the
window's background indexer (:func:`build_rows` / :func:`store_rows`). :func:`iter_hits` asks the trigram indexes which documents may contain a
term or its search key, in document-id order, and checks only those, exactly as
:func:`.search.search` does (the same hits, in the same order), so the first hit comes after
a few documents and memory holds one small batch of documents, never the project.
"""

from __future__ import annotations

import heapq
import json
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from annotator.services.japanese.index_cache import CACHE_VERSION
from annotator.services.japanese.matching import find_literal
from annotator.services.japanese.parallel import PARALLEL_MIN_CHARS, IndexPool, build_indexes
from annotator.services.japanese.progress import CancelCheck, IndexingCancelled
from annotator.services.japanese.reading_index import IndexFormatError, ReadingIndex
from annotator.services.japanese.romaji import query_key
from annotator.services.japanese.search import Hit, _without_overlaps, expand_aliases
from annotator.services.japanese.search_records import (
    RECORD_VERSION,
    SEGMENT,
    index_from_row,
    row_from_index,
    search_strings,
)
from annotator.store import Project, search_index

__all__ = ["ReadingsState", "build_rows", "index_readings", "index_some_texts", "index_texts",
           "iter_hit_groups", "iter_hits", "iter_text_groups", "load_index", "pending_texts",
           "readings_state", "store_rows", "texts_pending"]

#: ``progress(done_documents, total_documents)``; False cancels.
Progress = Callable[[int, int], "bool | None"]

#: Documents read per query while hits stream (the first batch is small: a fast first hit).
BATCH = 64
#: Documents (and at most this many characters) indexed per transaction by index_readings.
INDEX_BATCH_DOCS = 200
INDEX_BATCH_CHARS = 400_000

ReadingsState = tuple[int, int]


def readings_state(project: Project) -> ReadingsState:
    """``(documents whose readings are indexed, documents)``."""
    return search_index.readings_count(project.db.conn, RECORD_VERSION)


def pending_texts(project: Project) -> tuple[int, int]:
    """``(documents, characters)`` whose texts are not in the text index yet."""
    return search_index.pending_texts(project.db.conn)


def texts_pending(project: Project) -> bool:
    """True while some texts are not in the text index yet (two indexed look-ups)."""
    conn = project.db.conn
    last = conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]
    return search_index.text_watermark(conn) < last


def index_some_texts(project: Project, max_docs: int, max_chars: int) -> int:
    """Add the next few texts to the text index in one short transaction; how many (0: none
    were left)."""
    with project.atomic():
        return search_index.index_texts(project.db.conn, max_docs, max_chars)


def index_texts(project: Project, *, progress: Progress | None = None,
                cancel: CancelCheck | None = None) -> int:
    """Add every text not indexed yet to the text index, a batch per transaction (a killed or
    cancelled run keeps what it committed; the next one goes on from there). Returns how many
    documents were indexed. ``progress(done, total)`` counts characters; returning False
    cancels (:class:`~.progress.IndexingCancelled`)."""
    docs, chars = pending_texts(project)
    done_docs = done_chars = 0
    if progress is not None and docs and progress(0, chars) is False:
        raise IndexingCancelled("cancelled")
    while True:
        if cancel is not None and cancel():
            raise IndexingCancelled(f"cancelled after {done_docs} of {docs} texts")
        with project.atomic():
            conn = project.db.conn
            before = search_index.text_watermark(conn)
            count = search_index.index_texts(conn)
            if count:
                done_chars += conn.execute(
                    "SELECT coalesce(sum(length), 0) FROM documents WHERE id > ? AND id <= ?",
                    [before, search_index.text_watermark(conn)]).fetchone()[0]
        if not count:
            return done_docs
        done_docs += count
        if progress is not None and progress(min(done_chars, chars), chars) is False:
            raise IndexingCancelled(f"cancelled after {done_docs} of {docs} texts")


def load_index(project: Project, document_id: int) -> ReadingIndex | None:
    """The reading index of a document as the search index holds it, or None (not indexed
    yet, or stored by another format)."""
    conn = project.db.conn
    row = search_index.reading_row(conn, document_id, RECORD_VERSION)
    if row is None:
        return None
    texts = search_index.text_rows(conn, [document_id])
    if document_id not in texts:
        return None
    text, sha = texts[document_id]
    try:
        return index_from_row(row, text, sha)
    except ValueError:
        return None


def build_rows(items: Sequence[tuple[int, str, bytes | None]], *, pool: IndexPool | None = None,
               cancel: CancelCheck | None = None) -> list[tuple[Any, ...]]:
    """The readings rows of ``(document_id, text, cached blob or None)`` items: each index
    loaded from the reading cache's blob when it fits (no pykakasi), else built (across
    ``pool``'s processes when there is enough text). Touches no project: safe in a worker
    thread. Raises :class:`~.progress.IndexingCancelled` when ``cancel()`` is True."""
    indexes: dict[int, ReadingIndex] = {}
    todo: list[tuple[int, str]] = []
    for doc_id, text, blob in items:
        if cancel is not None and cancel():
            raise IndexingCancelled("cancelled")
        if blob is not None:
            try:
                indexes[doc_id] = ReadingIndex.from_bytes(blob, text)
                continue
            except IndexFormatError:
                pass
        todo.append((doc_id, text))
    texts = [text for _d, text in todo]
    if pool is not None and len(texts) > 1 and (pool.started() or sum(map(len, texts)) >= PARALLEL_MIN_CHARS):
        built = build_indexes(texts, pool, cancel)
    else:
        built = [ReadingIndex.build(text, cancel=cancel) for text in texts]
    indexes.update((doc_id, index) for (doc_id, _t), index in zip(todo, built, strict=True))
    rows = []
    for doc_id, _t, _b in items:  # checked per document: a caller may pause here
        if cancel is not None and cancel():
            raise IndexingCancelled("cancelled")
        rows.append(row_from_index(doc_id, indexes[doc_id]))
    return rows


def store_rows(project: Project, rows: Sequence[tuple[Any, ...]]) -> int:
    """Write readings rows in one transaction (``BEGIN IMMEDIATE``); rows of documents that
    are gone are skipped. Returns how many were written."""
    with project.atomic():
        return search_index.store_readings(project.db.conn, rows, RECORD_VERSION)


def pending_documents(project: Project, after: int = 0, limit: int = 100) -> list[tuple[int, int]]:
    """``(id, length)`` of the next documents after ``after`` without readings (id order)."""
    return search_index.documents_without_readings(project.db.conn, RECORD_VERSION, after, limit)


def next_items(project: Project, after: int, max_docs: int, max_chars: int
               ) -> list[tuple[int, str, bytes | None]]:
    """``(id, text, cached blob)`` of the next documents after ``after`` without readings:
    at most ``max_docs``, and no more than ``max_chars`` characters unless the first alone."""
    pending = pending_documents(project, after, max_docs)
    chosen, chars = [], 0
    for doc_id, length in pending:
        if chosen and chars + length > max_chars:
            break
        chosen.append(doc_id)
        chars += length
    texts = search_index.text_rows(project.db.conn, chosen)
    return [(d, texts[d][0], project.cached_reading(texts[d][1], CACHE_VERSION))
            for d in chosen if d in texts]


def index_readings(project: Project, *, progress: Progress | None = None,
                   cancel: CancelCheck | None = None, pool: IndexPool | None = None) -> int:
    """Index the readings of every document that has none yet, a batch per transaction (a
    killed or cancelled run keeps what it committed and the next one goes on from there; no
    document is indexed twice). Returns how many documents were indexed. ``progress(done,
    total)`` counts documents; returning False cancels (:class:`~.progress.IndexingCancelled`)."""
    indexed, total = readings_state(project)
    todo, done, after = total - indexed, 0, 0
    if progress is not None and todo and progress(0, todo) is False:
        raise IndexingCancelled("cancelled")
    while True:
        items = next_items(project, after, INDEX_BATCH_DOCS, INDEX_BATCH_CHARS)
        if not items:
            break
        rows = build_rows(items, pool=pool, cancel=cancel)
        store_rows(project, rows)
        after = items[-1][0]
        done += len(items)
        if progress is not None and progress(min(done, todo), todo) is False:
            raise IndexingCancelled(f"cancelled after {done} of {todo} documents")
    return done


def iter_hits(project: Project, query: str, aliases: Mapping[str, Sequence[str]] | None = None,
              *, after: int = 0) -> Iterator[Hit]:
    """The hits of ``query`` (kana, romaji, kanji, plain text or an alias term) in every
    document after id ``after``, as :func:`.search.search` finds them over every document's
    index (ordered by document id, then start; ``hit.document`` is the id), as they are found.

    Literal matches come from every document; reading matches from the documents whose
    readings are indexed (see :func:`readings_state`: the others get theirs once indexed).
    ``aliases`` defaults to the project's alias table. :func:`iter_hit_groups` gives the same
    hits a document at a time, without a Python object per hit nor reading every text.
    """
    for doc_id, spans, text in _groups(project, query, aliases, after, texts=True):
        assert text is not None
        for s, e in spans:
            yield Hit(doc_id, s, e, text[s:e])


def iter_hit_groups(project: Project, query: str,
                    aliases: Mapping[str, Sequence[str]] | None = None, *, after: int = 0,
                    ) -> Iterator[tuple[int, list[tuple[int, int]]]]:
    """The hits of :func:`iter_hits`, a document at a time: ``(document id, [(start, end),
    ...])`` in document-id order, starts ascending (code points, end-exclusive), documents
    without hits left out. The fast way to count or list every hit of a common word: a reading
    match that starts and ends on token boundaries (almost all of them) is mapped to the text
    from the stored token offsets alone, so the text of a document is read only for its
    literal matches or a match inside a token."""
    for doc_id, spans, _text in _groups(project, query, aliases, after, texts=False):
        yield doc_id, spans


def iter_text_groups(project: Project, query: str,
                     aliases: Mapping[str, Sequence[str]] | None = None, *, after: int = 0,
                     ) -> Iterator[tuple[int, list[tuple[int, int]], str]]:
    """The hits of :func:`iter_hit_groups` with each document's text: ``(document id,
    [(start, end), ...], text)`` (what printing every hit with its context needs, each text
    read once)."""
    for doc_id, spans, text in _groups(project, query, aliases, after, texts=True):
        assert text is not None
        yield doc_id, spans, text


def _groups(project: Project, query: str, aliases: Mapping[str, Sequence[str]] | None,
            after: int, *, texts: bool) -> Iterator[tuple[int, list[tuple[int, int]], str | None]]:
    if aliases is None:
        aliases = project.aliases()
    terms = expand_aliases(query, aliases)
    literal = [t for t in terms if t.strip()]
    keys = list(dict.fromkeys(k for k in (query_key(t) for t in terms) if k))
    conn = project.db.conn
    literal_ids = search_index.candidate_documents(conn, "search_text", literal, after)
    key_strings = [s for k in keys for s in search_strings(k)]
    key_ids = search_index.candidate_documents(conn, "search_keys", key_strings, after)
    tagged = heapq.merge(((d, 1) for d in literal_ids), ((d, 2) for d in key_ids))
    batch: dict[int, int] = {}
    size = 1
    for doc_id, tag in tagged:
        if doc_id not in batch and len(batch) >= size:
            yield from _check(conn, batch, literal, keys, texts)
            batch, size = {}, min(BATCH, size * 4)
        batch[doc_id] = batch.get(doc_id, 0) | tag
    if batch:
        yield from _check(conn, batch, literal, keys, texts)


def _find_literal(text: str, term: str) -> list[tuple[int, int]]:
    """:func:`.matching.find_literal`, with ``str.find`` for a term without cased letters (the
    regular expression then matches exactly too, and ``str.find`` is several times faster)."""
    if term.lower() != term or term.upper() != term:
        return find_literal(text, term)
    if not term.strip():
        return []
    out, n = [], len(term)
    p = text.find(term)
    while p != -1:
        out.append((p, p + n))
        p = text.find(term, p + n)
    return out


def _check(conn: Any, batch: dict[int, int], literal: list[str], keys: list[str], texts: bool,
           ) -> Iterator[tuple[int, list[tuple[int, int]], str | None]]:
    """The hits of a batch of candidates, a document at a time. A reading candidate is
    matched from its key and token offsets (:func:`_key_spans`); only the matches inside a
    token need its text (a literal candidate's text is read for its literal matches anyway).
    A document where a match may start at a token that lost letters is matched through its
    full reading index and text, as is one that is only a literal candidate."""
    ids = list(batch)
    quick: dict[int, list[tuple[int, int]]] = {}
    partial: dict[int, tuple[set[tuple[int, int]], list[tuple[int, int]], tuple[Any, ...]]] = {}
    key_docs = [d for d in ids if batch[d] & 2]
    if key_docs:
        for doc_id, row in search_index.key_rows(conn, key_docs, RECORD_VERSION).items():
            results = [_key_spans(row, key) for key in keys]
            if any(r is None for r in results):
                continue  # the full index
            if len(keys) == 1 and not results[0][1] and batch[doc_id] == 2:  # type: ignore[index]
                quick[doc_id] = _first_of_overlapping(results[0][0])  # type: ignore[index]
            else:
                partial[doc_id] = ({se for r in results for se in r[0]},  # type: ignore[index]
                                   [(p, len(key)) for key, r in zip(keys, results, strict=True)
                                    for p in r[1]], row)  # type: ignore[index]
    slow = [d for d in ids if d not in quick]
    text_of = search_index.text_rows(conn, ids if texts else slow)
    rows = search_index.reading_rows(conn, [d for d in slow if batch[d] & 2 and d not in partial],
                                     RECORD_VERSION)
    for doc_id in ids:
        if doc_id in quick:
            spans = quick[doc_id]
            if spans and (not texts or doc_id in text_of):
                yield doc_id, spans, text_of[doc_id][0] if texts else None
            continue
        if doc_id not in text_of:
            continue
        text, sha = text_of[doc_id]
        found: set[tuple[int, int]] = set()
        if doc_id in partial:
            found, hard, key_row = partial[doc_id]
            if hard:
                matcher = _key_matcher(key_row, text)
                for p, length in hard:
                    match = matcher.key_match(p, length)
                    if match is not None:
                        found.add(match)
            if batch[doc_id] & 1:
                for term in literal:
                    found.update(_find_literal(text, term))
        else:
            row = rows.get(doc_id)
            index = None
            if row is not None:
                try:
                    index = index_from_row(row, text, sha)
                except ValueError:
                    index = None
            if batch[doc_id] & 1:
                for term in literal:
                    found.update(_find_literal(text, term))
            if index is not None:
                for key in keys:
                    found.update(index.find_key(key))
        if found:
            yield doc_id, _without_overlaps(found), text


def _key_matcher(row: tuple[Any, ...], text: str) -> ReadingIndex:
    """The key-matching index of a :func:`.search_index.key_rows` row that
    :func:`_key_spans` found to fit ``text`` (no readings read)."""
    _doc, searched, key_length, starts_b, key_starts_b, _kinds, drops, _length = row
    starts, ks = array("i"), array("i")
    starts.frombytes(starts_b)
    ks.frombytes(key_starts_b)
    return ReadingIndex.for_keys(text, starts, searched[:key_length], ks,
                                 json.loads(drops) if drops != "{}" else {})


def _first_of_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """:func:`._without_overlaps` of spans whose starts ascend strictly."""
    kept: list[tuple[int, int]] = []
    last = -1
    for s, e in spans:
        if s >= last:
            kept.append((s, e))
            last = e
    return kept


def _key_spans(row: tuple[Any, ...], qkey: str) -> tuple[list[tuple[int, int]], list[int]] | None:
    """The reading matches of the search key ``qkey`` in a document from its
    :func:`.search_index.key_rows` row alone (no text), as ``ReadingIndex.find_key`` maps them:
    ``(spans of the matches on token boundaries, starts ascending; key positions of the matches
    that start or end inside a token, which need the text)``; or None when a match may start
    at a token that lost letters to the key before it (then the full index is needed)."""
    _doc, searched, key_length, starts_b, key_starts_b, kinds, drops, length = row
    if drops != "{}" and searched.find("\n" + qkey[:SEGMENT], key_length) != -1:
        return None  # the line of a token that lost letters starts like the key: see find_key
    p = searched.find(qkey, 0, key_length)
    if p == -1:
        return [], []
    starts, ks = array("i"), array("i")
    starts.frombytes(starts_b)
    ks.frombytes(key_starts_b)
    n = len(starts)
    if len(ks) != n or kinds != n or (n and starts[0] != 0) or (length and not n) \
            or (n and starts[-1] >= length):
        return [], []  # the row does not fit the text: no reading matches (index_from_row refuses it)
    m = len(qkey)
    out: list[tuple[int, int]] = []
    hard: list[int] = []
    while p != -1:
        i = bisect_right(ks, p) - 1
        q = p + m
        j = bisect_right(ks, q - 1, i) - 1
        if ks[i] != p or q != (ks[j + 1] if j + 1 < n else key_length):
            hard.append(p)
        else:
            s, e = starts[i], (starts[j + 1] if j + 1 < n else length)
            if s < e:
                out.append((s, e))
        p = searched.find(qkey, p + 1, key_length)
    return out, hard
