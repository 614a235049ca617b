"""Character classes that decide how text is cut into runs before pykakasi sees it."""

from __future__ import annotations

import re
import sys
import unicodedata

#: Characters that attach to the character before them (a cluster is base + these).
#: Combining marks, variation selectors and the half-width voiced sound marks ﾞ ﾟ.
_EXTRA_MARKS = "\uff9e\uff9f"


def is_mark(ch: str) -> bool:
    """Return True if ``ch`` (one code point) belongs to the cluster of the previous character."""
    o = ord(ch)
    if 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF or ch in _EXTRA_MARKS:
        return True
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _ranges_to_class(ranges: list[tuple[int, int]]) -> str:
    parts = []
    for lo, hi in ranges:
        parts.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
    return "".join(parts)


_OPAQUE_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co"))


def _opaque_bmp_ranges() -> list[tuple[int, int]]:
    """BMP code points pykakasi must never see: controls (not whitespace), format characters,
    surrogates and private use. Computed once from the running Python's Unicode tables (no mark
    of :func:`is_mark` is in these categories: the variation selectors are Mn, ﾞ ﾟ Lm)."""
    ranges: list[tuple[int, int]] = []
    category = unicodedata.category
    for o in range(0x10000):
        ch = chr(o)
        if category(ch) not in _OPAQUE_CATEGORIES or ch.isspace():
            continue
        if ranges and ranges[-1][1] == o - 1:
            ranges[-1] = (ranges[-1][0], o)
        else:
            ranges.append((o, o))
    return ranges


#: One character class for "opaque" characters: BMP controls/format/private use, and every
#: astral character except the ideographic variation selectors (which are marks).
OPAQUE_CLASS = (
    _ranges_to_class(_opaque_bmp_ranges())
    + f"{re.escape(chr(0x10000))}-{re.escape(chr(0xE00FF))}"
    + f"{re.escape(chr(0xE01F0))}-{re.escape(chr(sys.maxunicode))}"
)

#: Kanji (CJK ideographs, BMP) and the kanji-like iteration/abbreviation marks.
KANJI_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"


def is_opaque(ch: str) -> bool:
    """Return True if ``ch`` is kept away from pykakasi (its reading is the character itself)."""
    o = ord(ch)
    if o > 0xFFFF:
        return not (0xE0100 <= o <= 0xE01EF)
    return not ch.isspace() and not is_mark(ch) and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co")


def clusters(s: str) -> list[str]:
    """Split ``s`` into clusters: a base character followed by its marks (see :func:`is_mark`).

    A leading mark forms a cluster of its own. ``''.join(clusters(s)) == s`` always holds.
    """
    out: list[str] = []
    for ch in s:
        if out and is_mark(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


HIRA_TO_KATA = str.maketrans({chr(o): chr(o + 0x60) for o in range(0x3041, 0x3097)})
