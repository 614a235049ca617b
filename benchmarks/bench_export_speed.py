"""Native JSONL export against ``json.dumps`` of the same records (issue 10: ≤ 2×), with relations.

The corpus is :mod:`benchmarks.corpus` (N Japanese documents of 2–20 kB, 20–50 spans each, three
annotators), copied, and given relations and attribute values in every annotator's layer
(each claim ``attributed_to`` a source and ``involves`` an actor of its document, each number
``quantifies`` a weapon; every claim's ``stance`` and every source's ``kind`` set), so the export
writes them all. Figures, each the median of ``--repeat`` runs:

* ``export``: ``annotator export --db P -o OUT`` as a subprocess: wall time, CPU time (user +
  system of the child) and peak resident memory;
* ``json.dumps``: the records of that export, decoded beforehand (not timed), serialised with
  ``json.dumps(record, ensure_ascii=False)`` and written to a file: the baseline of the target;
* the ratio of the two wall times.

``--profile`` also runs the export once in this process under ``cProfile`` and prints the 25
functions with the most own time.

Run: ``.venv/bin/python benchmarks/bench_export_speed.py 10000 [--repeat 3] [--profile]
[--work /tmp/export-speed]``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

import corpus  # noqa: E402

from annotator.domain.relations import Relation, new_relation_id  # noqa: E402
from annotator.domain.spans import now  # noqa: E402
from annotator.store import Project  # noqa: E402

PYTHON = sys.executable
RUNNER = r"""
import resource, subprocess, sys, time, json
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_mb": usage.ru_maxrss / 1024, "rc": done.returncode,
                  "err": done.stderr.decode(errors="replace")[-400:]}))
"""
DUMPS = r"""
import json, sys, time
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
started, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for r in records:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(json.dumps({"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu}))
"""


def add_relations(path: Path, seed: int = 12) -> tuple[int, int]:
    """Relations and attribute values in every layer of every document; returns their counts."""
    rng = random.Random(seed)
    stamp = now()
    relations = attributes = 0
    with Project.open(path) as project, project.atomic():
        for document in project.documents():
            by_layer: dict[str, dict[str, list]] = {}
            for span in project.spans(document.id):
                by_layer.setdefault(span.annotator, {}).setdefault(span.label, []).append(span)
            batch = []
            values = []
            for layer, labels in by_layer.items():
                for claim in labels.get("claim", []):
                    values.append((claim.id, {"stance": rng.choice(
                        ["asserted", "reported", "denied", "speculated"])}))
                    for kind, tails in (("attributed_to", labels.get("source")),
                                        ("involves", labels.get("actor"))):
                        if tails:
                            tail = rng.choice(tails)
                            batch.append(Relation(new_relation_id(), document.id, claim.id,
                                                  tail.id, kind, layer, None, stamp, stamp))
                for source in labels.get("source", []):
                    values.append((source.id, {"kind": rng.choice(["media", "government"])}))
                for number in labels.get("number", []):
                    if labels.get("weapon"):
                        batch.append(Relation(new_relation_id(), document.id, number.id,
                                              rng.choice(labels["weapon"]).id, "quantifies",
                                              layer, "数" if rng.random() < 0.1 else None,
                                              stamp, stamp))
            seen = set()
            unique = [r for r in batch if r.key not in seen and not seen.add(r.key)]
            relations += project.add_relations_bulk(unique, who="bench", source="bench")
            attributes += project.set_imported_attributes(values)
    return relations, attributes


def measure(command: list[str]) -> dict:
    out = subprocess.run([PYTHON, "-c", RUNNER, *command], capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result['err']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/export-speed"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print("| documents | spans | relations | export s (CPU s, RSS MB) | json.dumps s (CPU s) "
          "| × dumps (wall / CPU) |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        db = args.work / f"relations-{n}.annotator"
        marker = db.with_suffix(".ready")
        if not marker.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            corpus.fresh_copy(n, args.work)
            (args.work / f"corpus-{n}.annotator").rename(db)
            started = time.perf_counter()
            counts = add_relations(db)
            marker.write_text(json.dumps(counts))
            print(f"  ({n:,}: {counts[0]:,} relations, {counts[1]:,} attribute values added "
                  f"in {time.perf_counter() - started:.0f} s)", file=sys.stderr)
        relations, _attributes = json.loads(marker.read_text())
        out = args.work / f"out-{n}.jsonl"
        runs = [measure([PYTHON, "-m", "annotator", "export", "--db", str(db), "-o", str(out)])
                for _ in range(args.repeat)]
        spans = sum(line.count('"attributes":') for line in out.open(encoding="utf-8"))
        dumps = []
        for _ in range(args.repeat):
            done = subprocess.run([PYTHON, "-c", DUMPS, str(out), str(args.work / "dumps.jsonl")],
                                  capture_output=True, text=True, check=True)
            dumps.append(json.loads(done.stdout))
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        dumps_wall = statistics.median(d["wall"] for d in dumps)
        dumps_cpu = statistics.median(d["cpu"] for d in dumps)
        print(f"| {n:,} | {spans:,} | {relations:,} | {wall:.2f} ({cpu:.2f}, {rss:.0f}) | "
              f"{dumps_wall:.2f} ({dumps_cpu:.2f}) | {wall / dumps_wall:.2f} / "
              f"{cpu / dumps_cpu:.2f} |", flush=True)
        (args.work / "dumps.jsonl").unlink(missing_ok=True)
        if args.profile:
            from annotator.services.exporting import export

            profiler = cProfile.Profile()
            with Project.open(db) as project:
                profiler.enable()
                export(project, "jsonl", output=out)
                profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
