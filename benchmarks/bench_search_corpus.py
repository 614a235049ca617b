"""Search over a corpus through the project's search index: build once, then warm searches.

Run: ``.venv/bin/python benchmarks/bench_search_corpus.py [--docs 1000 10000 100000]``.
Prints figures; asserts nothing. For each size, on a copy of the shared corpus
(``benchmarks/corpus.py``, kept in ``--folder`` so that a second run reuses the built index):

1. opening the copy migrates it, then ``index_texts`` adds the texts not in the trigram text
   index yet (since schema 9 an import leaves them for later; characters/s of both);
2. ``index_readings`` indexes every document's readings once (characters/s; the corpus
   repeats the seed sentences, so most runs are converted once and remembered: the figure for
   new text is pykakasi's, printed by ``benchmarks/bench_readings.py``), then
   ``index_positions`` puts their tokens in the postings (characters/s, and the peak RSS of
   this process);
3. in a fresh process, each query is searched once (warm-up), then ``--repeat`` times: the
   time to the first hit, to the first 20,000 and to all of them through ``iter_hits`` (a
   ``Hit`` with its text per hit, what the command line prints), and to all of them through
   ``iter_hit_groups`` (a document's spans at a time, what the window lists), medians (wall
   clock, and the CPU time of "all", which a shared machine disturbs less); the process's peak
   RSS;
4. ``annotator search QUERY`` as a user runs it, output to /dev/null (a fresh process each
   time: start-up included), median wall and CPU time (user + sys of the child).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

QUERIES = [("romaji, rare", "kiji000777"), ("literal, rare", "記事000777"), ("kana", "ぷーちん"),
           ("literal", "ラブロフ"), ("romaji", "kitachosen"), ("literal, 2 chars", "米国")]
WINDOW_CAP = 20_000


def build(n: int, folder: Path, workers: int) -> dict[str, float]:
    from corpus import fresh_copy

    from annotator.services.japanese.corpus_search import (
        index_positions,
        index_readings,
        index_texts,
        positions_pending,
        readings_state,
    )
    from annotator.services.japanese.parallel import IndexPool
    from annotator.store import Project

    path = folder / f"corpus-{n}.annotator"
    figures: dict[str, float] = {}
    if not path.exists():
        fresh = fresh_copy(n, folder)
        started = time.perf_counter()
        project = Project.open(fresh)  # the migration (to version 7) may build the text index
        index_texts(project)  # the texts added since
        figures["text_index_s"] = time.perf_counter() - started
        project.close()
    with Project.open(folder / f"corpus-{n}.annotator") as project:
        chars = project.db.execute("SELECT sum(length) FROM documents").fetchone()[0]
        figures["chars"] = chars
        indexed, total = readings_state(project)
        if indexed < total:
            started = time.perf_counter()
            pool = IndexPool(workers=workers) if workers > 1 else None
            try:
                index_readings(project, pool=pool)
            finally:
                if pool is not None:
                    pool.shutdown(wait=True)
            figures["readings_s"] = time.perf_counter() - started
            figures["readings_docs"] = total - indexed
        if positions_pending(project):
            started = time.perf_counter()
            figures["positions_docs"] = index_positions(project)
            figures["positions_s"] = time.perf_counter() - started
            figures["build_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["file_mb"] = path.stat().st_size / 1e6
    return figures


def cli_figures(path: Path, query: str, repeat: int) -> dict[str, float]:
    """Median wall and CPU seconds of ``annotator search --db PATH QUERY > /dev/null``."""
    command = [sys.executable, "-m", "annotator", "search", "--db", str(path), query]
    runs = []
    for attempt in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        with open(os.devnull, "w") as sink:
            subprocess.run(command, check=True, stdout=sink)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if attempt:
            runs.append((wall, cpu))
    return {"cli_ms": 1000 * statistics.median(r[0] for r in runs),
            "cli_cpu_ms": 1000 * statistics.median(r[1] for r in runs)}


def search_figures(path: Path, repeat: int, queries: list[tuple[str, str]]) -> dict[str, object]:
    from annotator.services.japanese.corpus_search import iter_hit_groups, iter_hits
    from annotator.store import Project

    out: dict[str, object] = {}
    with Project.open(path) as project:
        for kind, query in queries:
            runs = []
            for attempt in range(repeat + 1):
                cpu = time.process_time()
                started = time.perf_counter()
                hits = iter_hits(project, query)
                first = next(hits, None)
                t_first = time.perf_counter() - started
                count = 1 if first is not None else 0
                t_cap = None
                for _hit in hits:
                    count += 1
                    if count == WINDOW_CAP:
                        t_cap = time.perf_counter() - started
                t_all = time.perf_counter() - started
                t_cpu = time.process_time() - cpu
                started = time.perf_counter()
                cpu = time.process_time()
                groups = iter_hit_groups(project, query)
                first_group = next(groups, None)
                t_group_first = time.perf_counter() - started
                grouped = len(first_group[1]) if first_group is not None else 0
                grouped += sum(len(spans) for _doc, spans in groups)
                t_groups = time.perf_counter() - started
                t_groups_cpu = time.process_time() - cpu
                assert grouped == count, (grouped, count)
                if attempt:  # the first run warms the page cache and pykakasi
                    runs.append((t_first, t_cap if t_cap is not None else t_all, t_all, t_cpu,
                                 t_group_first, t_groups, t_groups_cpu))
            out[f"{kind}: {query}"] = {
                "hits": count,
                "first_ms": 1000 * statistics.median(r[0] for r in runs),
                "first_20k_ms": 1000 * statistics.median(r[1] for r in runs),
                "all_ms": 1000 * statistics.median(r[2] for r in runs),
                "all_cpu_ms": 1000 * statistics.median(r[3] for r in runs),
                "groups_first_ms": 1000 * statistics.median(r[4] for r in runs),
                "groups_all_ms": 1000 * statistics.median(r[5] for r in runs),
                "groups_all_cpu_ms": 1000 * statistics.median(r[6] for r in runs),
            }
            out[f"{kind}: {query}"].update(cli_figures(path, query, repeat))  # type: ignore[attr-defined]
            print(f"{kind}: {query}", json.dumps(out[f"{kind}: {query}"]),  # as it goes
                  f"rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
                  file=sys.stderr, flush=True)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/annotator-search-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes indexing the readings (1: this process)")
    parser.add_argument("--queries", nargs="+", metavar="QUERY",
                        help="only these of the queries (default: all of them)")
    parser.add_argument("--search-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    queries = [(k, q) for k, q in QUERIES if not args.queries or q in args.queries]
    if args.search_only:
        print(json.dumps(search_figures(args.search_only, args.repeat, queries)))
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results = {}
    for n in args.docs:
        figures = build(n, args.folder, args.workers)
        chars = figures["chars"]
        line = f"{n:,} documents, {chars:,.0f} characters, file {figures['file_mb']:,.0f} MB"
        if "text_index_s" in figures:
            line += (f"; text index (migration) {figures['text_index_s']:.1f} s = "
                     f"{chars / figures['text_index_s']:,.0f} chars/s")
        if "readings_s" in figures:
            line += (f"; readings {figures['readings_s']:.1f} s = "
                     f"{chars / figures['readings_s']:,.0f} chars/s")
        if "positions_s" in figures:
            line += (f"; token positions {figures['positions_s']:.1f} s = "
                     f"{chars / figures['positions_s']:,.0f} chars/s (peak RSS so far "
                     f"{figures['build_rss_mb']:.0f} MB)")
        print(line, flush=True)
        child = subprocess.run([sys.executable, __file__, "--search-only",
                                str(args.folder / f"corpus-{n}.annotator"), "--repeat", str(args.repeat),
                                "--queries", *(q for _k, q in queries)],
                               check=True, capture_output=True, text=True)
        found = json.loads(child.stdout)
        results[n] = found
        for name, value in found.items():
            if isinstance(value, dict):
                print(f"  {name:<28} {value['hits']:>9,} hits  first {value['first_ms']:7.1f} ms  "
                      f"first {WINDOW_CAP:,} {value['first_20k_ms']:7.0f} ms  all {value['all_ms']:8.0f} ms "
                      f"({value['all_cpu_ms']:8.0f} ms CPU); grouped: first {value['groups_first_ms']:6.1f} ms, "
                      f"all {value['groups_all_ms']:7.0f} ms ({value['groups_all_cpu_ms']:7.0f} ms CPU); "
                      f"annotator search > /dev/null "
                      f"{value['cli_ms']:7.0f} ms ({value['cli_cpu_ms']:7.0f} ms CPU)")
        print(f"  peak RSS of the searching process: {found['peak_rss_mb']:.0f} MB", flush=True)
    sizes = sorted(results)
    for a, b in zip(sizes, sizes[1:], strict=False):
        print(f"growth {a:,} -> {b:,} documents:")
        for name, value in results[b].items():
            if isinstance(value, dict):
                base = results[a][name]
                print(f"  {name:<28} all x{value['all_ms'] / max(base['all_ms'], 1e-3):.1f}  "  # type: ignore[index]
                      f"first x{value['first_ms'] / max(base['first_ms'], 1e-3):.1f}  "  # type: ignore[index]
                      f"grouped all x{value['groups_all_ms'] / max(base['groups_all_ms'], 1e-3):.1f}")  # type: ignore[index]
        print(f"  peak RSS x{results[b]['peak_rss_mb'] / results[a]['peak_rss_mb']:.2f}")  # type: ignore[operator]
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
