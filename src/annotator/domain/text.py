"""Canonical text: the one form of a document's text that is stored, hashed and offset into.

Canonicalisation happens once, at import, and never again:

* leading BOMs (U+FEFF) are removed (Qt's ``setPlainText`` drops one silently, which would
  shift every offset; all of a leading run go, so that canonical text is a fixed point:
  ``canonicalise(canonicalise(t)) == canonicalise(t)``);
* ``\\r\\n``, ``\\r``, U+2028 and U+2029 become ``\\n`` (Qt turns each into one block separator);
* nothing else changes: no NFC/NFKC, which would change lengths (㍻ -> 平成) and break offsets.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
import re

_LINE_BREAKS = re.compile("\r\n|\r|\u2028|\u2029")
BOM = "\ufeff"


def canonicalise(text: str) -> str:
    """Return ``text`` in canonical form (see the module docstring)."""
    return _LINE_BREAKS.sub("\n", text.lstrip(BOM))


def is_canonical(text: str) -> bool:
    """True when ``canonicalise(text) == text``."""
    return not text.startswith(BOM) and _LINE_BREAKS.search(text) is None


def sha256_text(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 bytes of ``text``: the identity of a canonical document."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def removed_positions(text: str) -> list[int]:
    """Code-point positions of ``text`` that :func:`canonicalise` removes (leading BOMs, the
    ``\\r`` of each ``\\r\\n``), ascending. Every other character keeps its length."""
    removed = list(range(len(text) - len(text.lstrip(BOM))))
    start = 0
    while True:
        index = text.find("\r\n", start)
        if index < 0:
            return removed
        removed.append(index)
        start = index + 2


def canonical_offset(offset: int, removed: list[int]) -> int:
    """Map an offset into the original text to the canonical text (``removed`` from
    :func:`removed_positions`)."""
    return offset - bisect_left(removed, offset)
