"""What the aggregate triggers (schema v6) cost a bulk span import: ``add_spans_bulk`` of a
corpus's spans into a project with its documents, with the triggers and with them dropped.

``.venv/bin/python benchmarks/bench_aggregate_triggers.py [documents]`` (default 10,000, about
350,000 spans); prints seconds per run and the median ratio.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import documents  # noqa: E402

from annotator.domain.spans import Span, new_span_id, now  # noqa: E402
from annotator.store import Project  # noqa: E402

TRIGGERS = ("aggregates_span_insert",)


def run(n: int, triggers: bool, folder: Path) -> float:
    path = folder / f"p-{triggers}-{time.monotonic_ns()}.annotator"
    project = Project.open(path)
    stamp = now()
    records = list(documents(n))
    try:
        with project.atomic():
            ids = [project.add_document(r["name"], r["text"], who="bench")[0].id for r in records]
        if not triggers:
            for name in TRIGGERS:
                project.db.execute(f"DROP TRIGGER {name}")
        spans = [Span(new_span_id(), doc_id, s["start"], s["end"], s["label"], s["annotator"],
                      None, stamp, stamp)
                 for doc_id, r in zip(ids, records) for s in r["spans"]]
        began = time.perf_counter()
        project.add_spans_bulk(spans, who="bench", source="bench")
        took = time.perf_counter() - began
        print(f"  {'with' if triggers else 'without'} triggers: {len(spans):,} spans "
              f"in {took:.2f} s", flush=True)
        return took
    finally:
        project.close()
        for p in folder.glob(path.name + "*"):
            p.unlink()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with_t, without = [], []
        for _ in range(3):
            without.append(run(n, False, folder))
            with_t.append(run(n, True, folder))
    a, b = statistics.median(with_t), statistics.median(without)
    print(f"add_spans_bulk at {n:,} documents: {a:.2f} s with triggers, {b:.2f} s without "
          f"(x{a / b:.2f})")


if __name__ == "__main__":
    main()
