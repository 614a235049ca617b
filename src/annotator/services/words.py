"""The word at a position, for double-click selection (code points, end-exclusive).

Japanese lines (any kana or kanji on the line) are cut with the reading aids' tokens
(:mod:`annotator.services.japanese.tokens`): a double-click on 北朝鮮 selects 北朝鮮, never the
whole sentence. An opaque token (emoji, astral kanji such as 𠮷) is cut per character cluster.
Other lines use whitespace-delimited words, without the punctuation around them ("Putin," gives
"Putin"; a click on the punctuation itself gives the whole run). Only the sentence around the
position is tokenised (a line of any length costs the same).
"""

from __future__ import annotations

import re
import unicodedata

from annotator.services.japanese.chars import clusters
from annotator.services.japanese.tokens import OPAQUE, tokenize

__all__ = ["word_at", "is_japanese"]

#: Kana, kanji (BMP and astral extensions), the iteration mark and the prolonged sound mark.
_JAPANESE = re.compile("[\u3040-\u30ff\u3005\u3006\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                       "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")
#: Sentence ends: tokenising stops there (a newline always ends a pykakasi run too).
_SENTENCE_END = "。！？!?\n"
#: Longest stretch tokenised on either side of the position.
_REACH = 200


def is_japanese(text: str) -> bool:
    """True when ``text`` holds kana or kanji."""
    return _JAPANESE.search(text) is not None


def _line(text: str, cp: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, cp) + 1
    hi = text.find("\n", cp)
    return lo, len(text) if hi == -1 else hi


def _sentence(text: str, cp: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence around ``cp`` inside the line ``[lo, hi)``, at most ``_REACH`` each side."""
    start = max(lo, cp - _REACH)
    for i in range(cp - 1, start - 1, -1):
        if text[i] in _SENTENCE_END:
            start = i + 1
            break
    end = min(hi, cp + _REACH)
    for i in range(cp, end):
        if text[i] in _SENTENCE_END:
            end = i + 1
            break
    return start, end


def _japanese_word(text: str, cp: int, lo: int, hi: int) -> tuple[int, int]:
    start, end = _sentence(text, cp, lo, hi)
    for token in tokenize(text[start:end]):
        if token.start <= cp - start < token.end:
            a, b = token.start + start, token.end + start
            if token.kind == OPAQUE:
                pos = a
                for cluster in clusters(text[a:b]):
                    if pos <= cp < pos + len(cluster):
                        return pos, pos + len(cluster)
                    pos += len(cluster)
            return a, b
    return cp, cp + 1


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def _plain_word(text: str, cp: int, lo: int, hi: int) -> tuple[int, int]:
    if text[cp].isspace():
        a, b = cp, cp + 1
        while a > lo and text[a - 1].isspace():
            a -= 1
        while b < hi and text[b].isspace():
            b += 1
        return a, b
    a, b = cp, cp + 1
    while a > lo and not text[a - 1].isspace():
        a -= 1
    while b < hi and not text[b].isspace():
        b += 1
    inner_a, inner_b = a, b
    while inner_a < inner_b and _is_punctuation(text[inner_a]):
        inner_a += 1
    while inner_b > inner_a and _is_punctuation(text[inner_b - 1]):
        inner_b -= 1
    if inner_a <= cp < inner_b:
        return inner_a, inner_b
    return a, b


def word_at(text: str, cp: int) -> tuple[int, int]:
    """The word of ``text`` holding code point ``cp`` as ``(start, end)``; ``(cp, cp)`` when
    ``cp`` is outside the text or on a newline."""
    if not 0 <= cp < len(text) or text[cp] == "\n":
        return cp, cp
    lo, hi = _line(text, cp)
    if is_japanese(text[max(lo, cp - _REACH):min(hi, cp + _REACH)]):
        return _japanese_word(text, cp, lo, hi)
    return _plain_word(text, cp, lo, hi)
