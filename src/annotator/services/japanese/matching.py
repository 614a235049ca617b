"""Helpers for matching inside tokens and in the literal text (shared, cached)."""

from __future__ import annotations

import re
from functools import lru_cache

from annotator.services.japanese.romaji import query_key


@lru_cache(maxsize=65536)
def split_point(surface: str, key: str, off: int, for_start: bool) -> int | None:
    """Where a match that starts (``for_start``) or ends ``off`` characters into a token's key
    falls in the token's surface, or None when the token cannot be cut there.

    ``key`` is the token's own key. A cut ``a`` (0 < a < len(surface)) is valid when the keys
    of ``surface[:a]`` and ``surface[a:]``, read alone, concatenate to ``key`` and the first
    has length ``off``. A match start takes the largest such cut (separators such as ・ stay
    outside), a match end the smallest.
    """
    if not 0 < off < len(key):
        return None
    cuts = range(len(surface) - 1, 0, -1) if for_start else range(1, len(surface))
    for a in cuts:
        left = query_key(surface[:a])
        if len(left) == off and left + query_key(surface[a:]) == key:
            return a
    return None


@lru_cache(maxsize=1024)
def _literal_re(term: str) -> re.Pattern[str]:
    return re.compile(re.escape(term), re.IGNORECASE)


def find_literal(text: str, term: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each non-overlapping, case-insensitive occurrence of ``term``
    in ``text`` (code points). An empty or all-whitespace term finds nothing."""
    if not term.strip():
        return []
    return [m.span() for m in _literal_re(term).finditer(text)]
