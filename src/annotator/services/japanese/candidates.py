"""The candidates of a search checked document by document (the documents whose tokens are not
in the postings yet, and the literal terms the postings cannot answer): each from its stored
key and token offsets, the text read only for its literal matches or a match inside a token
(see :mod:`.corpus_search`)."""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from annotator.services.japanese.matching import find_literal
from annotator.services.japanese.reading_index import ReadingIndex
from annotator.services.japanese.search import _without_overlaps
from annotator.services.japanese.search_records import RECORD_VERSION, SEGMENT, index_from_row
from annotator.store import search_index

__all__ = ["check", "find_literal_fast"]


def find_literal_fast(text: str, term: str) -> list[tuple[int, int]]:
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


def check(conn: Any, batch: dict[int, int], literal: list[str], keys: list[str], texts: bool,
           given: Mapping[int, Sequence[tuple[int, int]]],
           ) -> Iterator[tuple[int, Sequence[tuple[int, int]], str | None]]:
    """The hits of a batch of candidates, a document at a time. A reading candidate is
    matched from its key and token offsets (:func:`_key_spans`); only the matches inside a
    token need its text (a literal candidate's text is read for its literal matches anyway).
    A document where a match may start at a token that lost letters is matched through its
    full reading index and text, as is one that is only a literal candidate. ``given`` holds
    the reading matches already found from the postings."""
    ids = list(batch)
    quick: dict[int, list[tuple[int, int]]] = {}
    partial: dict[int, tuple[set[tuple[int, int]], list[tuple[int, int]], tuple[Any, ...]]] = {}
    key_docs = [d for d in ids if batch[d] & 2]
    if key_docs:
        for doc_id, row in search_index.key_rows(conn, key_docs, RECORD_VERSION).items():
            results = [_key_spans(row, key) for key in keys]
            if any(r is None for r in results):
                continue  # the full index
            if len(keys) == 1 and not results[0][1] and batch[doc_id] == 2 \
                    and doc_id not in given:  # type: ignore[index]
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
        found: set[tuple[int, int]] = set(given.get(doc_id, ()))
        if doc_id in partial:
            spans, hard, key_row = partial[doc_id]
            found |= spans
            if hard:
                matcher = _key_matcher(key_row, text)
                for p, length in hard:
                    match = matcher.key_match(p, length)
                    if match is not None:
                        found.add(match)
            if batch[doc_id] & 1:
                for term in literal:
                    found.update(find_literal_fast(text, term))
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
                    found.update(find_literal_fast(text, term))
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
