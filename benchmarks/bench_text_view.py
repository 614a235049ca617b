"""Benchmark of the annotation text display (offscreen): open, edit one span, scroll a page.

Builds a ~1 MB Japanese text (~350,000 characters) by repeating the seed texts and sprinkling
emoji and 𠮷, then, with 10,000 and 100,000 random spans (overlaps allowed), prints:

- open: set text + build the span index + highlight + first paint (target 1 s / 3 s);
- add / remove / relabel one span incl. re-highlight and a synchronous repaint of the viewport,
  median over 50 edits in the visible area, at 1,000 and 100,000 spans (target < 16 ms);
- scrolling one page incl. repaint, median of 50 page-downs (target < 16 ms).

The project store's commit is not included (one SQLite transaction is ~0.3 ms, GUIDE §1).

    .venv/bin/python benchmarks/bench_text_view.py
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402

from PySide6.QtWidgets import QAbstractSlider, QApplication  # noqa: E402

from annotator.domain.span_index import SpanIndex  # noqa: E402
from annotator.ui.fonts import text_font  # noqa: E402
from annotator.ui.highlighter import SpanHighlighter  # noqa: E402
from annotator.ui.text_view import AnnotationTextView  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LABELS = {"PER": "#e57373", "ORG": "#64b5f6", "LOC": "#81c784", "DATE": "#ffb74d", "NUM": "#ba68c8"}
TARGET_CHARS = 350_000
EDITS = 50


@dataclass(frozen=True, slots=True)
class BenchSpan:
    """Same shape as ``annotator.domain.spans.Span`` for what the display needs."""

    id: str
    start: int
    end: int
    label: str


def build_text(rng: random.Random) -> str:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    base = "\n".join(s.replace("\r\n", "\n").lstrip("\ufeff").strip("\n") for s in seeds)
    parts: list[str] = []
    size = 0
    while size < TARGET_CHARS:
        lines = base.split("\n")
        for i in range(0, len(lines), 7):  # a few astral characters every few lines
            lines[i] = rng.choice(["😀", "𠮷", "👍", "𩸽"]) + lines[i]
        chunk = "\n".join(lines) + "\n"
        parts.append(chunk)
        size += len(chunk)
    return "".join(parts)[:TARGET_CHARS]


def random_spans(rng: random.Random, length: int, count: int, prefix: str = "s") -> list[BenchSpan]:
    out = []
    for i in range(count):
        start = rng.randrange(length - 25)
        out.append(BenchSpan(f"{prefix}{i:031x}", start, start + rng.randint(1, 20),
                             rng.choice(list(LABELS))))
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def open_view(
    text: str, spans: list[BenchSpan]
) -> tuple[AnnotationTextView, SpanHighlighter, dict[str, float]]:
    view = AnnotationTextView()
    view.setFont(text_font(12))
    view.resize(1000, 700)
    view.show()
    QApplication.processEvents()
    t0 = time.perf_counter()
    view.set_text(text)
    t1 = time.perf_counter()
    index = SpanIndex(text, spans)
    t2 = time.perf_counter()
    hl = SpanHighlighter(view.document(), index, view.offsets, LABELS)  # highlights all blocks
    view.set_span_index(index)
    t3 = time.perf_counter()
    view.grab()  # first paint
    t4 = time.perf_counter()
    parts = {"open": t4 - t0, "set_text": t1 - t0, "index": t2 - t1, "highlight": t3 - t2,
             "paint": t4 - t3}
    return view, hl, parts


def median_of(action: Callable[[int], None], view: AnnotationTextView) -> float:
    times = []
    for i in range(EDITS):
        t0 = time.perf_counter()
        action(i)
        view.viewport().repaint()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_edits(
    view: AnnotationTextView, hl: SpanHighlighter, rng: random.Random
) -> dict[str, float]:
    """Edits in the visible lines (so the repaint really redraws them)."""
    first = view.firstVisibleBlock()
    lo = view.offsets.to_codepoint(first.position())
    hi = lo + 2_000
    new = [BenchSpan(f"new{i:029x}", s, s + rng.randint(1, 10), rng.choice(list(LABELS)))
           for i, s in enumerate(rng.randrange(lo, hi) for _ in range(EDITS))]
    labels = list(LABELS)
    add = median_of(lambda i: hl.add_span(new[i]), view)
    def relabel_one(i: int) -> None:
        hl.update_span(replace(new[i], label=labels[(labels.index(new[i].label) + 1) % 5]))

    relabel = median_of(relabel_one, view)
    remove = median_of(lambda i: hl.remove_span(new[i].id), view)
    return {"add": add, "relabel": relabel, "remove": remove}


def bench_scroll(view: AnnotationTextView) -> float:
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 3)
    view.viewport().repaint()
    return median_of(
        lambda _: bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd), view
    )


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    rng = random.Random(20240601)
    text = build_text(rng)
    print(f"text: {len(text):,} characters, {len(text.encode('utf-8')):,} UTF-8 bytes, "
          f"{text.count(chr(10)) + 1:,} lines, "
          f"{sum(1 for c in text if ord(c) > 0xFFFF):,} astral characters")
    results: dict[int, dict[str, float]] = {}
    for count in (1_000, 10_000, 100_000):
        spans = random_spans(rng, len(text), count)
        view, hl, opened = open_view(text, spans)
        results[count] = {**opened, **bench_edits(view, hl, rng), "scroll": bench_scroll(view)}
        view.close()
        view.deleteLater()
        app.processEvents()
    print(f"{'spans':>8} | {'open+paint':>11} | {'add':>11} | {'relabel':>11} | {'remove':>11} | "
          f"{'page scroll':>11}")
    for count, r in results.items():
        print(f"{count:>8,} | {ms(r['open'])} | {ms(r['add'])} | {ms(r['relabel'])} | "
              f"{ms(r['remove'])} | {ms(r['scroll'])}")
    print("open, split:")
    for count, r in results.items():
        print(f"{count:>8,} | set_text {ms(r['set_text'])} | index {ms(r['index'])} | "
              f"highlight {ms(r['highlight'])} | first paint {ms(r['paint'])}")
    print("targets: open 10k < 1 s, 100k < 3 s; one edit and one page scroll < 16 ms (medians)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
