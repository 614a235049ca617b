"""A query over the token postings (:mod:`.positions`): the walk of a search key, or of a
literal term, over the types that spell its pieces, a window of documents at a time, and the
decoded rows kept between queries."""

from __future__ import annotations

import weakref
from collections import OrderedDict, defaultdict
from typing import Any

import numpy as np

from annotator.services.japanese.positions import (
    END,
    INSIDE,
    START,
    TEXT_END,
    TEXT_START,
    TEXT_WHOLE,
    WHOLE,
    _HIGH,
    decode,
)
from annotator.store import search_positions

__all__ = ["CACHE_BYTES", "KeyQuery", "RowCache", "row_cache"]


_EMPTY = np.zeros(0, dtype=np.uint64)


def _join(bounds: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)`` with ``bounds[i] == keys[j]``; ``bounds`` sorted (repeats allowed),
    ``keys`` sorted and unique."""
    if not len(bounds) or not len(keys):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    if len(bounds) <= len(keys):
        at = np.searchsorted(keys, bounds)
        ok = at < len(keys)
        ok[ok] = keys[at[ok]] == bounds[ok]
        return np.flatnonzero(ok), at[ok]
    low = np.searchsorted(bounds, keys, "left")
    high = np.searchsorted(bounds, keys, "right")
    counts = high - low
    j = np.repeat(np.arange(len(keys)), counts)
    first = np.repeat(low - (np.cumsum(counts) - counts), counts)
    return first + np.arange(len(j)), j


#: Decoded postings rows kept from one query to the next, per project, the least recently used
#: dropped past this many bytes: a row never changes once written (a batch's number is never
#: given to another, also not after :func:`~annotator.store.search_positions.clear`), so a row
#: kept is the row in the file; whether it counts for a document is decided at each query.
CACHE_BYTES = 128 << 20


class RowCache:
    """Decoded postings rows by ``(type, batch)``, least recently used dropped first."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self._rows: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
        value = self._rows.get(key)
        if value is not None:
            self._rows.move_to_end(key)
        return value

    def put(self, key: tuple[int, int], value: tuple[np.ndarray, np.ndarray]) -> None:
        if key in self._rows:
            return
        self._rows[key] = value
        self._bytes += value[0].nbytes + value[1].nbytes
        while self._bytes > self.limit and len(self._rows) > 1:
            _key, (kp, t) = self._rows.popitem(last=False)
            self._bytes -= kp.nbytes + t.nbytes


_CACHES: weakref.WeakKeyDictionary[Any, RowCache] = weakref.WeakKeyDictionary()


def row_cache(project: Any) -> RowCache:
    """The :class:`RowCache` of ``project`` (one per open project, dropped with it)."""
    cache = _CACHES.get(project)
    if cache is None:
        cache = _CACHES[project] = RowCache()
    return cache


class KeyQuery:
    """The matches of one search key (or, with ``literal``, of one literal term) over the
    positioned documents, a window of document ids at a time (:meth:`hits`). The entries of
    the types that spell each piece of it are read once; the postings per window.

    A key match joins tokens on their key positions (a token's key follows the one before
    it); a literal match on their text offsets (a token's text follows the one before it:
    only for a term without a character of the tokens that are not in the postings, see
    :func:`literal_ok`)."""

    def __init__(self, conn: Any, qkey: str, *, literal: bool = False,
                 cache: RowCache | None = None) -> None:
        self.conn, self.qkey, self.literal = conn, qkey, literal
        # Decoded postings rows by (type, batch), kept from one window to the next (a batch
        # is read once, not once per window) and, with the project's cache, between queries.
        self._decoded = cache if cache is not None else RowCache()
        m = len(qkey)
        whole, start, end = (TEXT_WHOLE, TEXT_START, TEXT_END) if literal else (WHOLE, START, END)
        self.roles = whole, start, end
        # What each piece can be: the whole query, a token or the inside of one; a prefix, a
        # token or where a match starts; a piece inside, a token; a suffix, a token or where
        # a match ends.
        wanted: dict[str, set[int]] = defaultdict(set)
        if not literal:
            wanted[qkey] |= {WHOLE, INSIDE}
        for k in range(1, m):
            wanted[qkey[:k]] |= {whole, start}
            wanted[qkey[k:]] |= {whole, end}
            for j in range(k + 1, m):
                wanted[qkey[k:j]].add(whole)
        self.by_key: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
        for role in (WHOLE, START, END, INSIDE, TEXT_WHOLE, TEXT_START, TEXT_END):
            pieces = sorted(piece for piece, roles in wanted.items() if role in roles)
            for key, type_id, got, a, b in search_positions.entries(conn, pieces, [role]):
                self.by_key[key].append((type_id, got, a, b))
        if literal:  # inside one token: every type whose text holds the term, at each place
            for type_id, surface in search_positions.types_containing(conn, qkey):
                at = surface.find(qkey)
                while at != -1:
                    self.by_key[qkey].append((type_id, INSIDE, at, at + m))
                    at = surface.find(qkey, at + 1)

    def _ends_reached(self) -> list[bool]:
        """Per position k of the query: whether some tokens' entries can spell ``qkey[k:]``
        (whole tokens, then one where the match ends): a walk that cannot reach the end
        loads nothing."""
        q, m = self.qkey, len(self.qkey)
        whole, _start, end = self.roles
        reach = [False] * (m + 1)
        reach[m] = True
        for k in range(m - 1, 0, -1):
            if any(role in (whole, end) for _t, role, _a, _b in self.by_key.get(q[k:], ())):
                reach[k] = True
                continue
            reach[k] = any(reach[k + size] and any(role == whole for _t, role, _a, _b in self.by_key.get(q[k : k + size], ()))
                           for size in range(1, m - k))
        return reach

    def hits(self, low: int, high: int, live: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """``(starts, ends)`` of the matches in the documents with ids in ``[low, high)``
        whose tokens are in the postings, ``live`` mapping each such document to the batch
        holding them: global offsets ``document << 32 | code point``, unsorted, maybe repeated
        (a literal term's overlapping occurrences all).

        The tokens of a type are read for every batch of the window where a match may start
        with them, and past that only for the batches of the documents where a match still
        goes on (the rows of a common short token are mostly left unread)."""
        q, m = self.qkey, len(self.qkey)
        whole, start, end = self.roles
        rows: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        docs = np.fromiter(live, dtype=np.int64, count=len(live))
        batch_of = np.full(max(high - low, 0), -1, dtype=np.int64)
        if len(docs):
            batch_of[docs - low] = np.fromiter(live.values(), dtype=np.int64, count=len(live))
        every = sorted(set(live.values()))
        reach = self._ends_reached()
        decoded = self._decoded

        def postings(type_id: int, batches: list[int]) -> tuple[np.ndarray, np.ndarray]:
            """``(join column, text offsets)`` of a type's tokens in ``batches``."""
            todo = [b for b in batches if (type_id, b) not in rows]
            if todo:
                got = {b: decoded.get((type_id, b)) for b in todo}
                unread = [b for b, value in got.items() if value is None]
                for b in unread:
                    got[b] = (_EMPTY, _EMPTY)
                for b, data in search_positions.posting_rows(self.conn, type_id, unread):
                    got[b] = decode(data)
                for b in unread:
                    decoded.put((type_id, b), got[b])  # type: ignore[arg-type]
                for b in todo:
                    kp, t = _live(*got[b], b, low, batch_of)  # type: ignore[misc]
                    rows[type_id, b] = (t, t) if self.literal else (kp, t)
            parts = [rows[type_id, b] for b in batches if len(rows[type_id, b][0])]
            if not parts:
                return _EMPTY, _EMPTY
            if len(parts) == 1:
                return parts[0]
            kp = np.concatenate([p[0] for p in parts])
            t = np.concatenate([p[1] for p in parts])
            if (kp[1:] < kp[:-1]).any():  # a document indexed again sits in a later batch
                order = np.argsort(kp, kind="stable")
                kp, t = kp[order], t[order]
            return kp, t

        starts: list[np.ndarray] = []
        ends: list[np.ndarray] = []
        for type_id, role, a, b in self.by_key.get(q, ()):
            if role == INSIDE or (role == WHOLE and not self.literal):
                _k, t = postings(type_id, every)
                starts.append(t + np.uint64(a))
                ends.append(t + np.uint64(b))
        states: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(m)]
        for k in range(1, m):
            if not reach[k]:
                continue
            for type_id, role, a, b in self.by_key.get(q[:k], ()):
                if role == whole:  # the boundary after it: where the next token starts
                    kp, t = postings(type_id, every)
                    states[k].append((kp + np.uint64(b if self.literal else k), t))
                elif role == start:
                    kp, t = postings(type_id, every)
                    states[k].append((kp + np.uint64(b), t + np.uint64(a)))
        for k in range(1, m):
            parts = [p for p in states[k] if len(p[0])]
            if not parts:
                continue
            bounds = np.concatenate([p[0] for p in parts])
            firsts = np.concatenate([p[1] for p in parts])
            order = np.argsort(bounds, kind="stable")
            bounds, firsts = bounds[order], firsts[order]
            going = np.unique(batch_of[(bounds >> _HIGH).astype(np.int64) - low]).tolist()
            for size in range(1, m - k):
                if not reach[k + size]:
                    continue
                for type_id, role, _a, _b in self.by_key.get(q[k : k + size], ()):
                    if role == whole:
                        kp, _t = postings(type_id, going)
                        i, j = _join(bounds, kp)
                        if len(i):
                            states[k + size].append((kp[j] + np.uint64(size), firsts[i]))
            for type_id, role, _a, b in self.by_key.get(q[k:], ()):
                if role in (whole, end):
                    kp, t = postings(type_id, going)
                    i, j = _join(bounds, kp)
                    if len(i):
                        starts.append(firsts[i])
                        ends.append(t[j] + np.uint64(b))
        if not starts:
            return _EMPTY, _EMPTY
        return np.concatenate(starts), np.concatenate(ends)


def _live(kp: np.ndarray, t: np.ndarray, batch: int, low: int, batch_of: np.ndarray,
          ) -> tuple[np.ndarray, np.ndarray]:
    """The positions of a postings row of ``batch`` whose documents are in the window (from
    ``low``) and have their tokens in that batch (``batch_of``)."""
    if not len(kp):
        return kp, t
    doc = (kp >> _HIGH).astype(np.int64) - low
    inside = (doc >= 0) & (doc < len(batch_of))
    inside[inside] = batch_of[doc[inside]] == batch
    if not inside.all():
        kp, t = kp[inside], t[inside]
    return kp, t
