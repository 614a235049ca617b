"""Search keys: one comparable form for kana, romaji and plain text.

A key is built from Hepburn romaji (pykakasi's, or what the user typed) by :func:`normalise`:

1. NFKC, case-folded; macron/circumflex vowels lose their accent (ō -> o);
2. everything that is not a letter or digit is removed (spaces, hyphens, ・, apostrophes, ー);
3. Hepburn and Kunrei spellings meet: shi/si, chi/ti, tsu/tu, fu/hu, ji/zi, di/zi, du/zu,
   sh/sy, ch/ty, j/zy; wo -> o; m before b/p -> n (shimbun = shinbun);
4. long vowels and double consonants collapse: any repeated Latin letter becomes one
   (aa, ii, uu, ee, oo, nn, kk, tt...; digits are never collapsed), ``ou`` -> ``o`` and
   ``oh`` -> ``o`` before a consonant or at the end (ō/ou/oo/oh -> o).

``ei`` is kept (Hepburn writes 経済 keizai; folding it would merge け and けい everywhere).
Keys are lossy by design: they trade precision for recall (チ and ティ both give ``ti``).
So ``puchin``, ``Putin`` and プーチン (pykakasi: ``puuchin``) all give ``putin``, and
``kitachousen``, ``kitachosen`` and 北朝鮮 all give ``kitatyosen``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

#: Part of the reading-index format: change it whenever keys change.
KEY_VERSION = 1

_ACCENTS = str.maketrans("āâàáīîìíūûùúēêèéōôòó", "aaaaiiiiuuuueeeeoooo")
_NON_WORD = re.compile(r"[\W_ー]+")
_VARIANTS = {
    "tsu": "tu", "shi": "si", "chi": "ti", "sh": "sy", "ch": "ty",
    "ji": "zi", "j": "zy", "fu": "hu", "di": "zi", "du": "zu", "wo": "o", "mb": "nb", "mp": "np",
}
_VARIANT_RE = re.compile("|".join(sorted(_VARIANTS, key=len, reverse=True)))
_REPEAT = re.compile(r"([a-z])\1+")
_OU = re.compile(r"ou")
_OH = re.compile(r"oh(?![aiueoy])")


@lru_cache(maxsize=65536)
def normalise(romaji: str) -> str:
    """Return the search key of one string (romaji, or any text: kanji/kana stay as they are).

    Expects romaji as pykakasi produces it or as a user types it. Kana in the input are NOT
    converted here (use :func:`query_key` for user input in kana or kanji).
    """
    s = unicodedata.normalize("NFKC", romaji).casefold().translate(_ACCENTS)
    s = _NON_WORD.sub("", s)
    if not s:
        return s
    s = _VARIANT_RE.sub(lambda m: _VARIANTS[m.group()], s)
    s = _REPEAT.sub(r"\1", s)
    s = _OH.sub("o", _OU.sub("o", s))
    return _REPEAT.sub(r"\1", s)


def join_keys(keys: Iterable[str]) -> tuple[str, list[int], dict[int, str]]:
    """Concatenate per-token keys into one key string, applying the collapse rules across
    token boundaries: a key that starts with the letter the previous key ends with (日本|の
    ``nihon|no`` -> ``nihono``), or with ``u`` after ``o``, loses those first letters.

    Returns ``(key, starts, drops)``: ``starts[i]`` is where token i's key begins in ``key``
    (tokens whose key became empty share the start of the next one) and ``drops[i]`` the
    letters token i lost, so that a search can still find a match starting at token i
    (ロシアの|ウラジーミル ``no|urazimiru``).
    """
    parts: list[str] = []
    starts: list[int] = []
    drops: dict[int, str] = {}
    pos = 0
    last = ""
    for i, k in enumerate(keys):
        starts.append(pos)
        if k and last:
            trimmed = _trim_front(last, k)
            if len(trimmed) != len(k):
                drops[i] = k[: len(k) - len(trimmed)]
                k = trimmed
        if k:
            parts.append(k)
            pos += len(k)
            last = k[-1]
    return "".join(parts), starts, drops


def _trim_front(last: str, k: str) -> str:
    while k and "a" <= k[0] <= "z" and (k[0] == last or (last == "o" and k[0] == "u")):
        k = k[1:]
    return k


@lru_cache(maxsize=4096)
def query_key(query: str) -> str:
    """Return the search key of a user's query in romaji, kana, kanji or any mix.

    The query is read with the same exact pykakasi wrapper as the documents (kanji and kana
    become Hepburn; Latin letters stay) and the whole romaji is normalised at once (so a
    query's own spelling is never cut at pykakasi's token boundaries: ``kita-chōsen``).
    Returns "" for a query without letters or digits. An ASCII query is its own romaji (the
    reader keeps Latin letters, digits and signs as they are), so it is normalised without
    loading pykakasi's dictionaries (about 0.8 s of a command's start-up).
    """
    if query.isascii():
        return normalise(query)
    from annotator.services.japanese.tokens import iter_token_tuples

    return normalise("".join(hep for _s, _e, _h, _k, hep, kind in iter_token_tuples(query) if kind != "space"))
