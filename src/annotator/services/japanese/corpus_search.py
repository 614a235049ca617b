"""Search by reading over a whole project through its search index, hits streamed as found.

The index lives in the project file (``annotator.store.search_index``): the texts are added to
its trigram index after they are written (:func:`index_texts`, a batch per transaction, up to
a watermark: the first ``annotator search``, or the window's background indexer a few texts at
a time, :func:`index_some_texts`; until then a search scans them directly); each document's
readings are added once, by :func:`index_readings` (the first ``annotator search``) or by the
window's background indexer (:func:`build_rows` / :func:`store_rows`); their tokens go into
the postings after (:func:`index_positions`, or the window's indexer). :func:`iter_hits` goes
through the project a window of document ids at a time: the reading matches (and the literal
ones of terms without cased letters, spaces or signs) of the documents in the postings come
from them (:mod:`.positions`); the other documents and terms are checked one by one among the
candidates the trigram indexes name (:mod:`.candidates`), exactly as :func:`.search.search`
does (the same hits, in the same order), so the first hit comes after a few documents and
memory holds one window, never the project.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from annotator.services.japanese import positions, postings_query
from annotator.services.japanese.candidates import check as _check
from annotator.services.japanese.index_cache import CACHE_VERSION
from annotator.services.japanese.parallel import PARALLEL_MIN_CHARS, IndexPool, build_indexes
from annotator.services.japanese.progress import CancelCheck, IndexingCancelled
from annotator.services.japanese.reading_index import IndexFormatError, ReadingIndex
from annotator.services.japanese.romaji import query_key
from annotator.services.japanese.search import Hit, _without_overlaps, expand_aliases
from annotator.services.japanese.search_records import (
    RECORD_VERSION,
    index_from_row,
    row_from_index,
    search_strings,
)
from annotator.store import Project, search_index, search_positions

__all__ = ["ReadingsState", "build_rows", "index_positions", "index_readings", "index_some_texts",
           "index_texts", "next_position_items", "positions_outdated", "positions_pending", "store_positions",
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
    are gone are skipped. Returns how many were written. Their tokens go into the postings
    later, many documents at once (:func:`index_positions`): a query reads a row per token
    type and batch, so few large batches make it fast."""
    with project.atomic():
        return search_index.store_readings(project.db.conn, rows, RECORD_VERSION)


#: Documents (and at most this many characters) read and built at a time by
#: :func:`index_positions`, and how many such parts one batch (one transaction, a postings
#: row per token type) holds: a query reads a row per type and batch, so batches are large;
#: a batch's arrays are about 100 MB at most.
POSITION_BATCH_DOCS = 500
POSITION_BATCH_CHARS = 2_000_000
POSITION_BATCH_PARTS = 8


def positions_outdated(project: Project) -> bool:
    """Whether the postings hold documents of another version (:func:`index_positions` builds
    them again from the start)."""
    return search_positions.outdated(project.db.conn, positions.POSITIONS_VERSION)


def positions_pending(project: Project) -> int:
    """How many documents have readings but no tokens in the postings yet."""
    return search_positions.missing_count(project.db.conn, positions.POSITIONS_VERSION, RECORD_VERSION)


def next_position_items(project: Project, after: int, max_docs: int, max_chars: int,
                        ) -> list[tuple[int, tuple[Any, ...], str, str]]:
    """``(id, readings row, text, SHA-256)`` of the next documents after ``after`` that have
    readings but no tokens in the postings: at most ``max_docs``, and no more than ``max_chars``
    characters unless the first alone (what :func:`.positions.build_batch` takes)."""
    conn = project.db.conn
    ids = search_positions.missing_documents(conn, positions.POSITIONS_VERSION, RECORD_VERSION,
                                             after, max_docs)
    if not ids:
        return []
    lengths = dict(conn.execute("SELECT id, length FROM documents WHERE id IN (%s)"
                                % ", ".join("?" for _ in ids), ids).fetchall())
    chosen, chars = [], 0
    for doc_id in ids:
        if chosen and chars + lengths.get(doc_id, 0) > max_chars:
            break
        chosen.append(doc_id)
        chars += lengths.get(doc_id, 0)
    rows = search_index.reading_rows(conn, chosen, RECORD_VERSION)
    texts = search_index.text_rows(conn, chosen)
    return [(d, rows[d], *texts[d]) for d in chosen if d in rows and d in texts]


def store_positions(project: Project, batch: positions.Batch) -> int:
    """Write a built batch of postings in one transaction (``BEGIN IMMEDIATE``; documents
    changed since they were read are left out). Returns how many documents it added."""
    with project.atomic():
        return positions.store_batch(project.db.conn, batch)


def index_positions(project: Project, *, progress: Progress | None = None,
                    cancel: CancelCheck | None = None, max_batches: int | None = None) -> int:
    """Add the tokens of every document that has readings but none in the postings (indexed
    before the postings existed, or by another program), a batch per transaction, from the
    stored readings (no pykakasi but for the cuts of new token types). A killed or cancelled
    run keeps what it committed. Postings of another version (of this module or the readings)
    are removed first: they are all built again. Returns how many documents were added."""
    with project.atomic():
        if search_positions.outdated(project.db.conn, positions.POSITIONS_VERSION):
            search_positions.clear(project.db.conn)
    todo = positions_pending(project)
    done = batches = after = 0
    while max_batches is None or batches < max_batches:
        batch, parts = None, 0
        while parts < POSITION_BATCH_PARTS:
            if cancel is not None and cancel():
                raise IndexingCancelled(f"cancelled after {done} of {todo} documents")
            items = next_position_items(project, after, POSITION_BATCH_DOCS, POSITION_BATCH_CHARS)
            if not items:
                break
            part = positions.build_batch(items)
            after, parts = items[-1][0], parts + 1
            if batch is None:
                batch = part
            else:
                batch.merge(part)
        if batch is None:
            break
        store_positions(project, batch)
        done += len(batch.documents)
        batches += 1
        if progress is not None and progress(min(done, todo), todo) is False:
            raise IndexingCancelled(f"cancelled after {done} of {todo} documents")
    return done


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
                    ) -> Iterator[tuple[int, Sequence[tuple[int, int]]]]:
    """The hits of :func:`iter_hits`, a document at a time: ``(document id, spans)`` in
    document-id order, the spans a sequence of ``(start, end)`` with starts ascending (code
    points, end-exclusive; a list, or a :class:`.positions.Spans` that makes each pair only
    when asked for), documents without hits left out. The fast way to count or list every hit
    of a common word: the reading matches of a document whose tokens are in the postings come
    from them, a window of documents at a time, so no document's text or readings are read
    but for its literal matches."""
    for doc_id, spans, _text in _groups(project, query, aliases, after, texts=False):
        yield doc_id, spans


def iter_text_groups(project: Project, query: str,
                     aliases: Mapping[str, Sequence[str]] | None = None, *, after: int = 0,
                     ) -> Iterator[tuple[int, Sequence[tuple[int, int]], str]]:
    """The hits of :func:`iter_hit_groups` with each document's text: ``(document id,
    [(start, end), ...], text)`` (what printing every hit with its context needs, each text
    read once)."""
    for doc_id, spans, text in _groups(project, query, aliases, after, texts=True):
        assert text is not None
        yield doc_id, spans, text


#: Documents per window of ids matched from the postings: the first is small (a fast first
#: hit), the next ones grow to the largest (bounding the positions held at once).
POSITION_WINDOWS = (64, 512, 2048, 8192)
#: Past this share of a window's documents being candidates of a search key, the trigram index
#: no longer narrows anything down: the next windows match every positioned document.
DENSE_SHARE = 0.3


class _Ahead:
    """An ascending iterator of ids with look-ahead."""

    __slots__ = ("_it", "_next")

    def __init__(self, ids: Iterator[int]) -> None:
        self._it = ids
        self._next = next(ids, None)

    def peek(self) -> int | None:
        return self._next

    def below(self, high: int) -> list[int]:
        """The ids up to ``high`` (excluded), taken."""
        out = []
        while self._next is not None and self._next < high:
            out.append(self._next)
            self._next = next(self._it, None)
        return out


def _groups(project: Project, query: str, aliases: Mapping[str, Sequence[str]] | None,
            after: int, *, texts: bool) -> Iterator[tuple[int, Sequence[tuple[int, int]], str | None]]:
    """The hits a document at a time, a window of document ids at a time: the reading matches
    of the documents whose tokens are in the postings come from them (:mod:`.positions`, no
    document read); those of the documents indexed before the postings existed, and literal
    matches, from the candidates the trigram indexes name (:func:`_check`). While a search key
    is rare, the windows follow its candidates in the trigram index (a window starts at the
    next one); once most documents are candidates, every positioned document is matched."""
    if aliases is None:
        aliases = project.aliases()
    terms = expand_aliases(query, aliases)
    literal = [t for t in terms if t.strip()]
    keys = list(dict.fromkeys(k for k in (query_key(t) for t in terms) if k))
    conn = project.db.conn
    last = conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]
    exact = [t for t in literal if positions.literal_ok(conn, t)]  # found from the postings
    cache = postings_query.row_cache(project)
    queries = [postings_query.KeyQuery(conn, k, cache=cache) for k in keys]
    queries += [postings_query.KeyQuery(conn, t, literal=True, cache=cache) for t in exact]
    # Literal matches are looked for in the texts of the candidates of the terms the postings
    # cannot answer, and of every document not in the postings (below, per window).
    texts_for = [t for t in literal if t not in exact]
    literal_ids = _Ahead(search_index.candidate_documents(conn, "search_text", texts_for, after))
    missing = sorted(search_positions.missing_documents(
        conn, positions.POSITIONS_VERSION, RECORD_VERSION, after)) if keys else []
    key_strings = [s for k in keys for s in search_strings(k)]
    dense = any(len(s) < 3 for s in [*key_strings, *exact])  # no trigram to narrow them down
    guide = _Ahead(iter(()) if dense or not queries else heapq.merge(
        search_index.candidate_documents(conn, "search_keys", key_strings, after),
        search_index.candidate_documents(conn, "search_text", exact, after)))
    low, step = after + 1, 0
    while True:
        ahead = [i for i in (literal_ids.peek(), None if dense else guide.peek()) if i is not None]
        if (not dense or low > last) and not ahead:
            return
        if not dense or low > last:
            low = max(low, min(ahead))
        size = POSITION_WINDOWS[min(step, len(POSITION_WINDOWS) - 1)]
        high, step = low + size, step + 1
        batch = dict.fromkeys(literal_ids.below(high), 1)
        if dense:
            candidates = None
            unpositioned = missing[bisect_left(missing, low) : bisect_left(missing, high)]
        else:
            candidates = list(dict.fromkeys(guide.below(high)))
            unpositioned = [d for d in candidates if _holds(missing, d)]
            dense = size >= POSITION_WINDOWS[1] and len(candidates) > DENSE_SHARE * size
        for d in unpositioned:
            batch[d] = batch.get(d, 0) | 2
        live = dict(search_positions.documents_in(conn, low, high, positions.POSITIONS_VERSION)
                    ) if queries else {}
        if exact:  # the documents not in the postings: their texts, for every term
            among = search_positions.document_ids(conn, low, high) if candidates is None else candidates
            for d in among:
                if d not in live:
                    batch[d] = batch.get(d, 0) | 1
        if candidates is not None:
            live = {d: live[d] for d in candidates if d in live}
        found, overlapping = _window_hits(queries, low, high, live)
        low = high
        if found or batch:
            yield from _window_groups(conn, batch, found, overlapping, literal, keys, texts,
                                      first=step == 1)


def _window_groups(conn: Any, batch: dict[int, int], found: dict[int, Sequence[tuple[int, int]]],
                   overlapping: set[int], literal: list[str], keys: list[str], texts: bool, *,
                   first: bool) -> Iterator[tuple[int, Sequence[tuple[int, int]], str | None]]:
    """The groups of one window in document order: the candidates of ``batch`` checked a few
    at a time (1, 4, 16, then :data:`BATCH` in the first window: a fast first hit; a caller
    gets each group as soon as its part is checked), the documents only the postings
    matched (``found``) between them."""
    ids = sorted(batch)
    own = [d for d in found if d not in batch]  # found is in document order
    if not ids and not texts and not overlapping:
        for doc_id in own:
            yield doc_id, found[doc_id], None
        return
    at = taken = 0
    size = 1 if first else BATCH
    while at < len(ids) or taken < len(own):
        part = ids[at : at + size]
        at += len(part)
        top = part[-1] if part else None
        results = {doc_id: (spans, text) for doc_id, spans, text in
                   _check(conn, {d: batch[d] for d in part}, literal, keys, texts, found)}
        until = len(own) if top is None else bisect_left(own, top, taken)
        while True:  # the postings' own documents before the last one checked, a few at a time
            mine = own[taken : min(until, taken + BATCH)]
            taken += len(mine)
            text_of = search_index.text_rows(conn, mine) if texts and mine else {}
            for doc_id in mine:
                if texts and doc_id not in text_of:
                    continue  # removed meanwhile
                spans = found[doc_id]
                if doc_id in overlapping:
                    spans = _without_overlaps(set(spans))
                results[doc_id] = (spans, text_of[doc_id][0] if texts else None)
            if taken >= until or top is None:
                break
        for doc_id in sorted(results):
            spans, text = results[doc_id]
            yield doc_id, spans, text
        size = min(BATCH, size * 4)


def _first_occurrences(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of a literal term's occurrences (all the same length), those ``str.find`` goes through
    (each search goes on after the one found): sorted; the same unless some overlap."""
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    if not len(starts) or not (starts[1:] < ends[:-1]).any():
        return starts, ends
    keep, last = [], 0
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):  # global offsets: one pass
        keep.append(s >= last)
        if s >= last:
            last = e
    mask = np.array(keep, dtype=bool)
    return starts[mask], ends[mask]


def _holds(ordered: list[int], value: int) -> bool:
    at = bisect_left(ordered, value)
    return at < len(ordered) and ordered[at] == value


_HIGH = np.uint64(32)
_LOW = np.uint64((1 << 32) - 1)


def _window_hits(queries: list[postings_query.KeyQuery], low: int, high: int, live: dict[int, int],
                 ) -> tuple[dict[int, Sequence[tuple[int, int]]], set[int]]:
    """The matches from the postings in the documents of ``live`` (document -> its batch,
    ids in ``[low, high)``): document -> spans (each once, by start, then longest first), and
    the documents where some overlap (the others' spans are already what
    :func:`._without_overlaps` keeps)."""
    if not queries or not live:
        return {}, set()
    parts = [_first_occurrences(*q.hits(low, high, live)) if q.literal else q.hits(low, high, live)
             for q in queries]
    starts = np.concatenate([p[0] for p in parts])
    ends = np.concatenate([p[1] for p in parts])
    if not len(starts):
        return {}, set()
    order = np.lexsort((~ends, starts))
    starts, ends = starts[order], ends[order]
    keep = np.ones(len(starts), dtype=bool)
    keep[1:] = (starts[1:] != starts[:-1]) | (ends[1:] != ends[:-1])
    starts, ends = starts[keep], ends[keep]
    docs = starts >> _HIGH
    reach = np.maximum.accumulate(ends)  # a document's offsets all lie above the one before
    crossing = np.flatnonzero(starts[1:] < reach[:-1]) + 1
    overlapping = set((docs[crossing]).tolist())
    bounds = np.flatnonzero(docs[1:] != docs[:-1]) + 1
    firsts = [0, *bounds.tolist()]
    lasts = [*bounds.tolist(), len(starts)]
    local_starts = (starts & _LOW).astype(np.int64)
    local_ends = (ends & _LOW).astype(np.int64)
    doc_list = docs[firsts].tolist()
    spans = positions.Spans
    found = {doc: spans(local_starts, local_ends, a, b)
             for doc, a, b in zip(doc_list, firsts, lasts, strict=True)}
    return found, overlapping
