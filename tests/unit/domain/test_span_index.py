"""The per-block span index agrees with a brute-force model (annotator.domain.span_index)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.domain.span_index import Segment, SpanIndex, paint_order


@dataclass(frozen=True)
class S:
    id: str
    start: int
    end: int
    label: str


# ---------------------------------------------------------------- brute force


def bf_blocks(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def bf_touches(text: str, sp: S) -> list[int]:
    out = []
    for n, (bs, be) in enumerate(bf_blocks(text)):
        line_end = be + 1  # the "\n" belongs to its line
        if sp.start == sp.end:
            if bs <= sp.start < line_end or (sp.start == len(text) and be == len(text)):
                out.append(n)
        elif sp.start < line_end and sp.end > bs:
            out.append(n)
    return out


def bf_segments(text: str, spans: list[S], n: int) -> list[Segment]:
    bs, be = bf_blocks(text)[n]
    cover = []
    for cp in range(bs, be):
        cover.append(tuple(sorted((s for s in spans if s.start <= cp < s.end), key=paint_order)))
    out: list[Segment] = []
    for i, c in enumerate(cover):
        cp = bs + i
        if not c:
            continue
        if out and out[-1].end == cp and out[-1].spans == c:
            out[-1] = Segment(out[-1].start, cp + 1, c)
        else:
            out.append(Segment(cp, cp + 1, c))
    return out


# ---------------------------------------------------------------- strategies

texts = st.text(alphabet=st.sampled_from("あ漢a\n😀𠮷"), max_size=40)


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[S]]:
    text = draw(texts)
    n = draw(st.integers(0, 12))
    spans = []
    for i in range(n):
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, len(text)))
        spans.append(S(f"s{i:02d}", a, b, draw(st.sampled_from("ABC"))))
    return text, spans


def check_against_brute_force(text: str, index: SpanIndex, spans: list[S]) -> None:
    assert index.block_count == len(bf_blocks(text))
    assert sorted(index, key=paint_order) == sorted(spans, key=paint_order)
    for n, (bs, be) in enumerate(bf_blocks(text)):
        assert (index.block_start(n), index.block_end(n)) == (bs, be)
        touching = [s for s in spans if n in bf_touches(text, s)]
        assert index.spans_in_block(n) == sorted(touching, key=paint_order)
        assert index.segments(n) == bf_segments(text, spans, n)
    for cp in range(len(text) + 1):
        expected = sorted((s for s in spans if s.start <= cp < s.end), key=paint_order)
        assert index.spans_at(cp) == expected


@given(text_and_spans())
def test_index_agrees_with_brute_force(ts: tuple[str, list[S]]) -> None:
    text, spans = ts
    check_against_brute_force(text, SpanIndex(text, spans), spans)


@given(text_and_spans(), st.data())
@settings(max_examples=150)
def test_add_remove_update_keep_agreeing_and_report_blocks(
    ts: tuple[str, list[S]], data: st.DataObject
) -> None:
    text, spans = ts
    index = SpanIndex(text)
    live: dict[str, S] = {}
    for sp in spans:
        assert index.add(sp) == bf_touches(text, sp)
        live[sp.id] = sp
    for sp in spans:
        action = data.draw(st.sampled_from(["remove", "relabel", "resize", "keep"]))
        if action == "remove":
            assert index.remove(sp.id) == bf_touches(text, sp)
            del live[sp.id]
        elif action in ("relabel", "resize"):
            a = data.draw(st.integers(0, len(text))) if action == "resize" else sp.start
            b = data.draw(st.integers(a, len(text))) if action == "resize" else sp.end
            new = S(sp.id, a, b, data.draw(st.sampled_from("ABC")))
            expected = sorted(set(bf_touches(text, sp)) | set(bf_touches(text, new)))
            assert index.update(new) == expected
            live[sp.id] = new
    check_against_brute_force(text, index, list(live.values()))
    spans_now = list(live.values())
    for a in range(len(text) + 1):
        for b in (a, min(len(text), a + 3)):
            expected = sorted((s for s in spans_now if s.start < b and s.end > a), key=paint_order)
            assert index.spans_overlapping(a, b) == expected


def test_overlap_segments_and_labels() -> None:
    text = "😀𠮷東京大学の先生\n二行目"
    outer = S("a", 2, 6, "ORG")  # 東京大学
    inner = S("b", 2, 4, "LOC")  # 東京
    cross = S("c", 5, 11, "PER")  # 学の先生 + newline + 二
    index = SpanIndex(text, [cross, inner, outer])
    segs = index.segments(0)
    assert [(s.start, s.end) for s in segs] == [(2, 4), (4, 5), (5, 6), (6, 9)]
    assert [s.labels for s in segs] == [("ORG", "LOC"), ("ORG",), ("ORG", "PER"), ("PER",)]
    assert segs[0].primary is outer
    assert index.segments(1) == [Segment(10, 11, (cross,))]
    assert index.spans_at(9) == [cross]  # the newline is covered, in block 0
    assert index.block_of(9) == 0 and index.block_of(10) == 1


def test_errors() -> None:
    index = SpanIndex("abc", [S("a", 0, 1, "X")])
    with pytest.raises(ValueError):
        index.add(S("a", 1, 2, "X"))
    with pytest.raises(ValueError):
        index.add(S("b", 2, 4, "X"))
    with pytest.raises(ValueError):
        index.add(S("b", 2, 1, "X"))
    with pytest.raises(KeyError):
        index.remove("zz")
    with pytest.raises(KeyError):
        index.update(S("zz", 0, 1, "X"))
    with pytest.raises(ValueError):
        SpanIndex("a\r\nb")
    assert len(index) == 1 and "a" in index and index.get("zz") is None


def test_building_100k_spans_indexes_every_span() -> None:
    """At the size the window is measured at (``benchmarks/bench_text_view.py`` times it), every
    span is found by id and at its start."""
    rng = random.Random(7)
    text = ("あいうえお漢字カタカナ" * 7 + "\n") * 4400  # ~350k characters, 4,400 lines
    spans = []
    for i in range(100_000):
        a = rng.randrange(len(text) - 20)
        spans.append(S(f"{i:032x}", a, a + rng.randint(1, 20), rng.choice("ABCDE")))
    index = SpanIndex(text, spans)
    assert len(index) == 100_000
    for span in rng.sample(spans, 300):
        assert index.get(span.id) == span
        assert span in index.spans_at(span.start)
