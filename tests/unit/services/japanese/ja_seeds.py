"""Shared helpers for the Japanese reading-aid tests: the two seed texts."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[4] / "seeds"
SEED_000 = "000_be41f9e744db60e0.txt"
SEED_003 = "003_9545a56edb2331f1.txt"


@cache
def seed(name: str) -> str:
    """Return a seed text (already canonical: no BOM, no CR)."""
    return (SEEDS / name).read_text(encoding="utf-8")


def occurrences(text: str, word: str) -> list[tuple[int, int]]:
    """Every (start, end) of ``word`` in ``text``, overlapping ones included."""
    out, i = [], text.find(word)
    while i != -1:
        out.append((i, i + len(word)))
        i = text.find(word, i + 1)
    return out
