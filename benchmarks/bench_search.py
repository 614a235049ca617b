"""Benchmark search by reading over 1,000 documents stored in a real project file.

Run: ``.venv/bin/python benchmarks/bench_search.py [--docs N]``. Prints figures; asserts nothing.

1. creates a project with N documents (slices of the seed texts, each made unique);
2. builds and caches every reading index (first use: the cost of pykakasi);
3. opens the project again and loads every cached index (what a window or ``annotator search``
   pays once per session);
4. times ``search_project`` with the indexes loaded (target: under 0.5 s per search).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from annotator.services.japanese.project_search import load_indexes, search_project
from annotator.store import Project

SEEDS = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))


def make_texts(n: int) -> list[str]:
    base = "\n".join(p.read_text(encoding="utf-8") for p in SEEDS)
    big = (base + "\n") * 8
    rng = random.Random(5)
    texts = []
    for i in range(n):
        start = rng.randrange(0, len(big) - 4000)
        texts.append(f"文書{i}\n" + big[start : start + rng.randrange(2000, 4000)])
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    path = folder / "bench.annotator"
    texts = make_texts(args.docs)
    with Project.open(path) as project:
        t0 = time.perf_counter()
        with project.atomic():
            for i, text in enumerate(texts):
                project.add_document(f"doc{i:04d}.txt", text, who="bench")
        print(f"{args.docs} documents, {sum(map(len, texts)):,} characters stored in "
              f"{time.perf_counter() - t0:.1f} s")
        project.add_alias("Putin", "プーチン", who="bench")
        project.add_alias("Kim Jong Un", "金正恩", who="bench")
        t0 = time.perf_counter()
        load_indexes(project)
        built = time.perf_counter() - t0
        print(f"first indexing (pykakasi, cached in the project): {built:.1f} s "
              f"({sum(map(len, texts)) / built:,.0f} chars/s)")
    print(f"project file: {path.stat().st_size / 1e6:.1f} MB")
    with Project.open(path) as project:
        t0 = time.perf_counter()
        indexes = load_indexes(project)
        load = time.perf_counter() - t0
        print(f"loading {len(indexes)} cached indexes: {load:.2f} s (once per session)")
        aliases = project.aliases()
        for query in ("puchin", "kitachousen", "kitachosen", "roshia", "北朝鮮", "Putin", "Kim Jong Un",
                      "ukuraina", "zzzz"):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                hits = search_project(project, query, indexes=indexes, aliases=aliases)
                times.append(time.perf_counter() - t0)
            print(f"search {query!r:>15}: {len(hits):6,} hits, median {statistics.median(times) * 1000:6.1f} ms, "
                  f"worst {max(times) * 1000:6.1f} ms")
        t0 = time.perf_counter()
        hits = search_project(project, "puchin")
        print(f"search 'puchin' including loading the indexes and aliases: {time.perf_counter() - t0:.2f} s, "
              f"{len(hits)} hits")


if __name__ == "__main__":
    main()
