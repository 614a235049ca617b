"""Timings of relations in the window: the 1 MB Japanese text, 100,000 spans, 20,000 relations
(offscreen, 1280x800, label tags and relation arcs on), as figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_relations_window.py [--quick]

Targets (issue 12): open <= 1.5 s; create or delete one relation with commit and repaint
median <= 16 ms; scrolling one page <= 16 ms with relations drawn.

The relations are of the default types between nearby spans (claim → source, claim → actor,
number → weapon); the window is the real one. Open is timed until the first frame is painted
(tags and arcs included). Each timed create and delete is one undoable command through
``RelationActions`` (what the type key and the list's Delete call), ending with the window's
next frame painted; the bench checks the text view and the relation list really repainted.
Paging runs over lines never drawn before, with the tags of the next page prepared between
pages as the event loop does between two presses of Page Down, and once back to back.
Every figure is wall time, with the process's CPU time (user + system) next to it: on a
shared, loaded machine the wall time waits for other programs, the CPU time does not.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QPoint, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench_window import PaintCounter, build, median_ms, next_frame  # noqa: E402
from bench_window import commit_latency, machine_pace, settle_highlighting  # noqa: E402

from annotator.domain.relations import Relation, new_relation_id  # noqa: E402
from annotator.domain.spans import now  # noqa: E402
from annotator.store import Project  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

WHO = "bench"
#: head label -> tail labels the default types allow, and the type
PAIRS = {("claim", "source"): "attributed_to", ("claim", "actor"): "involves",
         ("number", "weapon"): "quantifies", ("number", "actor"): "quantifies"}


def cpu_ms(samples: list[float]) -> str:
    """The median of CPU-time samples (seconds), in ms."""
    return f"CPU median {statistics.median(samples) * 1000:6.2f} ms"


def add_relations(path: Path, doc_id: int, wanted: int) -> int:
    """``wanted`` relations between spans at most ~150 characters apart."""
    rng = random.Random(12)
    stamp = now()
    with Project.open(path) as project:
        spans = sorted(project.spans(doc_id), key=lambda s: s.start)
        relations, seen = [], set()
        tails = [s for s in spans if s.label in ("source", "actor", "weapon")]
        starts = [s.start for s in tails]
        from bisect import bisect_left
        heads = [s for s in spans if s.label in ("claim", "number")]
        rng.shuffle(heads)
        for head in heads:
            if len(relations) >= wanted:
                break
            i = bisect_left(starts, head.start - 150)
            near = [t for t in tails[i:i + 12] if abs(t.start - head.start) < 150
                    and (head.label, t.label) in PAIRS]
            if not near:
                continue
            tail = rng.choice(near)
            key = (head.id, tail.id)
            if key in seen:
                continue
            seen.add(key)
            relations.append(Relation(new_relation_id(), doc_id, head.id, tail.id,
                                      PAIRS[(head.label, tail.label)], WHO, None, stamp, stamp))
        return project.add_relations_bulk(relations, who=WHO, source="bench")


def bench_open(window: MainWindow, doc_id: int) -> None:
    app = QApplication.instance()
    cpu = time.process_time()
    start = time.perf_counter()
    window.open_document(doc_id)
    app.processEvents()
    window.view.viewport().repaint()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    arcs = window.relations.arcs.drawn
    assert arcs, "no relation was drawn"
    print(f"open + first frame, {len(window.session.index):,} spans, "
          f"{len(window.relations.state.relations):,} relations: {elapsed * 1000:7.1f} ms "
          f"(CPU {cpu * 1000:.1f} ms; {len(arcs)} arcs on screen)")
    print(f"  {settle_highlighting(window)}")
    samples, cpus = [], []
    for _ in range(5):
        c = time.process_time()
        t = time.perf_counter()
        window.relations.state.reload()  # the relations' share of the open
        samples.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    print(f"  of which reading the relations into the window: {median_ms(samples)}, "
          f"{cpu_ms(cpus)}")


def visible_pairs(window: MainWindow) -> list[tuple[str, str, str]]:
    """(head, tail, type) of allowed pairs of spans on screen without that relation, each
    head with its nearest possible tail."""
    session, view = window.session, window.view
    rect = view.viewport().rect()
    lo = view.offsets.to_codepoint(view.cursorForPosition(QPoint(0, 2)).position())
    hi = view.offsets.to_codepoint(
        view.cursorForPosition(QPoint(rect.right(), rect.bottom() - 2)).position())
    spans = sorted(session.index.spans_overlapping(lo, hi), key=lambda s: s.start)
    relations = window.relations.state.relations
    pairs = []
    for head in spans:
        taken = {(r.tail, r.type) for r in relations.of_span(head.id) if r.head == head.id}
        # the nearest span the head's label may point at (analysts link nearby spans)
        for tail in sorted(spans, key=lambda s: abs(s.start - head.start)):
            rt = PAIRS.get((head.label, tail.label))
            if rt is not None and tail.id != head.id and (tail.id, rt) not in taken:
                pairs.append((head.id, tail.id, rt))
                break
    return pairs


def bench_create_delete(window: MainWindow, rounds: int) -> None:
    app = QApplication.instance()
    view, actions = window.view, window.relations.actions
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    app.processEvents()
    pairs = visible_pairs(window)
    assert len(pairs) >= 5, "too few pairs on screen"
    counter = PaintCounter(view.viewport(), window.relations.panel.list.viewport())
    created: list[float] = []
    deleted: list[float] = []
    frames: list[float] = []  # the next frame alone, after the command returned
    unpainted = 0
    for n in range(rounds):
        head, tail, rt = pairs[n % len(pairs)]
        window.session.focus_span(head)  # the list shows the head's relations
        next_frame(window)
        before = counter.snapshot()
        t = time.perf_counter()
        rid = actions.create(head, tail, rt)
        f = time.perf_counter()
        next_frame(window)
        created.append(time.perf_counter() - t)
        frames.append(time.perf_counter() - f)
        assert rid is not None
        after = counter.snapshot()
        unpainted += any(a == b for a, b in zip(before, after, strict=True))
        t = time.perf_counter()
        assert actions.delete(rid)
        f = time.perf_counter()
        next_frame(window)
        deleted.append(time.perf_counter() - t)
        frames.append(time.perf_counter() - f)
        unpainted += any(a == b for a, b in zip(after, counter.snapshot(), strict=True))
    assert not unpainted, f"{unpainted} timed edits did not repaint the text and the list"
    print(f"  create a relation (commit, arcs, list): {median_ms(created)}")
    print(f"  delete a relation (commit, arcs, list): {median_ms(deleted)}")
    print(f"    of which the next frame (arcs, tags, list): {median_ms(frames)}")


def _pages(window: MainWindow, start_block: int, rounds: int, idle: bool,
           cpus: list[float] | None = None) -> list[float]:
    app = QApplication.instance()
    view, tags = window.view, window.editor.tags
    bar = view.verticalScrollBar()
    bar.setValue(view.document().findBlockByNumber(start_block).firstLineNumber())
    app.processEvents()
    samples, arcs = [], 0
    for _ in range(rounds):
        if idle:
            while tags.pending:
                app.processEvents()
        else:
            tags.discard_pending()
        c = time.process_time()
        t = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        view.viewport().repaint()
        samples.append(time.perf_counter() - t)
        if cpus is not None:
            cpus.append(time.process_time() - c)
        arcs += len(window.relations.arcs.drawn)
    assert arcs, "no relation was drawn while paging"
    return samples


def bench_scroll(window: MainWindow, rounds: int) -> None:
    view = window.view
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        view.viewport().repaint()
        samples.append(time.perf_counter() - t)
    print(f"  one full repaint, tags and arcs:               {median_ms(samples)}")
    part = view.document().blockCount() // 4
    cpus: list[float] = []
    print(f"  scroll a page, arcs on, paused between pages:  "
          f"{median_ms(_pages(window, part, rounds, idle=True, cpus=cpus))}, {cpu_ms(cpus)}")
    cpus = []
    print(f"  scroll a page, arcs on, no pause:              "
          f"{median_ms(_pages(window, 2 * part, rounds, idle=False, cpus=cpus))}, "
          f"{cpu_ms(cpus)}")
    window.relations.arcs.set_enabled(False)
    print(f"  scroll a page, arcs off, paused between pages: "
          f"{median_ms(_pages_no_arcs(window, 3 * part, rounds))}")
    window.relations.arcs.set_enabled(True)


def _pages_no_arcs(window: MainWindow, start_block: int, rounds: int) -> list[float]:
    app = QApplication.instance()
    view, tags = window.view, window.editor.tags
    bar = view.verticalScrollBar()
    bar.setValue(view.document().findBlockByNumber(start_block).firstLineNumber())
    app.processEvents()
    samples = []
    for _ in range(rounds):
        while tags.pending:
            app.processEvents()
        t = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        view.viewport().repaint()
        samples.append(time.perf_counter() - t)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 15 if args.quick else 60
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.annotator"
        n = 100_000
        docs = build(path, [n])
        made = add_relations(path, docs[n], 20_000)
        print(f"relations: {made:,}")
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        session = Session(Project.open(path), WHO)
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        window.relations.panel.show()  # as after the first Ctrl+R (hidden on a first start)
        app.processEvents()
        bench_open(window, docs[n])
        bench_create_delete(window, rounds)
        bench_scroll(window, rounds)
        print(commit_latency(Path(tmp)))
        print(machine_pace())
        print(f"load average while running: {os.getloadavg()[0]:.2f} "
              f"({os.cpu_count()} cores)")
        window.close()
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
