"""A :class:`~.reading_index.ReadingIndex` as a row of ``search_readings`` and back.

The row keeps the index's columns as they are (no JSON, no compression), so that loading one
for a search is a few string splits and two ``array.frombytes`` (tens of microseconds for a
news article, against ~2 ms for the compressed JSON of the reading cache):

``(document_id, key, key_length, starts, key_starts, kinds, hira, hepburn, drops)`` with ``starts`` and
``key_starts`` the bytes of ``array('i')``, ``hira``/``hepburn`` the token readings joined by
U+001F (or, when a reading contains U+001F, ``"\\x00"`` followed by their JSON list), as
zlib-compressed UTF-8 (only the window reads them, one document at a time), and
``drops`` the JSON object ``{letters: [tokens that lost them]}``. ``key`` is what the trigram index
``search_keys`` is built over: the index's search key (its first ``key_length`` characters),
then, for each token that lost letters to the key before it (ロシアの|ウラジーミル: ``no|razimiru``),
a line with those letters and :data:`SEGMENT` characters of the key after them, so that a
match starting at such a token (``urazimiru``) is found by the trigrams of its first
:data:`SEGMENT` characters too (see :func:`search_strings`).
"""

from __future__ import annotations

import json
import zlib
from array import array
from collections.abc import Sequence
from typing import Any

from annotator.services.japanese.reading_index import FORMAT_VERSION, ReadingIndex

__all__ = ["RECORD_VERSION", "SEGMENT", "index_from_row", "row_from_index", "search_strings"]

#: How much of the key after a token that lost letters is repeated on its line.
SEGMENT = 12

#: The version under which rows are stored (the reading-index format version).
RECORD_VERSION = FORMAT_VERSION

_SEP = "\x1f"
_JSON = "\x00"


def _join(items: list[str]) -> bytes:
    if any(_SEP in s or s.startswith(_JSON) for s in items):
        joined = _JSON + json.dumps(items, ensure_ascii=False)
    else:
        joined = _SEP.join(items)
    return zlib.compress(joined.encode("utf-8"), 1)


def _split(packed: bytes, n: int) -> list[str]:
    joined = zlib.decompress(packed).decode("utf-8")
    if joined.startswith(_JSON):
        items = json.loads(joined[1:])
    else:
        items = joined.split(_SEP) if n else []
    if len(items) != n:
        raise ValueError("inconsistent readings row")
    return items


def row_from_index(document_id: int, index: ReadingIndex) -> tuple[Any, ...]:
    """The ``search_readings`` row of ``index`` (the index of document ``document_id``)."""
    data = index.to_columns()
    key, key_starts = data["key"], data["key_starts"]
    lines = [key]
    for i, dropped in sorted(data["drops"].items()):
        rest = key[key_starts[i] : key_starts[i] + SEGMENT].split("\n", 1)[0]
        lines.append(dropped + rest)
    return (document_id, "\n".join(lines), len(key), data["starts"].tobytes(), key_starts.tobytes(),
            data["kinds"], _join(data["hira"]), _join(data["hepburn"]),
            json.dumps(_by_letters(data["drops"]), ensure_ascii=False))


def _by_letters(drops: dict[int, str]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for i, letters in sorted(drops.items()):
        grouped.setdefault(letters, []).append(i)
    return grouped


class _Joined(Sequence[str]):
    """The items of a joined column, split on first use (a search reads a few tokens' readings)."""

    __slots__ = ("_items", "_joined", "_n")

    def __init__(self, joined: bytes, n: int) -> None:
        self._joined, self._n = joined, n
        self._items: list[str] | None = None

    def _list(self) -> list[str]:
        if self._items is None:
            self._items = _split(self._joined, self._n)
        return self._items

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self._list()[i]

    def __len__(self) -> int:
        return self._n

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._list())


def index_from_row(row: tuple[Any, ...], text: str, sha256: str) -> ReadingIndex:
    """The index stored in ``row`` for ``text`` (the document's stored text, whose SHA-256 the
    caller has). Its readings are split from their columns when first needed. Raises
    ValueError when the row does not fit the text (rebuild it then)."""
    _doc, searched, key_length, starts_b, key_starts_b, kinds, hira_j, hep_j, drops_j = row
    key = searched[:key_length]
    starts, key_starts = array("i"), array("i")
    starts.frombytes(starts_b)
    key_starts.frombytes(key_starts_b)
    n = len(starts)
    if len(key_starts) != n or len(kinds) != n or (n and starts[0] != 0) or (text and not n) \
            or (n and starts[-1] >= len(text)):
        raise ValueError("the readings row does not fit the text")
    drops = json.loads(drops_j)
    return ReadingIndex.from_stored(text, starts, kinds, _Joined(hira_j, n), _Joined(hep_j, n),
                                    key, key_starts, drops, sha256)


def search_strings(qkey: str) -> list[str]:
    """What to look up in ``search_keys`` for the documents that may match the search key
    ``qkey``: its first :data:`SEGMENT` characters (a match inside the key contains them; one
    that starts at a token that lost letters is on that token's line). [] for an empty key."""
    return [qkey[:SEGMENT]] if qkey else []
