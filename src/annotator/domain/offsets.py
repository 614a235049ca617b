"""Code points (Python, storage) <-> UTF-16 code units (Qt) for one text.

Python's ``str`` indexes code points; Qt (``QTextCursor.position()``, ``setPosition()``,
``QSyntaxHighlighter.setFormat()``, ``QTextDocument.find()``) counts UTF-16 code units. Each
astral character (above U+FFFF: emoji, 𠮷 U+20BB7, 𩸽, variation selectors U+E0100-E01EF) is
one code point but two UTF-16 units, so every astral character before a position shifts the two
counts apart by one. This module is the only place where the two are converted.

``Utf16Map(text)`` is built once per text (one pass over the text, done in C by ``re``) and keeps
the sorted code-point positions of the astral characters; a conversion is one ``bisect``, and a
text without astral characters converts with no search at all.

A UTF-16 position may fall *inside* a surrogate pair (between the two halves of one astral
character): Qt accepts such positions. ``to_codepoint`` rounds them **down** by default (to the
astral character itself, i.e. the position before it); ``round_up=True`` or
``to_codepoint_ceil`` rounds them **up** (to the position after it). For a selection use
``to_codepoint_range``, which widens: start down, end up, so a half-selected astral character is
included whole.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable

__all__ = ["Utf16Map", "utf16_length"]

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def utf16_length(text: str) -> int:
    """Number of UTF-16 code units of ``text`` (what Qt reports as its length)."""
    return len(text) + len(_ASTRAL.findall(text))


class Utf16Map:
    """Offset conversions for one fixed text. Immutable; cheap to query from any thread.

    Positions are *boundaries* (0 .. length inclusive), as for slicing and cursors.
    Out-of-range positions raise ``IndexError``.
    """

    __slots__ = ("_astral_cp", "_astral_u16", "_length", "_utf16_length")

    def __init__(self, text: str) -> None:
        astral = [m.start() for m in _ASTRAL.finditer(text)]
        self._astral_cp: list[int] = astral
        # UTF-16 position of the high surrogate of the i-th astral character.
        self._astral_u16: list[int] = [cp + i for i, cp in enumerate(astral)]
        self._length = len(text)
        self._utf16_length = len(text) + len(astral)

    # -- facts --------------------------------------------------------------------------------

    @property
    def length(self) -> int:
        """Length of the text in code points."""
        return self._length

    @property
    def utf16_length(self) -> int:
        """Length of the text in UTF-16 code units."""
        return self._utf16_length

    @property
    def has_astral(self) -> bool:
        """True when at least one character needs a surrogate pair (the counts differ)."""
        return bool(self._astral_cp)

    @property
    def astral_positions(self) -> tuple[int, ...]:
        """Code-point positions of the astral characters, ascending."""
        return tuple(self._astral_cp)

    def is_inside_pair(self, u16: int) -> bool:
        """True if UTF-16 position ``u16`` lies between the two halves of a surrogate pair."""
        if not self._astral_u16:
            return False
        k = bisect_left(self._astral_u16, u16)
        return k > 0 and self._astral_u16[k - 1] == u16 - 1

    # -- single conversions -------------------------------------------------------------------

    def to_utf16(self, cp: int) -> int:
        """UTF-16 position of code-point position ``cp`` (0 <= cp <= length)."""
        if cp < 0 or cp > self._length:
            raise IndexError(f"code-point position {cp} outside 0..{self._length}")
        if not self._astral_cp:
            return cp
        return cp + bisect_left(self._astral_cp, cp)

    def to_codepoint(self, u16: int, *, round_up: bool = False) -> int:
        """Code-point position of UTF-16 position ``u16`` (0 <= u16 <= utf16_length).

        Inside a surrogate pair the result is rounded down (to the start of the astral
        character) unless ``round_up`` is true (to the position after it).
        """
        if u16 < 0 or u16 > self._utf16_length:
            raise IndexError(f"UTF-16 position {u16} outside 0..{self._utf16_length}")
        if not self._astral_u16:
            return u16
        k = bisect_left(self._astral_u16, u16)  # astral characters starting before u16
        cp = u16 - k
        if round_up and k and self._astral_u16[k - 1] == u16 - 1:
            cp += 1
        return cp

    def to_codepoint_floor(self, u16: int) -> int:
        """``to_codepoint`` rounding a position inside a surrogate pair down."""
        return self.to_codepoint(u16)

    def to_codepoint_ceil(self, u16: int) -> int:
        """``to_codepoint`` rounding a position inside a surrogate pair up."""
        return self.to_codepoint(u16, round_up=True)

    # -- ranges ---------------------------------------------------------------------------------

    def to_utf16_range(self, start: int, end: int) -> tuple[int, int]:
        """UTF-16 ``(start, end)`` of the code-point range ``[start, end)``."""
        return self.to_utf16(start), self.to_utf16(end)

    def to_codepoint_range(self, start: int, end: int) -> tuple[int, int]:
        """Code-point range of a UTF-16 range, widened: start rounds down, end rounds up."""
        return self.to_codepoint(start), self.to_codepoint(end, round_up=True)

    # -- bulk -----------------------------------------------------------------------------------

    def to_utf16_many(self, cps: Iterable[int]) -> list[int]:
        """``to_utf16`` of each position (any order)."""
        cps = list(cps)
        if cps and (min(cps) < 0 or max(cps) > self._length):
            raise IndexError(f"a code-point position lies outside 0..{self._length}")
        astral = self._astral_cp
        if not astral:
            return cps
        return [cp + bisect_left(astral, cp) for cp in cps]

    def to_codepoint_many(self, u16s: Iterable[int], *, round_up: bool = False) -> list[int]:
        """``to_codepoint`` of each position (any order), with the same rounding rule."""
        u16s = list(u16s)
        if u16s and (min(u16s) < 0 or max(u16s) > self._utf16_length):
            raise IndexError(f"a UTF-16 position lies outside 0..{self._utf16_length}")
        if not self._astral_u16:
            return u16s
        if round_up:
            return [self.to_codepoint(u, round_up=True) for u in u16s]
        starts = self._astral_u16
        return [u - bisect_left(starts, u) for u in u16s]

    def __repr__(self) -> str:
        return (
            f"Utf16Map(length={self._length}, utf16_length={self._utf16_length}, "
            f"astral={len(self._astral_cp)})"
        )
