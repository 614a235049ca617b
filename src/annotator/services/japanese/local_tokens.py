"""Tokens around a range, readings and word snapping, with or without a document's index.

A window needs readings and snapping at once, before (or while) a long document's
:class:`~.reading_index.ReadingIndex` is built. With an index, tokens come from it (bisection,
nothing tokenised again); without one, only the lines holding the range are tokenised (a few
milliseconds). Both give the same tokens, because a newline always ends a pykakasi run.
"""

from __future__ import annotations

from annotator.services.japanese.reading_index import ReadingIndex
from annotator.services.japanese.readings import Reading, reading
from annotator.services.japanese.snapping import snap
from annotator.services.japanese.tokens import Token, tokenize

__all__ = ["reading_of", "snap_range", "tokens_covering"]


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return lo, len(text) if hi == -1 else hi


def tokens_covering(text: str, start: int, end: int, index: ReadingIndex | None = None) -> list[Token]:
    """The tokens of ``text`` that tile at least ``[start, end)`` (whole lines without an
    index; exactly the overlapping tokens with one), in order. ``index`` must be the index of
    ``text`` (ValueError otherwise)."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"range [{start}, {end}) outside the text (length {len(text)})")
    if index is not None:
        if index.text is not text and index.text != text:
            raise ValueError("the index was built from another text")
        if not text:
            return []
        first = index.token_index_at(min(start, len(text) - 1))
        last = index.token_index_at(end - 1) if end > start else first
        assert first is not None and last is not None
        return [index.token(i) for i in range(first, last + 1)]
    lo, hi = _line_bounds(text, start, end)
    return [Token(t.start + lo, t.end + lo, t.surface, t.hira, t.kana, t.hepburn, t.kind) for t in tokenize(text[lo:hi])]


def reading_of(text: str, start: int, end: int, index: ReadingIndex | None = None) -> Reading:
    """The reading (hiragana, katakana, Hepburn) of ``text[start:end]``; see :func:`.readings.reading`."""
    return reading(text, start, end, tokens_covering(text, start, end, index))


def snap_range(text: str, start: int, end: int, index: ReadingIndex | None = None) -> tuple[int, int]:
    """Grow ``[start, end)`` to word boundaries (see :func:`.snapping.snap`); code points."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"range [{start}, {end}) outside the text (length {len(text)})")
    if start == end == len(text):
        return start, end
    tokens = tokens_covering(text, start, end, index)
    if not tokens:
        return start, end
    # snap() wants tokens tiling a text from 0: shift them so the first starts at 0.
    base = tokens[0].start
    local = [Token(t.start - base, t.end - base, t.surface, t.hira, t.kana, t.hepburn, t.kind) for t in tokens]
    s, e = snap(local, max(start - base, 0), min(end - base, local[-1].end))
    return s + base, e + base
