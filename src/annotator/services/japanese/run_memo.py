"""Token tuples of a text with the pykakasi work of each run remembered.

:func:`iter_token_tuples` gives exactly what :func:`.tokens.iter_token_tuples` gives (the same
runs, each converted by :func:`.tokens.convert_exact`), but a run seen before (a dateline, a
recurring phrase, a quoted sentence: a news archive repeats itself) is not converted again.
A run's conversion depends on that run's characters only, so remembering it changes nothing.
The memory is bounded (:data:`MEMO_RUNS` runs of at most :data:`~.runs.HARD_CAP` characters).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from annotator.services.japanese.progress import CancelCheck, ProgressCallback, Reporter
from annotator.services.japanese.runs import split_runs
from annotator.services.japanese.tokens import OPAQUE, SPACE, WORD, convert_exact

__all__ = ["MEMO_RUNS", "iter_token_tuples"]

#: How many distinct runs are remembered (a run is ~24 characters: some tens of MB at most).
MEMO_RUNS = 100_000


@lru_cache(maxsize=MEMO_RUNS)
def _run_items(run: str) -> tuple[tuple[int, str, str, str], ...]:
    out = []
    for orig, hira, kana, hep in convert_exact(run):
        if not (hira and kana and hep):
            hira, kana, hep = hira or orig, kana or orig, hep or orig
        out.append((len(orig), hira, kana, hep))
    return tuple(out)


def iter_token_tuples(
    text: str,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    runs: Iterable[tuple[int, int, str]] | None = None,
) -> Iterator[tuple[int, int, str, str, str, str]]:
    """Yield ``(start, end, hira, kana, hepburn, kind)`` for each token of ``text``: the same
    tuples as :func:`.tokens.iter_token_tuples` (same arguments, progress and cancelling)."""
    reporter = Reporter(len(text), progress, cancel)
    for start, end, kind in split_runs(text) if runs is None else runs:
        if kind != "text":
            s = text[start:end]
            yield start, end, s, s, s, (SPACE if kind == "space" else OPAQUE)
        else:
            pos = start
            for length, hira, kana, hep in _run_items(text[start:end]):
                nxt = pos + length
                yield pos, nxt, hira, kana, hep, WORD
                pos = nxt
        reporter.advance(end)
    reporter.finish()
