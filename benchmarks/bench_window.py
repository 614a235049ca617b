"""Timings of the annotation window on a 1 MB Japanese text (offscreen), printed as figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_window.py [--quick]

Targets (issue 3): open and paint with 10,000 spans < 1 s, with 100,000 spans < 3 s; create,
relabel or delete one span (commit and repaint included) median < 16 ms at 1,000 and at 100,000
spans; scrolling one page median < 16 ms.

Each timed edit ends with the window's next frame painted synchronously: the pending paint
events are processed (what the event loop does before the user sees the change), and the bench
checks that the text view and the span table really were repainted. ``--full-repaint`` instead
repaints both viewports in full after each edit (the earlier, pessimistic measure: it paints
the span table twice and every visible line, although an edit changes one or two lines).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.domain.labels import DEFAULT_LABELS  # noqa: E402
from annotator.domain.spans import Span, new_span_id, now  # noqa: E402
from annotator.services.default_project import seeds_dir  # noqa: E402
from annotator.store import Project  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

WHO = "bench"


def big_text(target_bytes: int = 1_000_000) -> str:
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted(seeds_dir().glob("*.txt")))
    parts, size = [], 0
    while size < target_bytes:
        parts.append(seeds)
        size += len(seeds.encode("utf-8"))
    return "\n".join(parts)[: target_bytes // 3 + 10_000]


def random_spans(doc_id: int, length: int, n: int, rng: random.Random) -> list[Span]:
    stamp = now()
    labels = [lab.name for lab in DEFAULT_LABELS]
    seen: set[tuple[int, int, str]] = set()
    spans = []
    while len(spans) < n:
        start = rng.randrange(0, length - 20)
        end = start + rng.randint(1, 12)
        label = rng.choice(labels)
        if (start, end, label) in seen:
            continue
        seen.add((start, end, label))
        spans.append(Span(new_span_id(), doc_id, start, end, label, WHO, None, stamp, stamp))
    return spans


def build(path: Path, sizes: list[int]) -> dict[int, int]:
    """A project with one copy of the text per span count; returns count -> document id."""
    rng = random.Random(7)
    text = big_text()
    docs = {}
    with Project.open(path) as project:
        for n in sizes:
            doc, _ = project.add_document(f"bench-{n}.txt", text + f"\n({n})", who=WHO)
            project.add_spans_bulk(random_spans(doc.id, doc.length, n, rng), who=WHO, source="bench")
            docs[n] = doc.id
    print(f"text: {len(text):,} characters, {len(text.encode('utf-8')):,} UTF-8 bytes, "
          f"{text.count(chr(10)) + 1:,} lines")
    return docs


def median_ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:6.2f} ms, p95 " \
           f"{sorted(samples)[int(len(samples) * 0.95) - 1] * 1000:6.2f} ms (n={len(samples)})"


def paint(window: MainWindow) -> None:
    """Repaint both viewports in full, now."""
    window.view.viewport().repaint()
    window.span_table.viewport().repaint()


def next_frame(_window: MainWindow) -> None:
    """Paint, now, everything the last action marked dirty (and run what else is pending)."""
    QApplication.processEvents()


class PaintCounter(QObject):
    """Counts paint events of some widgets (proof that a timed action includes its repaint)."""

    def __init__(self, *widgets: QObject) -> None:
        super().__init__()
        self.counts = dict.fromkeys(widgets, 0)
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint and watched in self.counts:
            self.counts[watched] += 1
        return False

    def snapshot(self) -> tuple[int, ...]:
        return tuple(self.counts.values())


def machine_pace() -> str:
    """How fast this machine runs Python right now: the time of 20 million additions in a
    pure-Python loop (the same work every run). The same code runs up to 1.7 times slower
    on a slow hour of a shared machine; read the timings next to this figure."""
    t = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return f"this machine's pace: 20 million Python additions in {time.perf_counter() - t:.2f} s"


def commit_latency(folder: Path, rounds: int = 50) -> str:
    """What one durable commit costs on this disk (a scratch SQLite file in ``folder``, WAL,
    ``synchronous=FULL`` as projects are opened): the part of every timed edit that is the
    disk's flush, not the program's work (it varies with the other programs writing)."""
    import sqlite3

    path = folder / "commit-latency.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE t (x)")
        samples = []
        for i in range(rounds):
            t = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES (?)", [i])
            conn.execute("COMMIT")
            samples.append(time.perf_counter() - t)
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"one durable commit (fsync) on this disk: {median_ms(samples)}"


def settle_highlighting(window: MainWindow) -> str:
    """Run the event loop until the lines an opening left for later are highlighted (the
    first frame draws only those it shows); what that took, for the report. Edits timed
    after it do not include that background work."""
    app, highlighter = QApplication.instance(), window.editor.highlighter
    t, cpu = time.perf_counter(), time.process_time()
    while highlighter is not None and highlighter.pending:
        app.processEvents()
    return (f"the other lines highlighted from the event loop in "
            f"{(time.perf_counter() - t) * 1000:.0f} ms (CPU {(time.process_time() - cpu) * 1000:.0f} ms)")


def bench_open(window: MainWindow, doc_id: int, n: int) -> None:
    app = QApplication.instance()
    start = time.perf_counter()
    window.open_document(doc_id)
    app.processEvents()
    paint(window)
    elapsed = time.perf_counter() - start
    print(f"open + paint, {n:>7,} spans: {elapsed * 1000:8.1f} ms; {settle_highlighting(window)}")


def bench_edits(window: MainWindow, n: int, rounds: int, full_repaint: bool = False) -> None:
    session, view, editor = window.session, window.view, window.editor
    app = QApplication.instance()
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    app.processEvents()
    first = view.firstVisibleBlock()
    base = view.offsets.to_codepoint(first.position())
    rng = random.Random(n)
    created, relabel, delete = [], [], []
    repaint = paint if full_repaint else next_frame
    counter = PaintCounter(view.viewport(), window.span_table.viewport())
    unpainted = 0

    def timed(samples: list[float], action: Callable[[], object]) -> object:
        nonlocal unpainted
        before = counter.snapshot()
        t = time.perf_counter()
        result = action()
        repaint(window)
        samples.append(time.perf_counter() - t)
        after = counter.snapshot()
        unpainted += any(a == b for a, b in zip(before, after, strict=True))
        return result

    for _ in range(rounds):
        start = base + rng.randrange(0, 200)
        view.select_cp(start, start + rng.randint(2, 8), ensure_visible=False)
        app.processEvents()  # the selection is on screen before the key is pressed
        span = timed(created, lambda: editor.apply_label("claim"))
        if span is None:
            continue
        timed(relabel, lambda: editor.apply_label("actor"))
        timed(delete, editor.delete_focused)
    assert len(session.index) == n
    assert unpainted == 0, f"{unpainted} timed edits did not repaint the text and the table"
    print(f"  create   at {n:>7,} spans: {median_ms(created)}")
    print(f"  relabel  at {n:>7,} spans: {median_ms(relabel)}")
    print(f"  delete   at {n:>7,} spans: {median_ms(delete)}")


def bench_scroll(window: MainWindow, n: int, rounds: int) -> None:
    bar = window.view.verticalScrollBar()
    bar.setValue(0)
    QApplication.instance().processEvents()
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        window.view.viewport().repaint()
        samples.append(time.perf_counter() - t)
    print(f"  scroll a page at {n:>7,} spans: {median_ms(samples)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--full-repaint", action="store_true",
                        help="after each edit repaint both viewports in full (pessimistic)")
    args = parser.parse_args()
    rounds = 15 if args.quick else 60
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [1_000, 10_000, 100_000]
        docs = build(Path(tmp) / "bench.annotator", sizes)
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        session = Session(Project.open(Path(tmp) / "bench.annotator"), WHO)
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        for n in sizes:
            bench_open(window, docs[n], n)
            bench_edits(window, n, rounds, args.full_repaint)
            bench_scroll(window, n, rounds)
        window.close()
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
