"""Timings of label tags on the 1 MB Japanese text at 100,000 spans (offscreen), as figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_label_tags.py [--quick]

Targets (issue 9): open and paint with label tags on <= 1.5 s; create, relabel, delete and
nudge one span (commit and repaint included, the tags too) median <= 16 ms at 100,000 spans.
Each timed edit ends with the window's next frame painted (the pending paint events are
processed); the bench checks the text view (which paints the tags in the same pass) really was repainted. Also
printed: the same edits with tags off, a full repaint of the text view with tags, scrolling
one page onto lines never drawn before with tags off, with tags on back to back, and with tags
on when the event loop had a pause between pages (the next page's tags are then prepared), and
turning the tags off and on.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QPoint, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench_window import (  # noqa: E402
    PaintCounter,
    build,
    median_ms,
    next_frame,
    paint,
    commit_latency,
    machine_pace,
    settle_highlighting,
)

from annotator.store import Project  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

WHO = "bench"


def bench_open(window: MainWindow, doc_id: int, n: int) -> None:
    app = QApplication.instance()
    tags = window.editor.tags
    start, cpu = time.perf_counter(), time.process_time()
    window.open_document(doc_id)
    app.processEvents()
    paint(window)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert tags.enabled and tags.drawn, "the tags were not painted"
    print(f"open + paint with label tags on, {n:,} spans: {elapsed * 1000:7.1f} ms "
          f"(CPU {cpu * 1000:.0f} ms; {sum(k == 'tag' for k, _s, _r in tags.drawn)} tags on screen)")
    print(f"  {settle_highlighting(window)}")


def bench_edits(window: MainWindow, n: int, rounds: int) -> None:
    session, view, editor = window.session, window.view, window.editor
    on = editor.tags.enabled
    app = QApplication.instance()
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    app.processEvents()
    # edits on the lines shown (the first visible block may start above the viewport, and the
    # lines are taller with the tags' room: fewer of them)
    rect = view.viewport().rect()
    base = view.offsets.to_codepoint(view.cursorForPosition(QPoint(0, 2)).position())
    bottom = view.offsets.to_codepoint(
        view.cursorForPosition(QPoint(0, rect.bottom() - 40)).position())
    shown = max(20, bottom - base - 10)
    rng = random.Random(n)
    samples: dict[str, list[float]] = {"create": [], "relabel": [], "nudge": [], "delete": []}
    cpu: dict[str, list[float]] = {kind: [] for kind in samples}
    counter = PaintCounter(view.viewport())  # the tags are painted in the viewport's paint
    unpainted: list[str] = []

    def timed(kind: str, action: Callable[[], object]) -> object:
        nonlocal unpainted
        before = counter.snapshot()
        t, c = time.perf_counter(), time.process_time()
        result = action()
        next_frame(window)
        samples[kind].append(time.perf_counter() - t)
        cpu[kind].append(time.process_time() - c)
        # a refused action (e.g. a nudge onto an existing span) paints nothing, and with tags
        # off a relabel under a longer span's colour may change no pixel (Qt then repaints
        # nothing); with tags on every edit changes a tag
        if result and on:
            if any(a == b for a, b in zip(before, counter.snapshot(), strict=True)):
                unpainted.append(f"{kind} {result!r:.60}")
        return result

    def relabel() -> object:
        # refused (and nothing drawn changes) when the layer has that span as "actor" already
        span = editor.apply_label("actor")
        return span if span is not None and span.label == "actor" else None

    for _ in range(rounds):
        start = base + rng.randrange(0, min(200, shown))
        view.select_cp(start, start + rng.randint(2, 8), ensure_visible=False)
        app.processEvents()
        span = timed("create", lambda: editor.apply_label("claim"))
        if span is None:
            continue
        timed("relabel", relabel)
        timed("nudge", lambda: editor.nudge("span.end_right"))
        timed("delete", editor.delete_focused)
    assert len(session.index) == n
    assert not unpainted, f"timed edits that did not repaint the text and the tags: {unpainted}"
    for kind, values in samples.items():
        print(f"  {kind:<8} at {n:,} spans, tags {'on ' if on else 'off'}: {median_ms(values)}"
              f"; CPU median {statistics.median(cpu[kind]) * 1000:6.2f} ms")


def _pages(window: MainWindow, start_block: int, rounds: int, idle: bool) -> list[float]:
    """Page down ``rounds`` times from block ``start_block`` (lines not drawn before); each
    sample is the scroll and the repaint of the text view with its tags. ``idle``: the event
    loop runs between pages until the tags of the next page are prepared (as between two
    presses of Page Down), outside the timing."""
    app = QApplication.instance()
    view, tags = window.view, window.editor.tags
    bar = view.verticalScrollBar()
    bar.setValue(view.document().findBlockByNumber(start_block).firstLineNumber())
    app.processEvents()
    samples = []
    for _ in range(rounds):
        if idle:
            while tags.pending:
                app.processEvents()
        else:
            tags.discard_pending()
        t = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        view.viewport().repaint()
        samples.append(time.perf_counter() - t)
    return samples


def bench_overlay(window: MainWindow, rounds: int) -> None:
    tags, view = window.editor.tags, window.view
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        tags.repaint()
        samples.append(time.perf_counter() - t)
    print(f"  one full repaint of the text view with tags: {median_ms(samples)}")
    # every run pages through lines never drawn before (its own part of the text)
    blocks = view.document().blockCount()
    part = blocks // 4
    window.editor.set_label_tags(False)
    print(f"  scroll a page, tags off, new lines:                 "
          f"{median_ms(_pages(window, part, rounds, idle=False))}")
    window.editor.set_label_tags(True)
    print(f"  scroll a page, tags on, new lines, no pause:        "
          f"{median_ms(_pages(window, 2 * part, rounds, idle=False))}")
    print(f"  scroll a page, tags on, new lines, paused between:  "
          f"{median_ms(_pages(window, 3 * part, rounds, idle=True))}")


def bench_toggle(window: MainWindow, rounds: int) -> None:
    """Turning the tags off and on (the lines get or give back the tags' room)."""
    app, editor = QApplication.instance(), window.editor
    samples: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(max(3, rounds // 10)):
        for on in (False, True):
            t = time.perf_counter()
            editor.set_label_tags(on)
            app.processEvents()
            window.view.viewport().repaint()
            samples[on].append(time.perf_counter() - t)
    print(f"  tags off (Ctrl+Shift+G) and the next frame: {median_ms(samples[False])}")
    print(f"  tags on and the next frame:                 {median_ms(samples[True])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 15 if args.quick else 60
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        n = 100_000
        docs = build(Path(tmp) / "bench.annotator", [n])
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        session = Session(Project.open(Path(tmp) / "bench.annotator"), WHO)
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        bench_open(window, docs[n], n)
        bench_edits(window, n, rounds)
        window.editor.set_label_tags(False)  # the same edits without tags, for comparison
        bench_edits(window, n, rounds)
        window.editor.set_label_tags(True)
        bench_overlay(window, rounds)
        bench_toggle(window, rounds)
        print(commit_latency(Path(tmp)))
        print(machine_pace())
        print(f"load average while running: {os.getloadavg()[0]:.2f} "
              f"({os.cpu_count()} cores)")
        window.close()
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
