"""End-to-end benchmark of ``annotator agree``: from a real project file to printed JSON.

Builds a project file with the synthetic data of ``bench_agreement.py`` (1,000 documents,
two annotators with 50,000 spans each), then times ``annotator agree --annotators A B --json``
in-process (opening the project, reading every span from SQLite, computing, printing) and as
a subprocess (Python start-up included). Target from issue 4: under 2 s. Run:

    .venv/bin/python benchmarks/bench_agree_cli.py
"""

from __future__ import annotations

import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_agreement import LABELS, make_project  # noqa: E402

from annotator.cli import main as cli_main  # noqa: E402
from annotator.domain.labels import Label  # noqa: E402
from annotator.domain.spans import Span  # noqa: E402
from annotator.store import Project  # noqa: E402


def build(path: Path) -> int:
    texts, _lengths, spans = make_project()
    with Project.open(path) as project:
        with project.atomic():
            for number, label in enumerate(LABELS):
                project.add_label(Label(label, "#4e79a7", None, ""), who="bench")
            ids = {}
            for doc, text in texts.items():
                document, _ = project.add_document(f"doc{doc:04}.txt", text, who="bench")
                ids[doc] = document.id
        stamp = "2026-01-01T00:00:00.000Z"
        project.add_spans_bulk(
            (Span(s.id, ids[s.document_id], s.start, s.end, s.label, s.annotator, None, stamp,
                  stamp) for s in spans), who="bench", source="benchmark")
    return len(spans)


def run_in_process(path: Path) -> float:
    out = io.StringIO()
    began = time.perf_counter()
    with contextlib.redirect_stdout(out):
        status = cli_main(["agree", "--db", str(path), "--annotators", "A", "B", "--json"])
    seconds = time.perf_counter() - began
    assert status == 0 and out.getvalue().startswith('{"annotators": ["A", "B"]')
    return seconds


def run_subprocess(path: Path) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "annotator", "agree", "--db", str(path),
                           "--annotators", "A", "B", "--json"], capture_output=True, check=True)
    seconds = time.perf_counter() - began
    assert done.stdout.startswith(b'{"annotators"')
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.annotator"
        began = time.perf_counter()
        count = build(path)
        print(f"project file: 1,000 documents, {count:,} spans (2 annotators), built in "
              f"{time.perf_counter() - began:.1f} s, {path.stat().st_size / 1e6:.1f} MB")
        inproc = [run_in_process(path) for _ in range(3)]
        print(f"annotator agree --json, in-process (median of 3): {statistics.median(inproc):.3f} s"
              f"   (target < 2 s)")
        sub = [run_subprocess(path) for _ in range(3)]
        print(f"annotator agree --json, subprocess incl. Python start-up (median of 3): "
              f"{statistics.median(sub):.3f} s")


if __name__ == "__main__":
    main()
