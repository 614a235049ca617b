"""Counted nouns in correct English for messages of the Qt-free core ("1 span", "2 spans")."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``"1 document"``, ``"0 documents"``, ``"7 duplicate spans"`` (``plural`` defaults to
    ``singular + "s"``)."""
    return f"{n} {singular}" if n == 1 else f"{n} {plural or singular + 's'}"
