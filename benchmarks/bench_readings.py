"""Benchmark the Japanese reading aids: index build throughput, linearity, search over 1,000 docs.

Run: ``.venv/bin/python benchmarks/bench_readings.py``. Prints figures; asserts only that the
parallel build (worker processes, as the window builds long texts) equals the one-process build.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from annotator.services.japanese import ReadingIndex, search, tokenize
from annotator.services.japanese.parallel import PARALLEL_MIN_CHARS, IndexPool, build_index

SEEDS = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))


def seed_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SEEDS)


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    base = seed_text()
    tokenize("warm up")  # pykakasi's dictionaries load on first use (~0.5 s)
    big = (base + "\n") * (350_000 // (len(base) + 1) + 1)
    print(f"text: {len(big):,} characters, {len(big.encode('utf-8')):,} bytes UTF-8")

    calls = []
    index, wall, cpu = timed(ReadingIndex.build, big, progress=lambda d, t: calls.append(d) is None)
    wall_single = wall
    print(f"one-process index build: {wall:.2f} s wall, {cpu:.2f} s CPU -> {len(big) / wall:,.0f} chars/s wall, "
          f"{len(big) / cpu:,.0f} chars/s CPU; {len(index):,} tokens; {len(calls)} progress calls")
    half = big[: len(big) // 2]
    _i, w_half, c_half = timed(ReadingIndex.build, half)
    print(f"linearity: half text {c_half:.2f} s CPU, full {cpu:.2f} s CPU, ratio {cpu / c_half:.2f} (2.0 = linear)")

    # across worker processes (what the window does for long texts): cold start, then warm pool
    with IndexPool() as pool:
        cold, w_cold, _c = timed(build_index, big[:PARALLEL_MIN_CHARS], pool=pool)
        print(f"parallel, {pool.workers} workers: first build of {PARALLEL_MIN_CHARS:,} chars incl. starting "
              f"the processes {w_cold:.2f} s")
        pcalls: list[int] = []
        par, p_wall, p_cpu = timed(build_index, big, progress=lambda d, t: pcalls.append(d) is None, pool=pool)
        assert par.to_bytes() == index.to_bytes(), "the parallel build differs"
        print(f"parallel index build: {p_wall:.2f} s wall -> {len(big) / p_wall:,.0f} chars/s "
              f"({wall_single / p_wall:.2f}x one process); {p_cpu:.2f} s CPU in this process; "
              f"{len(pcalls)} progress calls; identical to the one-process build")
        _i, p_half, _c = timed(build_index, half, pool=pool)
        print(f"parallel linearity: half text {p_half:.2f} s wall, full {p_wall:.2f} s wall, "
              f"ratio {p_wall / p_half:.2f} (2.0 = linear)")

    blob, wall, _c = timed(index.to_bytes)
    _r, wall2, _c2 = timed(ReadingIndex.from_bytes, blob, big)
    print(f"serialise: {len(blob):,} bytes compressed; to_bytes {wall * 1000:.0f} ms, from_bytes {wall2 * 1000:.0f} ms")

    # 1,000 documents of a few thousand characters: slices of the big text, each made unique
    rng = random.Random(5)
    docs = {}
    for i in range(1000):
        start = rng.randrange(0, len(big) - 4000)
        docs[i] = f"文書{i}\n" + big[start : start + rng.randrange(2000, 4000)]
    t0 = time.perf_counter()
    indexes = {k: ReadingIndex.build(v) for k, v in docs.items()}
    print(f"1,000 documents ({sum(map(len, docs.values())):,} chars) indexed in {time.perf_counter() - t0:.1f} s")
    aliases = {"Putin": ["プーチン"], "Kim Jong Un": ["金正恩", "キム・ジョンウン"]}
    for query in ("puchin", "kitachousen", "roshia", "北朝鮮", "Kim Jong Un", "ukuraina", "zzzz"):
        times = []
        for _ in range(3):
            hits, wall, _c = timed(search, indexes, docs, query, aliases)
            times.append(wall)
        print(f"search {query!r:>14}: {len(hits):6,} hits, best {min(times) * 1000:6.1f} ms, worst {max(times) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
