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
import re
import unicodedata
from bisect import bisect_left

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


# -- names: plain text, one line, nothing invisible ------------------------------------------

#: Invisible characters that change how the text around them is shown: zero-width spaces and
#: joiners, bidirectional marks, embeddings, overrides and isolates, the word joiner and the
#: invisible operators, the BOM / zero-width no-break space, the line and paragraph separators,
#: the interlinear annotation controls.
_FORMAT_CHARS = frozenset(
    [*map(chr, range(0x200B, 0x2010)), *map(chr, range(0x202A, 0x202F)),
     *map(chr, range(0x2060, 0x2065)), *map(chr, range(0x2066, 0x206A)),
     "\u061c", "\ufeff", "\u2028", "\u2029", "\ufff9", "\ufffa", "\ufffb"]
)


def unsafe_in_name(char: str) -> bool:
    """True for a character no name may hold: a C0 control (tab and line ends included: names
    are one line and the command line prints them between tabs), DEL, a C1 control, or one of
    the invisible format characters above (bidi overrides such as U+202E, zero-width U+200B)."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in _FORMAT_CHARS


def describe_char(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``; control characters by their usual name."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(ord(char), "control character")
    return f"U+{ord(char):04X} {name}"


_CONTROL_NAMES = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "TAB", 0x0A: "LINE FEED",
                  0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE",
                  0x85: "NEXT LINE", 0x9B: "CONTROL SEQUENCE INTRODUCER",
                  0x9D: "OPERATING SYSTEM COMMAND"}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a name (None when it can): the first unsafe character and where."""
    for index, char in enumerate(name):
        if unsafe_in_name(char):
            kind = "an invisible format character" if char in _FORMAT_CHARS else \
                "a control character"
            return f"contains {kind} ({describe_char(char)}) at position {index + 1}"
    return None


def clean_name(name: str) -> tuple[str, list[str]]:
    """``name`` with every unsafe character gone, and what was done (empty when nothing).

    Controls (a tab or line break in a file name) become a space, format characters are
    removed; runs of spaces so made are collapsed and the ends trimmed."""
    if not any(unsafe_in_name(char) for char in name):
        return name, []
    removed: dict[str, int] = {}
    out = []
    for char in name:
        if unsafe_in_name(char):
            removed[char] = removed.get(char, 0) + 1
            if char not in _FORMAT_CHARS and (not out or out[-1] != " "):
                out.append(" ")
        else:
            out.append(char)
    cleaned = "".join(out).strip()
    changes = [f"{describe_char(c)}" + (f" ×{n}" if n > 1 else "") for c, n in removed.items()]
    return cleaned, changes


#: The characters of :func:`unsafe_in_name`, as one regular expression (a search prints
#: hundreds of thousands of lines: a test per character in Python cost seconds).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(map(re.escape, sorted(_FORMAT_CHARS))) + "]")


def escape_unsafe(text: str) -> str:
    """``text`` for a terminal: each unsafe character (see :func:`unsafe_in_name`) written as
    a Python escape (``\\x1b``, ``\\u202e``), everything else as it is."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: _escaped(m.group()), text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
