"""The window on a corpus (issue 10): the app as ``annotator`` starts it (every extension),
offscreen, on projects of 1,000 / 10,000 / 100,000 documents (about 35 spans each, three
annotators; ``benchmarks/corpus.py``), printed as figures.

    .venv/bin/python benchmarks/bench_corpus_window.py [1000 10000 100000] [--rounds 30]
        [--filter TEXT]

Per corpus, in a fresh process on a fresh copy of the cached project (migrated to the current
schema first, once, timed apart; its names indexed, as an import leaves them, unless
``--unindexed-names``): the first painted frame (from opening the project to the
text view and the document list painted), switching documents (open, then the next frame),
filtering the document list per keystroke (each key of :data:`FILTER_TEXT` typed into the
filter box through the window, then the next frame, and deleted again), and creating, relabelling and deleting a
span (commit and the next frame); each with its CPU time (this process, user + sys) beside the
wall time. Then the growth ratios from the smaller to the larger corpus, of both.

Targets at 100k documents: first frame <= 1.5 s, switch median <= 50 ms, filter <= 100 ms per
key, create/relabel/delete median <= 16 ms, per-action growth 10k -> 100k <= 1.2x.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: Typed into the filter key by key: the documents are ``article-000000.txt`` on, so from its
#: 10th key it shows the same rows at every size (10,000, 1,000, 100, 10), and a per-key growth
#: compares the same work. (``article-0421`` shows nothing at 10,000 documents from its 10th key
#: but 1,000 rows at 100,000: ``--filter article-0421`` measures it.)
FILTER_TEXT = "article-00042"


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(t: tuple[float, float]) -> tuple[float, float]:
    """Wall and CPU time (this process, user + sys) since ``clock()`` gave ``t``."""
    return time.perf_counter() - t[0], time.process_time() - t[1]


def ms(samples: list[tuple[float, float]]) -> dict[str, float]:
    ordered = sorted(wall for wall, _cpu in samples)
    return {"median": statistics.median(ordered) * 1000,
            "p95": ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000,
            "max": ordered[-1] * 1000, "n": len(ordered),
            "cpu_median": statistics.median(cpu for _wall, cpu in samples) * 1000}


def child(path: Path, rounds: int, folder: Path, text: str = FILTER_TEXT) -> dict[str, object]:
    """Run in a fresh process: start the app on ``path`` and time the actions."""
    from PySide6.QtCore import QEvent, QObject, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from annotator.ui import app as app_module
    from annotator.ui.settings import AppSettings

    began = time.perf_counter()
    app = app_module.application()
    app_module.register_extensions()
    settings = AppSettings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    settings.annotator = "bench"
    app_module.theme.apply_theme(app, settings.theme)
    painted: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                painted.setdefault(watched.objectName(), time.perf_counter())
            return False

    watcher = FirstPaint()
    manager = app_module.WindowManager(settings, "bench")
    opened, opened_cpu = clock()
    window = manager.open(str(path))
    assert window is not None
    window.resize(1280, 800)
    window.view.viewport().setObjectName("text")
    window.documents.view.viewport().setObjectName("list")
    for widget in (window.view.viewport(), window.documents.view.viewport()):
        widget.installEventFilter(watcher)
    while len(painted) < 2 and time.perf_counter() - opened < 120:
        app.processEvents()
    first_frame = max(painted.values()) - opened
    first_frame_cpu = time.process_time() - opened_cpu
    after_imports = opened - began

    session, editor, view = window.session, window.editor, window.view
    model = window.documents.model
    n_docs = model.rowCount()
    rng = random.Random(n_docs)
    profile = None
    if os.environ.get("BENCH_PROFILE"):  # a cProfile of the timed actions (not the start)
        import cProfile

        profile = cProfile.Profile()
        profile.enable()

    Samples = list[tuple[float, float]]

    def actions() -> tuple[Samples, Samples, Samples, Samples]:
        # Switching: random documents, each opened and painted.
        switch = []
        for _ in range(rounds):
            doc_id = model.document_id(rng.randrange(n_docs))
            t = clock()
            window.open_document(doc_id)
            app.processEvents()
            switch.append(since(t))
        # Edits on the open document.
        created, relabelled, deleted = [], [], []
        for _ in range(rounds):
            first = view.offsets.to_codepoint(view.firstVisibleBlock().position())
            start = first + rng.randrange(0, 120)
            if start + 6 >= len(session.text):
                start = 0
            view.select_cp(start, start + rng.randint(2, 5), ensure_visible=False)
            app.processEvents()
            t = clock()
            span = editor.apply_label("claim")
            app.processEvents()
            if span is None:
                continue
            created.append(since(t))
            t = clock()
            editor.apply_label("actor")
            app.processEvents()
            relabelled.append(since(t))
            t = clock()
            editor.delete_focused()
            app.processEvents()
            deleted.append(since(t))
        return switch, created, relabelled, deleted

    switch, created, relabelled, deleted = actions()
    keys: Samples = []
    # Filtering: type the filter key by key, then delete it key by key.
    # The keys go to the window, as the window system delivers them (to the focused filter
    # box), so the window sees them as input (a key sent straight to the widget is not: the
    # reading indexer's worker then keeps the interpreter's lock, and a key waited up to 0.6 s).
    edit = window.documents.filter_edit
    edit.setFocus()
    handle = window.windowHandle()
    for _ in range(max(rounds // len(text), 1)):
        for char in text:
            t = clock()
            QTest.keyClick(handle, char)
            app.processEvents()
            keys.append(since(t))
        shown = model.rowCount()
        assert edit.text() == text, edit.text()
        for _char in text:
            t = clock()
            QTest.keyClick(handle, Qt.Key.Key_Backspace)
            app.processEvents()
            keys.append(since(t))
    sorts = {}
    for column, name in ((0, "name"), (1, "spans"), (2, "status"), (-1, "import order")):
        t = time.perf_counter()
        window.documents.view.sortByColumn(column, Qt.SortOrder.DescendingOrder
                                           if column == 1 else Qt.SortOrder.AscendingOrder)
        app.processEvents()
        sorts[name] = (time.perf_counter() - t) * 1000
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    # The same switches and edits once the reading indexer is stopped (what it costs them).
    aids = getattr(window, "reading_aids", None)
    quiet: dict[str, object] = {}
    if aids is not None:
        aids.indexer.shutdown()
        app.processEvents()
        q_switch, q_create, q_relabel, q_delete = actions()
        quiet = {"switch": ms(q_switch), "create": ms(q_create), "relabel": ms(q_relabel),
                 "delete": ms(q_delete)}
    result = {
        "documents": n_docs, "imports_s": after_imports, "first_frame_s": first_frame,
        "first_frame_cpu_s": first_frame_cpu,
        "switch": ms(switch), "create": ms(created), "relabel": ms(relabelled),
        "delete": ms(deleted), "filter_key": ms(keys), "filter_rows": shown, "sort_ms": sorts,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load": os.getloadavg()[0], "without_indexing": quiet,
    }
    manager.close()
    QApplication.processEvents()
    return result


def prepare(n: int, folder: Path) -> tuple[Path, float]:
    """A fresh copy of the corpus, migrated to the current schema (timed; backup removed).

    The migrated file is kept beside the cached corpus (``…-vN.annotator``, read-only like
    it), so a second run copies it instead of migrating again (then 0 s is reported). The
    migration starts from the newest such file of an older version when there is one (a copy
    of it: the cached files are never written)."""
    import shutil

    from corpus import project_path

    from annotator.store import Project
    from annotator.store.schema import current_version

    source = project_path(n)
    version = current_version()
    migrated = source.with_name(f"{source.stem}-v{version}.annotator")
    target = folder / f"corpus-{n}.annotator"
    took = 0.0
    if not migrated.exists():
        older = [source.with_name(f"{source.stem}-v{v}.annotator") for v in range(version)]
        start = next((p for p in reversed(older) if p.exists()), source)
        partial = folder / "migrating.annotator"
        shutil.copyfile(start, partial)
        t = time.perf_counter()
        Project.open(partial).close()
        took = time.perf_counter() - t
        for backup in folder.glob(partial.name + ".v*.backup"):
            backup.unlink()
        shutil.copyfile(partial, migrated.with_suffix(".partial"))
        migrated.with_suffix(".partial").rename(migrated)
        partial.rename(target)
    else:
        shutil.copyfile(migrated, target)
    # On disk before the app starts: else its first commit waits for the copy's gigabytes to
    # be written back (at 100,000 documents about a second, which the first frame measured).
    with open(target, "rb+") as copied:
        os.fsync(copied.fileno())
    return target, took


def index_names(path: Path) -> None:
    """Index the copy's document names, as ``annotator import`` now leaves a corpus (the
    cached corpora are built without: ``--unindexed-names`` measures the window on them)."""
    from annotator.store import Project, document_rows

    with Project.open(path) as project, project.atomic():
        document_rows.index_names(project, 1 << 40)
    with open(path, "rb+") as written:
        os.fsync(written.fileno())


def show(n: int, r: dict[str, object], migrate_s: float) -> None:
    print(f"\n{n:,} documents (load {r['load']:.1f}, max RSS {r['max_rss_mb']:.0f} MB; "
          f"migration to the current schema once: {migrate_s:.1f} s, 0: cached)")
    print(f"  first painted frame   {r['first_frame_s'] * 1000:8.0f} ms "
          f"(CPU {r['first_frame_cpu_s'] * 1000:.0f} ms) "
          f"(after {r['imports_s'] * 1000:.0f} ms of start-up before opening)")
    for key in ("switch", "filter_key", "create", "relabel", "delete"):
        s = r[key]
        print(f"  {key:<20}  median {s['median']:7.2f} ms, p95 {s['p95']:7.2f} ms, "
              f"max {s['max']:7.2f} ms (n={s['n']}; CPU median {s['cpu_median']:6.2f} ms)")
    for key, q in r.get("without_indexing", {}).items():
        print(f"  {key + ', indexer stopped':<20}  median {q['median']:7.2f} ms, "
              f"p95 {q['p95']:7.2f} ms (n={q['n']})")
    print("  sort by " + ", ".join(f"{k} {v:.0f} ms" for k, v in r["sort_ms"].items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--filter", default=FILTER_TEXT, help="the text typed into the filter")
    parser.add_argument("--unindexed-names", action="store_true",
                        help="leave the names out of the name index, as a project of an older "
                             "version has them (the window then indexes them as it goes)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child), args.rounds, Path(args.child).parent,
                               args.filter)))
        return 0
    results = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
            path, migrate_s = prepare(n, Path(tmp))
            if not args.unindexed_names:
                index_names(path)
            out = subprocess.run([sys.executable, __file__, "--child", str(path),
                                  "--rounds", str(args.rounds), "--filter", args.filter],
                                 capture_output=True,
                                 text=True, check=True)
            results[n] = json.loads(out.stdout.strip().splitlines()[-1])
            show(n, results[n], migrate_s)
    sizes = sorted(results)
    for small, large in zip(sizes, sizes[1:], strict=False):
        a, b = results[small], results[large]
        ratios = {key: b[key]["median"] / a[key]["median"]
                  for key in ("switch", "filter_key", "create", "relabel", "delete")}
        ratios["first_frame"] = b["first_frame_s"] / a["first_frame_s"]
        cpu = {key: b[key]["cpu_median"] / max(a[key]["cpu_median"], 1e-6)
               for key in ("switch", "filter_key", "create", "relabel", "delete")}
        cpu["first_frame"] = b["first_frame_cpu_s"] / max(a["first_frame_cpu_s"], 1e-6)
        print(f"\ngrowth {small:,} -> {large:,}: "
              + ", ".join(f"{k} x{v:.2f}" for k, v in ratios.items()))
        print(f"growth of CPU time {small:,} -> {large:,}: "
              + ", ".join(f"{k} x{v:.2f}" for k, v in cpu.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
