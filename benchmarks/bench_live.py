"""A window beside another writer, at 100,000 spans on the 1 MB text (offscreen): figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_live.py [--quick]

Targets (issue 8): the idle check for changes made elsewhere costs < 0.1 ms per poll; a change
committed by another process is shown by the window (table, highlighter, counts, palette,
painted) within 1 s at 100,000 spans.

- *idle poll*: the window's timer slot (``LiveUpdates.poll``) when nothing changed, median over
  many calls;
- *refresh latency*: another process (a real one, through ``Project``) commits a change and
  notes the time (``time.monotonic``, one clock for every process on Linux); the window runs its
  event loop as usual and the latency ends when the change is visible and painted. It includes
  the wait for the next poll (``POLL_MS``), so about half a poll interval on average;
- *apply*: the same changes with the poll called at once: the cost of reading and applying
  them, without the wait.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench_window import build  # noqa: E402

from annotator.store import Project  # noqa: E402
from annotator.ui.live import POLL_MS  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

SPANS = 100_000

WRITER = textwrap.dedent("""
    import json, random, sys, time
    from annotator.domain.labels import Label
    from annotator.domain.spans import Span, new_span_id, now
    from annotator.store import Project
    project = Project.open(sys.argv[1])
    doc = int(sys.argv[2])
    rng = random.Random(3)
    length = project.document(doc).length
    labels = 0
    seen = set()

    def fresh_range():
        while True:
            start = rng.randrange(0, length - 20)
            end = start + rng.randint(1, 9)
            if (start, end) not in seen:
                seen.add((start, end))
                return start, end

    print("ready", flush=True)
    for line in sys.stdin:
        kind = line.strip()
        if kind == "add":
            result = project.add_span(doc, *fresh_range(), "claim", "hana").id
        elif kind.startswith("relabel "):
            result = project.update_span(kind.split()[1], who="hana", label="weapon").id
        elif kind.startswith("delete "):
            result = project.delete_span(kind.split()[1], who="hana").id
        elif kind == "label":
            labels += 1
            name = f"extra{labels}"
            project.add_label(Label(name, "#336699", None, ""), who="hana")
            result = name
        elif kind == "import":
            stamp = now()
            spans = []
            for _ in range(1000):
                spans.append(Span(new_span_id(), doc, *fresh_range(), "number", "hana", None,
                                  stamp, stamp))
            project.add_spans_bulk(spans, who="hana", source="bench.jsonl")
            result = "1000"
        else:
            break
        print(json.dumps([time.monotonic(), result]), flush=True)
    project.close()
""")


class Writer:
    """Another process writing to the project, one change per request."""

    def __init__(self, path: Path, doc_id: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
        self.proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(doc_id)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        assert self.proc.stdout is not None and self.proc.stdin is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def change(self, kind: str) -> tuple[float, str]:
        """Ask for one change; returns (commit time, what: a span id, a label name, ...)."""
        import json

        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(kind + "\n")
        self.proc.stdin.flush()
        at, result = json.loads(self.proc.stdout.readline())
        return at, result

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.proc.stdout.close()


def stats(samples: list[float], unit: float = 1000, name: str = "ms") -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (f"median {statistics.median(samples) * unit:8.2f} {name}, p95 {p95 * unit:8.2f} "
            f"{name}, max {ordered[-1] * unit:8.2f} {name} (n={len(samples)})")


def idle(app: QApplication, seconds: float) -> None:
    """Run the event loop for ``seconds`` (the window idles, polling as usual)."""
    limit = time.monotonic() + seconds
    while time.monotonic() < limit:
        app.processEvents()
        time.sleep(0.001)


def wait_shown(app: QApplication, shown: Callable[[], bool], timeout: float = 10.0) -> float:
    """Run the event loop until ``shown()``, then paint; returns the monotonic time then."""
    limit = time.monotonic() + timeout
    while not shown():
        if time.monotonic() > limit:
            raise AssertionError("the window did not show the change")
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()  # the frame showing it
    return time.monotonic()


Change = Callable[[], tuple[float, Callable[[], bool]]]


def changes(window: MainWindow, writer: Writer) -> list[tuple[str, Change]]:
    """(name, a function making one change elsewhere and returning its commit time and a
    predicate telling that the window shows it)."""
    session = window.session
    table = window.span_table.span_model

    def add() -> tuple[float, Callable[[], bool]]:
        at, span_id = writer.change("add")
        return at, lambda: span_id in session.index and table.total() == len(session.index)

    def relabel() -> tuple[float, Callable[[], bool]]:
        taken = {(s.start, s.end, s.annotator) for s in session.index if s.label == "weapon"}
        target = next(s.id for s in session.index
                      if s.label != "weapon" and (s.start, s.end, s.annotator) not in taken)
        at, _ = writer.change(f"relabel {target}")
        return at, lambda: session.index.get(target).label == "weapon"

    def delete() -> tuple[float, Callable[[], bool]]:
        target = next(iter(session.index)).id
        at, _ = writer.change(f"delete {target}")
        return at, lambda: target not in session.index and table.total() == len(session.index)

    def label() -> tuple[float, Callable[[], bool]]:
        at, name = writer.change("label")
        return at, lambda: name in window.palette_panel.names()

    def bulk() -> tuple[float, Callable[[], bool]]:
        before = len(session.index)
        at, _ = writer.change("import")
        return at, lambda: len(session.index) == before + 1000

    return [("add a span", add), ("relabel a span", relabel), ("delete a span", delete),
            ("add a label", label), ("import 1,000 spans", bulk)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 8 if args.quick else 30
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "live.annotator"
        doc_id = build(path, [SPANS])[SPANS]
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        session = Session(Project.open(path), "bench")
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        window.open_document(doc_id)
        app.processEvents()
        bar = window.view.verticalScrollBar()
        bar.setValue(bar.maximum() // 2)
        app.processEvents()
        print(f"window on {len(session.index):,} spans, poll every {POLL_MS} ms")

        # Idle poll: nothing changed.
        live = window.live
        live.poll()
        samples = []
        for _ in range(2_000 if args.quick else 20_000):
            t = time.perf_counter()
            live.poll()
            samples.append(time.perf_counter() - t)
        print(f"idle poll (timer slot):          {stats(samples, 1e6, 'us')}")
        samples = []
        for _ in range(2_000 if args.quick else 20_000):
            t = time.perf_counter()
            session.feed.pending()
            samples.append(time.perf_counter() - t)
        print(f"idle check (two reads):          {stats(samples, 1e6, 'us')}")

        rng = random.Random(11)
        writer = Writer(path, doc_id)
        try:
            # Latency through the event loop, poll timer running.
            for name, make in changes(window, writer):
                latency = []
                for _ in range(rounds if "import" not in name else max(3, rounds // 4)):
                    idle(app, rng.uniform(0, POLL_MS / 1000))  # at a random moment of the poll
                    at, shown = make()
                    latency.append(wait_shown(app, shown) - at)
                print(f"refresh latency, {name:<18} {stats(latency)}")
            # Apply cost: the poll called at once after the commit.
            live.timer.stop()
            for name, make in changes(window, writer):
                cost = []
                for _ in range(rounds if "import" not in name else max(3, rounds // 4)):
                    _at, shown = make()
                    t = time.perf_counter()
                    live.poll()
                    app.processEvents()
                    cost.append(time.perf_counter() - t)
                    assert shown()
                print(f"apply + paint,   {name:<18} {stats(cost)}")
            live.timer.start()
        finally:
            writer.close()
        assert len(session.index) == len(session.project.spans(doc_id))
        window.close()
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
