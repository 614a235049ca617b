"""Reading matches over a whole corpus from where each token type occurs, not document by document.

The readings rows of ``search_readings`` hold, per document, its search key and where each
token's key starts (see :mod:`.search_records`). Matching a common word there means reading and
scanning every document's row (about 20 µs each, 2 s over 100,000 documents before the first
comparison). This module indexes the tokens instead (``annotator.store.search_positions``):

- a token *type* is ``(surface, stored key, dropped letters)``; what it can contribute to a
  match is computed once per type, from its surface and key alone (:func:`type_entries`): the
  whole token, a match that starts in it (at a valid cut, as ``ReadingIndex._match_start``
  picks it) and goes on, one that ends in it, or one inside it;
- each indexing batch writes, per type, where its tokens are: ``(document << 32 | key
  position)`` and ``(document << 32 | text offset)``, delta-coded and compressed
  (:func:`encode`).

A query is then a walk over the search key (:class:`.postings_query.KeyQuery`): the types whose entries spell
each piece of it, joined on "the next token's key starts where this one's ends", with numpy
over sorted arrays: the work grows with the tokens of the types the key is made of, not with the
documents. The result is exactly what ``ReadingIndex.find_key`` gives document by document
(tests compare the two on random texts).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any

import numpy as np

from annotator.services.japanese.romaji import query_key
from annotator.services.japanese.search_records import RECORD_VERSION
from annotator.store import search_positions

__all__ = ["END", "INSIDE", "POSITIONS_VERSION", "START", "TEXT_END", "TEXT_START", "TEXT_WHOLE",
           "WHOLE", "Batch", "Spans", "all_entries", "build_batch", "decode", "encode", "literal_ok",
           "prepare", "store_batch", "store_steps", "text_entries", "type_entries"]

#: The version under which a document's tokens are in the postings (the readings' version and
#: this module's own).
POSITIONS_VERSION = RECORD_VERSION * 100 + 1

#: Roles of a type's entries (see ``annotator.store.search_positions``): by its key, then by
#: its text.
WHOLE, START, END, INSIDE = 0, 1, 2, 3
TEXT_WHOLE, TEXT_START, TEXT_END = 4, 5, 6

#: A document whose key or text is this long or longer is matched document by document.
MAX_OFFSET = 1 << 32

Entry = tuple[str, int, int, int]  # (key, role, a, b)


@lru_cache(maxsize=4096)
def type_entries(surface: str, stored: str, dropped: str) -> tuple[Entry, ...]:
    """What a token of this type contributes to matches: ``(key, role, a, b)`` (see
    ``annotator.store.search_positions``). ``dropped + stored`` is the token's own key; a cut
    inside its surface is valid where the keys of both sides, read alone, make that key
    (``matching.split_point``): a match starting there takes the largest such cut, one ending
    there the smallest."""
    if "\n" in stored or not (stored or dropped):
        return ()
    local = dropped + stored
    length, d, n = len(surface), len(dropped), len(stored)
    starts_at: dict[int, int] = {}
    ends_at: dict[int, int] = {}
    if length > 1 and len(local) > 1:
        for cut in range(1, length):
            left = query_key(surface[:cut])
            if 0 < len(left) < len(local) and left + query_key(surface[cut:]) == local:
                starts_at[len(left)] = cut  # ascending: the largest stays
                ends_at.setdefault(len(left), cut)
    out: list[Entry] = []
    end_options = [(off - d, cut) for off, cut in sorted(ends_at.items()) if 1 <= off - d < n]
    end_options.append((n, length))
    if stored:
        start_options = [(off - d, cut) for off, cut in sorted(starts_at.items()) if 1 <= off - d < n]
        out.append((stored, WHOLE, 0, length))
        out.extend((stored[o:], START, cut, n) for o, cut in start_options)
        out.extend((stored[:o], END, 0, cut) for o, cut in end_options[:-1])
        for o1, a in [(0, 0), *start_options]:
            for o2, b in end_options:
                if o1 < o2 and a < b and not (o1 == 0 and o2 == n):
                    out.append((stored[o1:o2], INSIDE, a, b))
    if dropped:  # a match may start with the letters the token lost (ReadingIndex.find_key)
        out.append((local, START, 0, n))
        if stored:
            out.extend((dropped + stored[:o], INSIDE, 0, b) for o, b in end_options)
    return tuple(out)


def text_entries(surface: str) -> list[Entry]:
    """What a token contributes to literal matches: its text, each end of it from a
    character on (where a match starts inside it), each start of it up to one (where a match
    ends inside it); a match inside it is found by scanning the types' texts."""
    n = len(surface)
    out: list[Entry] = [(surface, TEXT_WHOLE, 0, n)]
    out.extend((surface[a:], TEXT_START, a, n) for a in range(1, n))
    out.extend((surface[:b], TEXT_END, 0, b) for b in range(1, n))
    return out


def all_entries(token_type: tuple[str, str, str]) -> list[Entry]:
    """The entries of a type (surface, stored, dropped): by its key and by its text."""
    return [*type_entries(*token_type), *text_entries(token_type[0])]


def literal_ok(conn: Any, term: str) -> bool:
    """Whether the literal occurrences of ``term`` are all found from the postings: a term
    without cased letters (found exactly, as ``str.find`` finds it) nor characters of the
    tokens that are not in the postings (spaces, signs)."""
    if not term.strip() or term.lower() != term or term.upper() != term:
        return False
    return not search_positions.unkeyed_among(conn, set(term))


_HIGH = np.uint64(32)
_LOW = np.uint64((1 << 32) - 1)


def encode(keys: np.ndarray, texts: np.ndarray) -> bytes:
    """The postings blob of one type in one batch, from its tokens' global key positions and
    text offsets (``document << 32 | offset``, in document and token order): three uint32
    columns (the document's increase, then the key position and the text offset, each less the
    one before in the same document), byte planes apart (the high bytes are mostly zero),
    compressed."""
    doc = (keys >> _HIGH).astype(np.uint32)
    k = (keys & _LOW).astype(np.uint32)
    t = (texts & _LOW).astype(np.uint32)
    same = np.zeros(len(doc), dtype=bool)
    same[1:] = doc[1:] == doc[:-1]
    dk, dt = k.copy(), t.copy()
    dk[1:][same[1:]] -= k[:-1][same[1:]]
    dt[1:][same[1:]] -= t[:-1][same[1:]]
    columns = np.concatenate([np.diff(doc, prepend=np.uint32(0)), dk, dt])
    return zlib.compress(columns.view(np.uint8).reshape(-1, 4).T.tobytes(), 1)


def decode(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`encode`: ``(key positions, text offsets)`` as uint64 arrays."""
    planes = np.frombuffer(zlib.decompress(data), dtype=np.uint8)
    n = len(planes) // 12
    values = planes.reshape(4, -1).T.copy().view("<u4").ravel()
    dd, dk, dt = values[:n], values[n : 2 * n], values[2 * n :]
    doc = np.cumsum(dd, dtype=np.uint64) << _HIGH
    first = np.ones(n, dtype=bool)
    first[1:] = dd[1:] != 0
    base = np.maximum.accumulate(np.where(first, np.arange(n), 0))  # each one's document start
    ck = np.cumsum(dk, dtype=np.uint64)
    ct = np.cumsum(dt, dtype=np.uint64)
    k = ck - (ck[base] - dk[base])
    t = ct - (ct[base] - dt[base])
    return doc | k, doc | t


class Spans(Sequence[tuple[int, int]]):
    """The ``(start, end)`` spans of one document's hits: a slice ``[first, last)`` of two
    integer arrays shared by the documents of a window. A Python tuple is made for a hit only
    when it is asked for, so a million hits are a few arrays, not a million tuples. Compares
    equal to any sequence of the same pairs."""

    __slots__ = ("_ends", "_first", "_last", "_starts")

    def __init__(self, starts: np.ndarray, ends: np.ndarray, first: int = 0, last: int | None = None) -> None:
        self._starts, self._ends = starts, ends
        self._first, self._last = first, len(starts) if last is None else last

    def __len__(self) -> int:
        return self._last - self._first

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step != 1:
                return list(self)[i]
            return Spans(self._starts, self._ends, self._first + a, self._first + max(a, b))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return int(self._starts[self._first + i]), int(self._ends[self._first + i])

    def __iter__(self):  # type: ignore[no-untyped-def]
        a, b = self._first, self._last
        return zip(self._starts[a:b].tolist(), self._ends[a:b].tolist(), strict=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(other) == len(self) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spans({list(self)!r})"


class Batch:
    """The tokens of a batch of documents, by type, ready to be stored."""

    __slots__ = ("blobs", "documents", "entries", "keys", "skipped", "texts", "types")

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], list[Entry]] = {}  # computed ahead (a worker)
        self.blobs: list[tuple[int, int, bytes]] = []  # per type, encoded ahead: (first, last, data)
        self.types: list[tuple[str, str, str]] = []
        # per type: global key positions and text offsets (a list of arrays once merged)
        self.keys: list[Any] = []
        self.texts: list[Any] = []
        self.documents: list[tuple[int, str]] = []  # (id, SHA-256 of the text)
        self.skipped: set[str] = set()  # characters of tokens with no key (not in the postings)


    def merge(self, other: Batch) -> None:
        """Add the tokens of ``other`` (later documents) to this batch. A type's arrays are
        joined only when the batch is written (:meth:`arrays`), one type at a time."""
        number = {t: i for i, t in enumerate(self.types)}
        for t, keys, texts in zip(other.types, other.keys, other.texts, strict=True):
            i = number.get(t)
            if i is None:
                number[t] = len(self.types)
                self.types.append(t)
                self.keys.append(keys)
                self.texts.append(texts)
            else:
                self.keys[i] = [*_parts(self.keys[i]), keys]
                self.texts[i] = [*_parts(self.texts[i]), texts]
        self.documents += other.documents
        self.skipped |= other.skipped
        self.entries.update(other.entries)

    def arrays(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(key positions, text offsets)`` of type ``i``'s tokens, in document order."""
        keys, texts = self.keys[i], self.texts[i]
        if isinstance(keys, list):
            return np.concatenate(keys), np.concatenate(texts)  # type: ignore[arg-type]
        return keys, texts


def _parts(value: np.ndarray | list[np.ndarray]) -> list[np.ndarray]:
    return value if isinstance(value, list) else [value]


class _Ids(dict):  # type: ignore[type-arg]
    """Type -> its number in the batch, numbered as first met."""

    def __missing__(self, key: tuple[str, str, str]) -> int:
        value = self[key] = len(self)
        return value


def _tokens(row: Sequence[Any], text: str) -> tuple[list[tuple[str, str, str]], np.ndarray, np.ndarray, set[str]] | None:
    """``(types, key starts, text starts, characters of the others)`` of the tokens of a
    document that have a key or lost letters (the others, spaces, line breaks and signs, are
    in no match), from
    its readings row; None when the row does not fit the text (or the document is too long)."""
    _doc, searched, key_length, starts_b, key_starts_b, kinds, _h, _p, drops_j = row
    key = searched[:key_length]
    starts = np.frombuffer(starts_b, dtype=np.int32)
    ks = np.frombuffer(key_starts_b, dtype=np.int32)
    n = len(starts)
    if len(ks) != n or len(kinds) != n or (n and starts[0] != 0) or (text and not n) \
            or (n and starts[-1] >= len(text)) or len(text) >= MAX_OFFSET or len(key) >= MAX_OFFSET:
        return None
    ends = np.append(starts[1:], len(text))
    kends = np.append(ks[1:], len(key))
    keep = (kends != ks) & (np.frombuffer(kinds.encode("ascii"), dtype=np.uint8) != ord("s"))
    drops = {i: d for d, ids in json.loads(drops_j).items() for i in ids}
    if drops:
        keep[list(drops)] = True
    skipped: set[str] = set()
    if not keep.all():
        for s, e in zip(starts[~keep].tolist(), ends[~keep].tolist(), strict=True):
            skipped.update(text[s:e])
    where = np.flatnonzero(keep)
    s_list, e_list = starts[where].tolist(), ends[where].tolist()
    a_list, b_list = ks[where].tolist(), kends[where].tolist()
    surfaces = [text[s:e] for s, e in zip(s_list, e_list, strict=True)]
    stored = [key[a:b] for a, b in zip(a_list, b_list, strict=True)]
    if drops:
        dropped = [drops.get(i, "") for i in where.tolist()]
        types = list(zip(surfaces, stored, dropped, strict=True))
    else:
        types = list(zip(surfaces, stored, repeat(""), strict=False))
    return types, ks[where], starts[where], skipped


def build_batch(items: Iterable[tuple[int, Sequence[Any], str, str]]) -> Batch:
    """The :class:`Batch` of ``(document_id, readings row, text, its SHA-256)`` items (a
    document whose row does not fit its text has no reading matches: it has no tokens). Touches no
    project: safe in a worker thread."""
    batch = Batch()
    local = _Ids()
    ids_parts, keys_parts, texts_parts = [], [], []
    for doc_id, row, text, sha in sorted(items, key=lambda item: item[0]):
        batch.documents.append((doc_id, sha))
        found = _tokens(row, text)
        if found is None:  # no reading matches (as document by document): no tokens
            continue
        types, ks, starts, skipped = found
        batch.skipped |= skipped
        ids_parts.append(np.array(list(map(local.__getitem__, types)), dtype=np.int32))
        base = np.uint64(doc_id) << _HIGH
        keys_parts.append(ks.astype(np.uint64) | base)
        texts_parts.append(starts.astype(np.uint64) | base)
    if not ids_parts or not local:
        return batch
    ids = np.concatenate(ids_parts)
    keys = np.concatenate(keys_parts)
    texts = np.concatenate(texts_parts)
    order = np.argsort(ids, kind="stable")  # by type, each in document and token order
    ids, keys, texts = ids[order], keys[order], texts[order]
    bounds = np.flatnonzero(np.diff(ids)) + 1
    batch.types = list(local)
    batch.keys = np.split(keys, bounds)
    batch.texts = np.split(texts, bounds)
    return batch


def store_batch(conn: Any, batch: Batch) -> int:
    """Write ``batch`` inside the caller's write transaction (``BEGIN IMMEDIATE``); documents
    that are gone, hold another text now (an id used again) or have no readings row of this
    version any more are left out (it was read before the transaction). Returns how many
    documents' tokens were stored."""
    if not batch.documents:
        return 0
    current = search_positions.current_documents(conn, [d for d, _s in batch.documents], RECORD_VERSION)
    documents = [d for d, sha in batch.documents if current.get(d) == sha]
    if not documents:
        return 0
    keep = None
    if len(documents) != len(batch.documents):
        keep = np.array(documents, dtype=np.uint64)
    number = search_positions.next_batch(conn)
    ids, new = search_positions.type_ids(conn, batch.types)
    ahead = batch.entries
    keys = [(key, ids[i], role, a, b) for i in new
            for key, role, a, b in (ahead.get(batch.types[i]) or all_entries(batch.types[i]))]
    postings = []
    for i, type_id in enumerate(ids):
        kpos, tpos = batch.arrays(i)
        if keep is not None:
            mask = np.isin(kpos >> _HIGH, keep)
            kpos, tpos = kpos[mask], tpos[mask]
            if not len(kpos):
                continue
        postings.append((type_id, int(kpos[0] >> _HIGH), int(kpos[-1] >> _HIGH), encode(kpos, tpos)))
    search_positions.store_batch(conn, number, POSITIONS_VERSION, keys, postings, documents,
                                 batch.skipped)
    return len(documents)


def prepare(batch: Batch, cancel: Callable[[], bool] | None = None) -> bool:
    """Compute ahead what :func:`store_steps` writes (safe in a worker thread): each type's
    entries and encoded postings. False when ``cancel()`` said so."""
    for i, t in enumerate(batch.types):
        if i % 64 == 0 and cancel is not None and cancel():
            return False
        kpos, tpos = batch.arrays(i)
        batch.entries[t] = all_entries(t)
        batch.blobs.append((int(kpos[0] >> _HIGH), int(kpos[-1] >> _HIGH), encode(kpos, tpos)))
    return True


def store_steps(batch: Batch, types_per_step: int = 16, rows_per_step: int = 64,
                ) -> Iterator[Callable[[Any], int]]:
    """Writing a :func:`prepare`-d batch as a series of short steps, each to run in its own
    write transaction (retried as it is when the write lock is taken): the batch's number;
    the types, each new one with its entries, a few at a time; the postings rows (which count
    for no document yet); last, the documents still as they were read become the batch's (the
    step's value: how many), unless the types' ids were given to others meanwhile (the
    postings cleared by another program: then none). A series stopped half-way leaves rows no
    document counts."""
    number: list[int] = []
    ids = [0] * len(batch.types)

    def take_number(conn: Any) -> int:
        number[:] = [search_positions.next_batch(conn)]
        return 0

    yield take_number
    for at in range(0, len(batch.types), types_per_step):
        def add_types(conn: Any, at: int = at) -> int:
            part = batch.types[at : at + types_per_step]
            got, new = search_positions.type_ids(conn, part)
            ids[at : at + len(got)] = got
            search_positions.add_entries(conn, [(key, got[i], role, a, b) for i in new
                                                for key, role, a, b in batch.entries[part[i]]])
            return 0
        yield add_types
    for at in range(0, len(batch.types), rows_per_step):
        def add_rows(conn: Any, at: int = at) -> int:
            search_positions.add_postings(conn, number[0], [
                (ids[i], *batch.blobs[i]) for i in range(at, min(at + rows_per_step, len(ids)))])
            return 0
        yield add_rows

    def finish(conn: Any) -> int:
        if not search_positions.types_unchanged(conn, ids, batch.types):
            return 0  # the postings were cleared meanwhile (another version's rebuild)
        current = search_positions.current_documents(conn, [d for d, _s in batch.documents], RECORD_VERSION)
        documents = [d for d, sha in batch.documents if current.get(d) == sha]
        search_positions.add_documents(conn, number[0], POSITIONS_VERSION, documents, batch.skipped)
        return len(documents)

    yield finish
