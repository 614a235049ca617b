"""A per-document reading index: tokens, readings and one search-key string.

The index keeps, per token, its start offset, kind, hiragana and Hepburn reading (katakana is
derived from the hiragana), plus the concatenation of all tokens' search keys (see
:mod:`.romaji`) and where each token's key starts in it. Finding a reading is then a
``str.find`` loop over one string; positions map back to tokens by bisection, and from tokens
to code-point offsets of the original text. A newline in the text is a barrier in the key
(a match never spans lines).

The index is serialisable (:meth:`ReadingIndex.to_dict` / :meth:`ReadingIndex.to_bytes`) so
the store can cache it per document, keyed by the text's SHA-256 and :data:`FORMAT_VERSION`.
The text itself is not serialised: the caller passes it back to ``from_dict``/``from_bytes``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

from annotator.services.japanese import romaji
from annotator.services.japanese.chars import HIRA_TO_KATA
from annotator.services.japanese.matching import find_literal, split_point
from annotator.services.japanese.progress import CancelCheck, ProgressCallback
from annotator.services.japanese.run_memo import iter_token_tuples
from annotator.services.japanese.tokens import OPAQUE, SPACE, WORD, Token

FORMAT = "annotator.reading-index"
#: Version of the serialised form; includes the key normalisation version.
FORMAT_VERSION = 1 * 1000 + romaji.KEY_VERSION

_KIND_CODE = {WORD: "w", SPACE: "s", OPAQUE: "o"}
_CODE_KIND = {v: k for k, v in _KIND_CODE.items()}


class IndexFormatError(ValueError):
    """A serialised index has another format or version, or does not belong to the text."""


def text_sha256(text: str) -> str:
    """Return the hex SHA-256 of the UTF-8 bytes of ``text`` (the document's identity)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _token_key(kind: str, surface: str, hepburn: str) -> str:
    if kind == "s":
        return "\n" if "\n" in surface else ""
    return romaji.normalise(surface if kind == "o" else hepburn)


#: What an index keeps per token: start offsets, kind codes, hiragana, Hepburn, search keys.
Columns = tuple["array[int]", str, list[str], list[str], list[str]]


def token_columns(text: str, tuples: Iterable[tuple[int, int, str, str, str, str]]) -> Columns:
    """Turn token tuples (see :func:`.tokens.iter_token_tuples`) of ``text`` into the per-token
    columns of an index: ``(starts, kind codes, hiragana, hepburn, search keys)``.

    The search keys of neighbouring tokens are only joined later (:meth:`ReadingIndex.from_columns`),
    so the columns of consecutive slices of a text, offsets shifted and concatenated, are the
    columns of the whole text.
    """
    starts, kinds, hira, hep, keys = array("i"), [], [], [], []
    intern = sys.intern
    for s, e, h, _k, r, kind in tuples:
        code = _KIND_CODE[kind]
        starts.append(s)
        kinds.append(code)
        hira.append(intern(h))
        hep.append(intern(r))
        keys.append(_token_key(code, text[s:e], r))
    return starts, "".join(kinds), hira, hep, keys


class ReadingIndex:
    """Readings and search keys of one text. Build with :meth:`build`; never mutated.

    ``text`` is the indexed text (code points; offsets everywhere are into it).
    """

    __slots__ = (
        "_drops", "_drops_by_text", "_hepburn", "_hira", "_key_starts", "_kinds", "_starts", "key", "sha256", "text",
    )

    def __init__(
        self,
        text: str,
        starts: array[int],
        kinds: str,
        hira: list[str],
        hepburn: list[str],
        key: str,
        key_starts: array[int],
        drops: dict[int, str],
        sha256: str | None = None,
    ) -> None:
        self.text = text
        self.sha256 = sha256 or text_sha256(text)
        self._starts, self._kinds, self._hira, self._hepburn = starts, kinds, hira, hepburn
        self.key, self._key_starts, self._drops = key, key_starts, drops
        self._drops_by_text: dict[str, list[int]] = {}
        for i, d in drops.items():
            self._drops_by_text.setdefault(d, []).append(i)

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(
        cls, text: str, progress: ProgressCallback | None = None, cancel: CancelCheck | None = None
    ) -> ReadingIndex:
        """Tokenise ``text`` with the exact pykakasi wrapper and build its index.

        Linear in ``len(text)``. ``progress(done_chars, total_chars)`` is called every few
        thousand characters (return False to cancel); ``cancel()`` returning True cancels.
        Cancelling raises :class:`~.progress.IndexingCancelled`. Safe to run in a worker thread.
        """
        return cls.from_columns(text, *token_columns(text, iter_token_tuples(text, progress, cancel)))

    @classmethod
    def from_columns(
        cls, text: str, starts: array[int], kinds: str, hira: list[str], hepburn: list[str], keys: list[str]
    ) -> ReadingIndex:
        """Build the index from the :func:`token_columns` of all the tokens of ``text``."""
        key, key_starts, drops = romaji.join_keys(keys)
        return cls(text, starts, kinds, hira, hepburn, key, array("i", key_starts), drops)

    @classmethod
    def from_stored(
        cls, text: str, starts: array[int], kinds: str, hira: Sequence[str], hepburn: Sequence[str],
        key: str, key_starts: array[int], drops_by_text: dict[str, list[int]], sha256: str,
    ) -> ReadingIndex:
        """Rebuild an index from its :meth:`to_columns` as the search index stores them:
        ``drops_by_text`` maps the letters a token lost to the tokens that lost them;
        ``hira``/``hepburn`` may be lazy sequences (only the tokens a match needs are read)."""
        self = cls.__new__(cls)
        self.text, self.sha256 = text, sha256
        self._starts, self._kinds, self._hira, self._hepburn = starts, kinds, hira, hepburn  # type: ignore[assignment]
        self.key, self._key_starts = key, key_starts
        self._drops_by_text = drops_by_text
        self._drops = {i: d for d, ids in drops_by_text.items() for i in ids}
        return self

    @classmethod
    def for_keys(cls, text: str, starts: array[int], key: str, key_starts: array[int],
                 drops_by_text: dict[str, list[int]]) -> ReadingIndex:
        """An index that only matches search keys (:meth:`find_key`, :meth:`key_match`), from
        the stored columns a key match reads: no readings are loaded, so its tokens have none
        (do not ask it for :meth:`token`)."""
        return cls.from_stored(text, starts, "", (), (), key, key_starts, drops_by_text, "")

    def to_columns(self) -> dict[str, Any]:
        """The index's own columns: ``key``, ``starts``, ``key_starts`` (arrays), ``kinds``,
        ``hira``, ``hepburn`` (lists) and ``drops`` (token -> letters); not copies."""
        return {"key": self.key, "starts": self._starts, "key_starts": self._key_starts,
                "kinds": self._kinds, "hira": self._hira, "hepburn": self._hepburn,
                "drops": self._drops}

    # -- tokens ---------------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of tokens."""
        return len(self._starts)

    def token_bounds(self, i: int) -> tuple[int, int]:
        """Return ``(start, end)`` of token ``i`` in the text."""
        end = self._starts[i + 1] if i + 1 < len(self._starts) else len(self.text)
        return self._starts[i], end

    def token(self, i: int) -> Token:
        """Return token ``i`` as a :class:`~.tokens.Token` (katakana derived from hiragana)."""
        s, e = self.token_bounds(i)
        h = self._hira[i]
        return Token(s, e, self.text[s:e], h, h.translate(HIRA_TO_KATA), self._hepburn[i], _CODE_KIND[self._kinds[i]])

    def tokens(self) -> list[Token]:
        """Return all tokens, in order; they tile the text exactly."""
        return [self.token(i) for i in range(len(self._starts))]

    def token_index_at(self, pos: int) -> int | None:
        """Return the index of the token containing code point ``pos``, or None if out of range."""
        if not 0 <= pos < len(self.text):
            return None
        return bisect_right(self._starts, pos) - 1

    # -- finding --------------------------------------------------------------------------
    def find_key(self, qkey: str) -> list[tuple[int, int]]:
        """Return ``(start, end)`` of every match of a search key (see :func:`.romaji.query_key`).

        Each match starts and ends on a token boundary, or inside a token where the token's
        surface splits exactly into the reading before and after (ウラジーミル・|プーチン,
        北|朝鮮); other matches inside a token are dropped. Sorted, without duplicates.
        """
        if not qkey:
            return []
        key, ks = self.key, self._key_starts
        out: set[tuple[int, int]] = set()
        p = key.find(qkey)
        while p != -1:
            found = self.key_match(p, len(qkey))
            if found is not None:
                out.add(found)
            p = key.find(qkey, p + 1)
        for dropped, token_indexes in self._drops_by_text.items():
            if qkey.startswith(dropped) and len(qkey) > len(dropped):
                rest = qkey[len(dropped) :]
                for i in token_indexes:
                    p = ks[i]
                    if key.startswith(rest, p):
                        q = p + len(rest)
                        j = bisect_right(ks, q - 1) - 1
                        e = self._match_end(j, q - ks[j])
                        if e is not None:
                            out.add((self._starts[i], e))
        return sorted(out)

    def key_match(self, p: int, length: int) -> tuple[int, int] | None:
        """``(start, end)`` in the text of the match of ``length`` key characters found at key
        position ``p`` (as :meth:`find_key` maps each one), or None when it is dropped."""
        ks = self._key_starts
        q = p + length
        i = bisect_right(ks, p) - 1
        j = bisect_right(ks, q - 1) - 1
        s = self._match_start(i, p - ks[i])
        e = self._match_end(j, q - ks[j]) if s is not None else None
        return (s, e) if s is not None and e is not None and s < e else None

    def find_literal(self, term: str) -> list[tuple[int, int]]:
        """Return ``(start, end)`` of every case-insensitive literal occurrence of ``term``."""
        return find_literal(self.text, term)

    def find(self, query: str) -> list[tuple[int, int]]:
        """Literal and reading matches of ``query`` (kana, kanji, romaji), sorted, deduplicated."""
        return sorted(set(self.find_literal(query)) | set(self.find_key(romaji.query_key(query))))

    def _key_of(self, i: int) -> str:
        end = self._key_starts[i + 1] if i + 1 < len(self._key_starts) else len(self.key)
        return self.key[self._key_starts[i] : end]

    # A token's own key (``_token_key`` of its surface and reading) is the letters it lost to
    # the key before it (``_drops``) followed by its part of the joined key (``_key_of``):
    # ``romaji.join_keys`` only ever trims the front. So matching reads no reading.
    def _match_start(self, i: int, off: int) -> int | None:
        s, e = self.token_bounds(i)
        if off == 0:
            return s
        stored = self._key_of(i)
        local = self._drops.get(i, "") + stored
        a = split_point(self.text[s:e], local, off + len(local) - len(stored), True)
        return None if a is None else s + a

    def _match_end(self, j: int, off: int) -> int | None:
        s, e = self.token_bounds(j)
        stored = self._key_of(j)
        if off == len(stored):
            return e
        local = self._drops.get(j, "") + stored
        b = split_point(self.text[s:e], local, off + len(local) - len(stored), False)
        return None if b is None else s + b

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict (without the text) for :meth:`from_dict`."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "sha256": self.sha256,
            "length": len(self.text),
            "starts": self._starts.tolist(),
            "kinds": self._kinds,
            "hira": list(self._hira),
            "hepburn": list(self._hepburn),
            "key": self.key,
            "key_starts": self._key_starts.tolist(),
            "drops": [[i, d] for i, d in sorted(self._drops.items())],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], text: str) -> ReadingIndex:
        """Rebuild an index from :meth:`to_dict` output and the text it was built from.

        Raises :class:`IndexFormatError` if the format/version differ (rebuild the index then)
        or if ``text`` is not the indexed text (SHA-256 or length differ) or the data is broken.
        """
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise IndexFormatError(f"not a {FORMAT} version {FORMAT_VERSION}")
        sha = text_sha256(text)
        if data.get("sha256") != sha or data.get("length") != len(text):
            raise IndexFormatError("the index was built from another text")
        try:
            starts = array("i", data["starts"])
            n = len(starts)
            fields = (data["kinds"], data["hira"], data["hepburn"], data["key_starts"])
            if any(len(f) != n for f in fields) or (n and starts[0] != 0) or (text and not n):
                raise IndexFormatError("inconsistent index data")
            intern = sys.intern
            return cls(
                text, starts, data["kinds"], [intern(h) for h in data["hira"]],
                [intern(h) for h in data["hepburn"]], data["key"], array("i", data["key_starts"]),
                {int(i): str(d) for i, d in data["drops"]}, sha,
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            if isinstance(exc, IndexFormatError):
                raise
            raise IndexFormatError(f"broken index data: {exc}") from exc

    def to_bytes(self) -> bytes:
        """Return the compact form: zlib-compressed UTF-8 JSON of :meth:`to_dict`."""
        raw = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        return zlib.compress(raw.encode("utf-8"), 6)

    @classmethod
    def from_bytes(cls, blob: bytes, text: str) -> ReadingIndex:
        """Inverse of :meth:`to_bytes`; raises :class:`IndexFormatError` like :meth:`from_dict`."""
        try:
            data = json.loads(zlib.decompress(blob).decode("utf-8"))
        except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IndexFormatError(f"not a compressed reading index: {exc}") from exc
        if not isinstance(data, dict):
            raise IndexFormatError("not a reading index")
        return cls.from_dict(data, text)
