"""Adding one span, with its history row, in its own committed transaction.

Prints the median and p95 over N adds into a project that already holds 100,000 spans.
Target: median under 2 ms.   Run: python benchmarks/bench_store.py [--adds 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from annotator.domain.spans import Span, new_span_id, now
from annotator.store import Project

LABELS = ["claim", "actor", "weapon", "number", "source"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--adds", type=int, default=2_000)
    args = parser.parse_args()
    text = ("北朝鮮は短距離弾道ミサイルを発射したと韓国軍が発表した。" * 40 + "\n") * 100
    with tempfile.TemporaryDirectory() as folder, Project.open(Path(folder) / "b.annotator") as project:
        document, _ = project.add_document("bench.txt", text, who="bench")
        stamp = now()
        existing = (Span(new_span_id(), document.id, i % (len(text) - 20), i % (len(text) - 20) + 5
                         + i // (len(text) - 20), LABELS[i % 5], "seed", None, stamp, stamp)
                    for i in range(args.existing))
        project.add_spans_bulk(existing, who="bench", source="bench")
        times = []
        for i in range(args.adds):
            start = (i * 7919) % (len(text) - 30)
            began = time.perf_counter()
            project.add_span(document.id, start, start + 3 + i % 20, LABELS[i % 5], "bench")
            times.append(time.perf_counter() - began)
        times.sort()
        median = statistics.median(times) * 1000
        p95 = times[int(len(times) * 0.95)] * 1000
        print(f"add one span with history, own transaction, {args.existing:,} spans present, "
              f"{args.adds:,} adds: median {median:.3f} ms, p95 {p95:.3f} ms "
              f"(target median < 2 ms: {'met' if median < 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
