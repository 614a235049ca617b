"""Word snapping: grow a selection to the boundaries of the tokens its ends fall in."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from annotator.services.japanese.tokens import SPACE, Token


def token_at(tokens: Sequence[Token], pos: int) -> int | None:
    """Return the index of the token containing code point ``pos``, or None when ``pos`` is
    outside the tokens. ``tokens`` must tile a text in order (as :func:`.tokens.tokenize` gives)."""
    if not tokens or not tokens[0].start <= pos < tokens[-1].end:
        return None
    starts = [t.start for t in tokens] if len(tokens) < 64 else _Starts(tokens)
    return bisect_right(starts, pos) - 1


class _Starts(Sequence[int]):
    """A lazy view of token starts for bisection without copying the list."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._tokens = tokens

    def __len__(self) -> int:
        return len(self._tokens)

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self._tokens[i].start


def snap(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int]:
    """Grow the selection ``[start, end)`` so that its ends fall on word boundaries.

    An end inside a word (or opaque) token moves out to that token's boundary; an end already
    on a boundary stays; whitespace is never absorbed (an end inside a whitespace token stays
    where it is). An empty selection inside a word becomes that word (the word under the
    cursor). Expects ``0 <= start <= end <= len(text)`` of the tokenised text; raises
    ValueError otherwise. Returns ``(start, end)``.
    """
    length = tokens[-1].end if tokens else 0
    if not 0 <= start <= end <= length:
        raise ValueError(f"selection [{start}, {end}) outside the text (length {length})")
    i = token_at(tokens, start)
    if i is not None and tokens[i].kind != SPACE and tokens[i].start < start:
        start = tokens[i].start
    j = token_at(tokens, end - 1) if end > 0 else None
    if end == start and i is not None and tokens[i].kind != SPACE and tokens[i].start <= start:
        j = i
    if j is not None and tokens[j].kind != SPACE and end < tokens[j].end:
        end = tokens[j].end
    return start, end
