"""Does background reading indexing slow the window? Document switches while it runs and after.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_indexing_window.py [--docs 1000]``.
Prints figures; asserts nothing. On a fresh copy of the shared corpus (no readings indexed),
a window with the reading aids installed (they start indexing every document) switches to a
random document ``--rounds`` times while the indexer works (the event loop runs 100 ms between
switches), then as many times once it is idle: each switch is ``open_document`` plus the events
it posts plus a full repaint. Medians and p95, with the indexer's progress and the load.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.services.japanese.corpus_search import readings_state  # noqa: E402
from annotator.store import Project  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.reading import install  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402


def stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (f"median {statistics.median(samples) * 1000:6.1f} ms, p95 "
            f"{ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000:6.1f} ms (n={len(samples)})")


def switches(app: QApplication, window: MainWindow, ids: list[int], rounds: int, rng: random.Random,
             between_ms: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        doc_id = rng.choice(ids)
        started = time.perf_counter()
        window.open_document(doc_id)
        app.processEvents()
        window.view.viewport().repaint()
        samples.append(time.perf_counter() - started)
        until = time.perf_counter() + between_ms / 1000
        while time.perf_counter() < until:
            app.processEvents()
            time.sleep(0.002)
    return samples


def main() -> None:
    from corpus import fresh_copy

    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = fresh_copy(args.docs, Path(tmp))
        Project.open(path).close()  # migrate first (the text index), not timed here
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        session = Session(Project.open(path), "bench")
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        aids = install(window)
        window.show()
        app.processEvents()
        ids = [d.id for d in session.documents]
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        switches(app, window, ids, 3, rng, 50)  # warm-up
        before = readings_state(session.project)[0]
        during = switches(app, window, ids, args.rounds, rng, 100)
        after = readings_state(session.project)[0]
        print(f"switch while indexing ({before} -> {after} of {len(ids)} documents indexed meanwhile): "
              f"{stats(during)}")
        aids.indexer.cancel()
        while aids.indexer.busy():
            app.processEvents()
            time.sleep(0.01)
        idle = switches(app, window, ids, args.rounds, rng, 100)
        print(f"switch with the indexer idle: {stats(idle)}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        aids.indexer.shutdown()
        window.close()
        session.close()


if __name__ == "__main__":
    main()
