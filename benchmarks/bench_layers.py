"""Timings of layers in the annotation window on the 1 MB Japanese text (offscreen), printed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_layers.py [--quick]
        [--only toggles|edits]

100,000 spans in three layers (mine 40,000, a colleague's 30,000, the reviewed layer 30,000).

Targets (issue 9): toggling a layer at 100,000 spans <= 100 ms; create/relabel/nudge/delete
with commit and repaint, three layers visible and label tags on, median <= 16 ms.

A toggle is timed from the check box's ``setData`` to the next frame painted (the visible lines
re-highlighted, the span table reset and repainted, the layer list and the status bar updated).
The lines off screen are re-highlighted afterwards from the event loop, in chunks; the time
until the last chunk is done is printed too ("all lines"), and the longest chunk, which is the
longest the window can be unresponsive meanwhile.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench_window import WHO, big_text, median_ms, next_frame, random_spans  # noqa: E402
from bench_window import commit_latency, machine_pace, settle_highlighting  # noqa: E402

from annotator.store import Project  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

LAYERS = ((WHO, 40_000), ("hana", 30_000), ("reviewed", 30_000))


def build(path: Path) -> int:
    rng = random.Random(9)
    text = big_text()
    with Project.open(path) as project:
        doc, _ = project.add_document("bench-layers.txt", text, who=WHO)
        for who, n in LAYERS:
            spans = [replace(s, annotator=who)
                     for s in random_spans(doc.id, doc.length, n, rng)]
            project.add_spans_bulk(spans, who=who, source="bench")
    print(f"text: {len(text):,} characters, {text.count(chr(10)) + 1:,} lines; spans: "
          + ", ".join(f"{who} {n:,}" for who, n in LAYERS))
    return doc.id


def bench_toggles(window: MainWindow, rounds: int) -> None:
    app = QApplication.instance()
    highlighter = window.editor.highlighter
    assert highlighter is not None
    bar = window.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    app.processEvents()
    samples: dict[bool, list[float]] = {False: [], True: []}
    total: dict[bool, list[float]] = {False: [], True: []}
    chunks: list[float] = []
    original = highlighter._next_chunk

    def timed_chunk() -> None:
        t = time.perf_counter()
        original()
        chunks.append(time.perf_counter() - t)

    highlighter._timer.timeout.disconnect()
    highlighter._timer.timeout.connect(timed_chunk)
    for _ in range(rounds):
        for visible in (False, True):
            t = time.perf_counter()
            assert window.layers.set_visible("hana", visible)
            next_frame(window)
            samples[visible].append(time.perf_counter() - t)
            while highlighter.pending:
                app.processEvents()
            total[visible].append(time.perf_counter() - t)
    shown = len(window.session.index)
    assert shown == sum(n for _, n in LAYERS), shown
    print(f"  hide a layer (30,000 of 100,000 spans): {median_ms(samples[False])}")
    print(f"      all lines re-highlighted:           {median_ms(total[False])}")
    print(f"  show it again:                          {median_ms(samples[True])}")
    print(f"      all lines re-highlighted:           {median_ms(total[True])}")
    print(f"  longest chunk off screen: {max(chunks) * 1000:.1f} ms, median "
          f"{statistics.median(chunks) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", choices=("toggles", "edits"), help="time only these")
    args = parser.parse_args()
    rounds = 5 if args.quick else 15
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from bench_label_tags import bench_edits  # noqa: PLC0415 (after the QApplication)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layers.annotator"
        doc_id = build(path)
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        session = Session(Project.open(path), WHO)
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        t = time.perf_counter()
        window.open_document(doc_id)
        next_frame(window)
        elapsed = (time.perf_counter() - t) * 1000
        print(f"open + paint, 100,000 spans in three layers: {elapsed:.0f} ms; "
              f"{settle_highlighting(window)}")
        assert window.editor.tags.enabled  # label tags on (the default)
        if args.only != "edits":
            bench_toggles(window, rounds)
        if args.only != "toggles":
            print("edits with three layers visible, label tags on:")
            bench_edits(window, len(session.index), rounds * 4)
        print(commit_latency(Path(tmp)))
        print(machine_pace())
        print(f"load average while running: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
        window.close()
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
