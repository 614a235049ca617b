"""Cut a text into runs that pykakasi can convert exactly and in linear time.

Raw ``pykakasi.convert`` is quadratic in the length of its input (each kanji slices the rest of
the string) and mangles whitespace, astral characters and control/format characters. So the
text is cut into:

- ``space`` runs: maximal runs of whitespace (``str.isspace``, so also U+3000 and NBSP);
- ``opaque`` runs: maximal runs of astral characters (emoji, 𠮷; but not the ideographic
  variation selectors U+E0100–E01EF, which stay with their kanji), controls, format characters
  (BOM, ZWJ, ZWSP...) and private-use characters; pykakasi never sees them;
- ``text`` runs: everything else, cut further so that no run is longer than about
  :data:`SOFT_CAP` characters: after 。！？、 and before a kanji that follows a non-kanji
  (where a word starts), and if that is not enough, at :data:`HARD_CAP` characters
  (never between a character and its marks).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from annotator.services.japanese.chars import KANJI_CLASS, OPAQUE_CLASS, is_mark

#: A text run is cut at the first safe cut point at or after this many characters.
SOFT_CAP = 24
#: A text run without any safe cut point is cut here (rare: long Latin or kana runs).
HARD_CAP = 200

_RUN_RE = re.compile(rf"(\s+)|([{OPAQUE_CLASS}]+)|([^\s{OPAQUE_CLASS}]+)")
_CUT_RE = re.compile(rf"(?<=[。！？、])|(?<=[^{KANJI_CLASS}])(?=[{KANJI_CLASS}])")


def split_runs(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, kind)`` runs that tile ``text`` exactly, in order.

    ``kind`` is ``"space"``, ``"opaque"`` or ``"text"`` (see the module docstring). Offsets are
    code points, end-exclusive.
    """
    for m in _RUN_RE.finditer(text):
        start, end = m.span()
        if m.group(1) is not None:
            yield start, end, "space"
        elif m.group(2) is not None:
            yield start, end, "opaque"
        elif end - start <= SOFT_CAP:
            yield start, end, "text"
        else:
            for s, e in _cut_text_run(text, start, end):
                yield s, e, "text"


def _cut_text_run(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of about SOFT_CAP (at most HARD_CAP) characters."""
    s = start
    while end - s > SOFT_CAP:
        m = _CUT_RE.search(text, s + SOFT_CAP, min(end, s + HARD_CAP))
        if m is not None and m.start() < end:
            cut = m.start()
        else:
            cut = s + HARD_CAP
            if cut >= end:
                break
            while cut < end and is_mark(text[cut]):
                cut += 1
            if cut >= end:
                break
        yield s, cut
        s = cut
    yield s, end
