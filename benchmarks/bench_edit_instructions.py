"""Instructions per edit in the window at 100,000 spans, counted by valgrind's callgrind.

    .venv/bin/python benchmarks/bench_edit_instructions.py [--kind create|relabel|delete]
        [--tags on|off] [--rounds N] [--src DIR]

Wall-clock timings on a shared machine swing with the hour (the same code runs up to 1.7
times slower); an instruction count does not: the same code, inputs and environment give the
same count whatever else the machine does. This counts the instructions of one kind of edit
(label a selection, relabel the focused span, delete it), commit and next frame included, as
``bench_label_tags.py`` times them, on the same 1 MB text with 100,000 spans at 1280x800.
Only the timed edits are counted (callgrind's instrumentation is switched on around each);
the figure is their total divided by their number. ``--src DIR`` counts another checkout's
``src`` (e.g. an older commit unpacked with ``git archive``), for a side-by-side comparison.
Every run edits a copy of one project file (``--project``, built on the first run and kept):
span ids are random, and with other ids the same edits meet other ties in the sort orders
(another span focused after a delete, say), which changes the count by a fifth.
Needs ``valgrind`` (Debian's package; not on PyPI); takes a few minutes (about 50 times
slower than a normal run). Timers that fire during a counted edit are counted with it (the
run is slow, so more of them fire than in a normal run): compare figures of this script only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child(kind: str, tags: bool, rounds: int, path: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(HERE))
    from PySide6.QtCore import QPoint, QSettings
    from PySide6.QtWidgets import QApplication

    from bench_window import next_frame, paint, settle_highlighting

    from annotator.store import Project
    from annotator.ui.main_window import MainWindow
    from annotator.ui.session import Session
    from annotator.ui.settings import AppSettings

    def count(on: bool) -> None:
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    app = QApplication(sys.argv[:1])
    settings = AppSettings(QSettings(str(path) + ".ini", QSettings.Format.IniFormat))
    session = Session(Project.open(path), "bench")
    window = MainWindow(session, settings)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    window.open_document(session.project.documents()[0].id)
    app.processEvents()
    paint(window)
    settle_highlighting(window)
    window.editor.set_label_tags(tags)
    app.processEvents()
    paint(window)
    view, editor = window.view, window.editor
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    for _ in range(20):
        app.processEvents()
    base = view.offsets.to_codepoint(view.cursorForPosition(QPoint(0, 2)).position())
    rng = random.Random(1)
    counted = 0
    for _ in range(rounds):
        start = base + rng.randrange(0, 200)
        view.select_cp(start, start + rng.randint(2, 8), ensure_visible=False)
        app.processEvents()
        for step, action in (("create", lambda: editor.apply_label("claim")),
                             ("relabel", lambda: editor.apply_label("actor")),
                             ("delete", editor.delete_focused)):
            if step == kind:
                count(True)
            done = action()
            next_frame(window)
            if step == kind:
                count(False)
                counted += 1
            if step == "create" and done is None:
                if kind == "create":
                    counted -= 1
                break
    print(f"counted {counted}")
    window.close()
    session.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("create", "relabel", "delete"), default="create")
    parser.add_argument("--tags", choices=("on", "off"), default="on")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the src folder to count (default: this checkout's)")
    parser.add_argument("--project", type=Path,
                        default=Path(tempfile.gettempdir()) / "annotator-bench-edits.annotator",
                        help="the project to edit a copy of (built when missing, then kept)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return _child(args.kind, args.tags == "on", args.rounds, args.child)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE))
    from bench_window import build

    if not args.project.exists():
        build(args.project, [100_000])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.annotator"
        shutil.copyfile(args.project, path)
        out = Path(tmp) / "callgrind.out"
        env = {**os.environ, "PYTHONPATH": str(args.src.resolve()), "PYTHONHASHSEED": "0",
               "QT_QPA_PLATFORM": "offscreen"}
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={out}", sys.executable, str(Path(__file__).resolve()),
             "--kind", args.kind, "--tags", args.tags, "--rounds", str(args.rounds),
             "--child", str(path)],
            env=env, capture_output=True, text=True, check=False)
        counted = [int(line.split()[1]) for line in run.stdout.splitlines()
                   if line.startswith("counted ")]
        totals = [int(line.split()[1]) for line in out.read_text().splitlines()
                  if line.startswith("totals:")] if out.exists() else []
        if run.returncode != 0 or not counted or not counted[0] or not totals:
            print(run.stdout[-2000:] + run.stderr[-2000:], file=sys.stderr)
            return 1
        print(f"{args.kind} at 100,000 spans, tags {args.tags} ({args.src}): "
              f"{totals[0] / counted[0] / 1e6:.1f} million instructions per edit "
              f"(n={counted[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
