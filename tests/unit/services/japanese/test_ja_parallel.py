"""Reading indexes built across worker processes are identical to one-process builds."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

import pytest

from annotator.services.japanese import IndexingCancelled, ReadingIndex
from annotator.services.japanese import parallel
from annotator.services.japanese.parallel import IndexPool, build_index, plan_chunks
from annotator.services.japanese.runs import split_runs
from ja_seeds import SEED_000, SEED_003, seed

HALF_WIDTH = "ｶﾀｶﾅﾃﾞｽ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ｳﾞｧｲｵﾘﾝ｡ﾛｼｱﾄｷﾀﾁｮｳｾﾝ"


def _variants() -> dict[str, str]:
    a, b = seed(SEED_000), seed(SEED_003)
    lines = (a + "\n" + b).splitlines(keepends=True)
    marks = ["😀", "𠮷", "葛\U000e0100", "👨\u200d👩\u200d👧", "\ufeff", "", "\u3000"]
    astral = "".join(marks[i % len(marks)] + line for i, line in enumerate(lines))
    # one line of ~7,000 characters: no line break to cut at, so it is cut between its runs
    long_line = "".join(line.rstrip("\n") for line in lines) + "𠮷" + HALF_WIDTH
    return {
        # blank lines and indented lines: chunk ends fall inside "\n\n  " runs unless done right
        "astral+half-width": astral + "\n\n  " + HALF_WIDTH + "\n" + b,
        "long line": long_line + "\n" + b,
        "no final newline": "\n" + a.strip() + "\n" + "葛\U000e0100" * 50 + "\n\n\n" + b.strip(),
    }


VARIANTS = _variants()


@pytest.fixture(scope="module")
def pool() -> Iterator[IndexPool]:
    with IndexPool(workers=2) as p:
        yield p
    assert not p.started()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of ~1,500 characters: short texts still go through many chunk boundaries."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1500)


def _assert_identical(text: str, index: ReadingIndex) -> None:
    single = ReadingIndex.build(text)
    assert index.tokens() == single.tokens()
    assert index.to_bytes() == single.to_bytes()
    assert "".join(t.surface for t in index.tokens()) == text


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_parallel_build_is_identical_to_the_single_process_build(pool: IndexPool, name: str) -> None:
    text = VARIANTS[name]
    chunks = plan_chunks(text, list(split_runs(text)), parallel.chunk_target(len(text), pool.workers))
    assert len(chunks) >= 4, "the text should be cut into several chunks"
    calls: list[tuple[int, int]] = []
    index = build_index(text, progress=lambda d, t: calls.append((d, t)) is None, pool=pool, min_chars=0)
    assert pool.started() and pool.usable
    _assert_identical(text, index)
    done = [d for d, _t in calls]
    assert done == sorted(done) and calls[-1] == (len(text), len(text)) and len(calls) >= 2


def test_chunks_are_whole_runs_ending_at_line_breaks() -> None:
    text = VARIANTS["astral+half-width"] + "\n" + VARIANTS["long line"]
    runs = list(split_runs(text))
    chunks = plan_chunks(text, runs, 1500)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(text) and chunks[-1][3] == len(runs)
    for (s, e, r0, r1), nxt in zip(chunks, [*chunks[1:], None], strict=True):
        assert runs[r0][0] == s and runs[r1 - 1][1] == e
        if nxt is not None:
            assert nxt[0] == e and nxt[2] == r1
            # a chunk ends after a line break (and the blanks around it), unless it is inside a
            # line longer than twice the target
            last = runs[r1 - 1]
            at_line_break = last[2] == "space" and "\n" in text[last[0] : e] and not text[e].isspace()
            assert at_line_break or e - s >= 3000, (s, e, text[e - 3 : e + 3])
    long_start = len(text) - len(VARIANTS["long line"])
    assert any(long_start < e < len(text) and text[e - 1] != "\n" for _s, e, _a, _b in chunks[:-1])


def test_short_text_without_pool_or_when_processes_fail_is_built_here(monkeypatch: pytest.MonkeyPatch) -> None:
    text = seed(SEED_003)
    assert build_index(text).to_bytes() == ReadingIndex.build(text).to_bytes()
    assert not IndexPool(workers=1).usable

    def refuse(*_a: object, **_k: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", refuse)
    broken = IndexPool(workers=2)
    calls: list[int] = []
    index = build_index(text, progress=lambda d, _t: calls.append(d) is None, pool=broken, min_chars=0)
    assert not broken.usable and not broken.started()
    assert index.to_bytes() == ReadingIndex.build(text).to_bytes() and calls[-1] == len(text)


def test_a_dead_worker_falls_back_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def die(*_a: object, **_k: object) -> None:
        raise BrokenProcessPool("a worker died")

    monkeypatch.setattr(parallel, "_build_parallel", die)
    p = IndexPool(workers=2)
    text = seed(SEED_003)
    assert build_index(text, pool=p, min_chars=0).to_bytes() == ReadingIndex.build(text).to_bytes()
    assert not p.usable


def test_cancel_stops_and_the_pool_stays_usable(pool: IndexPool) -> None:
    text = VARIANTS["astral+half-width"] * 2
    with pytest.raises(IndexingCancelled):
        build_index(text, cancel=lambda: True, pool=pool, min_chars=0)
    calls: list[int] = []
    with pytest.raises(IndexingCancelled):  # the progress callback can cancel too
        build_index(text, progress=lambda d, _t: calls.append(d) is None and d == 0, pool=pool, min_chars=0)
    assert calls and calls[-1] < len(text)
    short = VARIANTS["no final newline"]
    _assert_identical(short, build_index(short, pool=pool, min_chars=0))


def test_many_texts_one_per_task_equal_the_one_process_build(pool: IndexPool) -> None:
    texts = [VARIANTS["astral+half-width"][:4000], seed(SEED_003), "😀𠮷葛\U000e0100城 " + HALF_WIDTH, ""]
    built = parallel.build_indexes(texts, pool)
    assert [index.to_bytes() for index in built] == [ReadingIndex.build(t).to_bytes() for t in texts]
    seen: list[int] = []
    with pytest.raises(IndexingCancelled):
        parallel.build_indexes(texts, pool, done=lambda n, total: seen.append(n) or n < 1)
    assert seen and seen[-1] >= 1
