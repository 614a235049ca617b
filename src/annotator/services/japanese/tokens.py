"""An exact wrapper around pykakasi: tokens with readings that tile the text.

Every character of the text belongs to exactly one token; the tokens are in order, contiguous
(``tokens[i].end == tokens[i + 1].start``) and ``''.join(t.surface for t in tokens) == text``.
Whitespace runs and opaque runs (astral characters, controls, format characters; see
:mod:`.runs`) are tokens too, of kind ``"space"`` / ``"opaque"``, whose readings are their own
surface. Readings are pykakasi's dictionary guesses without context (金正恩 -> かねまさ おん):
aids for reading, never data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from annotator.services.japanese._kakasi import Item, convert_raw
from annotator.services.japanese.chars import clusters, is_mark
from annotator.services.japanese.progress import CancelCheck, ProgressCallback, Reporter
from annotator.services.japanese.runs import split_runs

#: Token kinds.
WORD, SPACE, OPAQUE = "word", "space", "opaque"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``text[start:end] == surface`` (code points, end-exclusive).

    ``hira``/``kana``/``hepburn`` are pykakasi's readings (hiragana, katakana, Hepburn romaji);
    for characters pykakasi cannot read, the surface itself. ``kind`` is ``"word"``,
    ``"space"`` (whitespace run) or ``"opaque"`` (emoji, astral kanji, controls...).
    """

    start: int
    end: int
    surface: str
    hira: str
    kana: str
    hepburn: str
    kind: str = WORD


def convert_exact(run: str) -> list[Item]:
    """Convert one run with pykakasi and return items whose ``orig`` fields rebuild ``run``.

    ``run`` should contain no whitespace and no opaque characters (see :func:`.runs.split_runs`)
    and be short (conversion is quadratic in the run length). If pykakasi's items do not rebuild
    the run exactly, the run is converted cluster by cluster (a character with its combining
    marks / variation selectors / half-width voiced marks), see :func:`convert_cluster`.
    An item that starts with a mark is merged into the item before it (a token never separates
    a character from its marks); an item without a reading is read by :func:`convert_cluster`.
    Returns [] for an empty run.
    """
    if not run:
        return []
    items = convert_raw(run)
    if "".join(i[0] for i in items) != run or not all(i[0] for i in items):
        return _fallback(run)
    out: list[Item] = []
    for item in items:
        if out and is_mark(item[0][0]):
            out[-1] = _merge(out[-1], item)
        elif not item[1]:
            out.extend(convert_cluster(item[0]) if len(clusters(item[0])) == 1 else _per_cluster(item[0]))
        else:
            out.append(item)
    return out


def _fallback(run: str) -> list[Item]:
    """Convert a run pykakasi did not give back: if it has clusters with marks (which is what
    usually trips pykakasi: 葛+VS eats the next character), convert those alone and the
    stretches between them as runs again; otherwise convert cluster by cluster."""
    cs = clusters(run)
    if not any(len(c) > 1 or is_mark(c) for c in cs):
        return _per_cluster(run)
    out: list[Item] = []
    plain = ""
    for c in cs:
        if len(c) > 1 or is_mark(c):
            out.extend(convert_exact(plain))
            out.extend(convert_cluster(c))
            plain = ""
        else:
            plain += c
    out.extend(convert_exact(plain))
    return out


def _per_cluster(s: str) -> list[Item]:
    return [item for c in clusters(s) for item in convert_cluster(c)]


def _merge(a: Item, b: Item) -> Item:
    orig = a[0] + b[0]
    better = _alternative(orig)
    return better if better is not None else (orig, a[1] + b[1], a[2] + b[2], a[3] + b[3])


@lru_cache(maxsize=4096)
def convert_cluster(cluster: str) -> tuple[Item, ...]:
    """Readings for one cluster that pykakasi did not give back exactly inside its run.

    Tries, in order: pykakasi on the cluster; on its NFKC form (ﾊﾟ -> パ, ㍻ -> 平成); on its
    base characters without marks; else the cluster is its own reading.
    Always returns items whose ``orig`` fields join to ``cluster``, with non-empty readings.
    """
    items = convert_raw(cluster)
    if "".join(i[0] for i in items) == cluster and all(i[0] and i[1] for i in items):
        return tuple(items)
    alt = _alternative(cluster)
    return (alt if alt is not None else (cluster, cluster, cluster, cluster),)


def _alternative(s: str) -> Item | None:
    """Readings of ``s`` taken from its NFKC form or from its characters without marks."""
    for alt in (unicodedata.normalize("NFKC", s), "".join(ch for ch in s if not is_mark(ch))):
        if alt and alt != s:
            alt_items = convert_raw(alt)
            if "".join(i[0] for i in alt_items) == alt:
                hira, kana, hep = ("".join(i[k] for i in alt_items) for k in (1, 2, 3))
                if hira and kana and hep:
                    return (s, hira, kana, hep)
    return None


def iter_token_tuples(
    text: str,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    runs: Iterable[tuple[int, int, str]] | None = None,
) -> Iterator[tuple[int, int, str, str, str, str]]:
    """Yield ``(start, end, hira, kana, hepburn, kind)`` for each token of ``text``, in order.

    The lightweight form of :func:`tokenize` (no objects built). Reports progress and checks
    cancellation every few thousand characters; raises
    :class:`~.progress.IndexingCancelled` when asked to stop.

    ``runs`` are the text's runs from :func:`.runs.split_runs` when the caller has them already
    (a worker process gets its slice of the runs of the whole text, see :mod:`.parallel`).
    Each run is tokenised on its own, from its own characters only, so the tokens of a slice of
    runs are exactly the tokens those runs get in the whole text.
    """
    reporter = Reporter(len(text), progress, cancel)
    for start, end, kind in split_runs(text) if runs is None else runs:
        if kind != "text":
            s = text[start:end]
            yield start, end, s, s, s, (SPACE if kind == "space" else OPAQUE)
        else:
            pos = start
            for orig, hira, kana, hep in convert_exact(text[start:end]):
                if not (hira and kana and hep):
                    hira, kana, hep = hira or orig, kana or orig, hep or orig
                nxt = pos + len(orig)
                yield pos, nxt, hira, kana, hep, WORD
                pos = nxt
        reporter.advance(end)
    reporter.finish()


def tokenize(
    text: str,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> list[Token]:
    """Return the tokens of ``text`` (see the module docstring for the guarantees).

    ``progress(done_chars, total_chars)`` is called every few thousand characters and once at
    the end; returning False cancels. ``cancel()`` returning True cancels too. Cancelling raises
    :class:`~.progress.IndexingCancelled`. Linear in ``len(text)``.
    """
    return [
        Token(s, e, text[s:e], hira, kana, hep, kind)
        for s, e, hira, kana, hep, kind in iter_token_tuples(text, progress, cancel)
    ]
