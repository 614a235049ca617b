"""Readings of a selection: hiragana, katakana and Hepburn romaji, as reading aids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.services.japanese.tokens import SPACE, Token, convert_exact, tokenize


@dataclass(frozen=True, slots=True)
class Reading:
    """The reading of ``text[start:end]``.

    ``hira``/``kana`` are the readings run together; ``hepburn`` has one space between words.
    ``tokens`` are the tokens read (clipped ones included as read alone). pykakasi reads
    without context (金正恩 -> かねまさ おん): show these as aids, never store them as data.
    """

    start: int
    end: int
    surface: str
    hira: str
    kana: str
    hepburn: str
    tokens: tuple[Token, ...]


def reading(text: str, start: int, end: int, tokens: Sequence[Token] | None = None) -> Reading:
    """Return the reading of ``text[start:end]`` (code points, end-exclusive).

    ``tokens`` are the tokens of the whole ``text`` (e.g. ``ReadingIndex.tokens()``); when
    None, the lines containing the selection are tokenised. Tokens fully inside the selection
    keep their reading; a token cut by the selection contributes the reading of its selected
    part read alone (so the reading always matches the selected characters).
    Raises ValueError if the range is outside the text.
    """
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"range [{start}, {end}) outside the text (length {len(text)})")
    if tokens is None:
        lo = text.rfind("\n", 0, start) + 1
        hi = text.find("\n", end)
        hi = len(text) if hi == -1 else hi
        tokens = [Token(t.start + lo, t.end + lo, t.surface, t.hira, t.kana, t.hepburn, t.kind) for t in tokenize(text[lo:hi])]
    picked: list[Token] = []
    for t in tokens:
        if t.end <= start or t.start >= end:
            continue
        if start <= t.start and t.end <= end:
            picked.append(t)
            continue
        s, e = max(start, t.start), min(end, t.end)
        part = text[s:e]
        if t.kind != "word":
            picked.append(Token(s, e, part, part, part, part, t.kind))
            continue
        pos = s
        for orig, hira, kana, hep in convert_exact(part):
            picked.append(Token(pos, pos + len(orig), orig, hira, kana, hep))
            pos += len(orig)
    words = [t for t in picked if t.kind != SPACE]
    return Reading(
        start,
        end,
        text[start:end],
        "".join(t.hira for t in picked),
        "".join(t.kana for t in picked),
        " ".join(t.hepburn for t in words),
        tuple(picked),
    )
