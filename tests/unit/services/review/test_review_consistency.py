"""Consistency checks: same text with different labels, labelled text left unlabelled."""

from __future__ import annotations

import random

import pytest
from review_helpers import FakeSpan, span

from annotator.services.review.consistency import (
    FindingKind,
    check_consistency,
    find_label_conflicts,
    find_unlabelled,
)

TEXTS = {
    1: "北朝鮮の外務省は北朝鮮が発表した",  # 北朝鮮 at 0 and 8
    2: "北朝鮮外務省によると、プーチン大統領は",  # 北朝鮮 at 0 (inside 北朝鮮外務省), プーチン at 11
    3: "プーチン氏と北朝鮮",  # プーチン at 0, 北朝鮮 at 6
}


def test_label_conflict_lists_every_labelled_place():
    spans = [
        span("A", 0, 3, "LOC", doc=1),
        span("A", 8, 11, "LOC", doc=1),
        span("A", 6, 9, "ORG", doc=3),  # the same text as an organisation
        span("A", 0, 4, "PER", doc=3),
    ]
    findings = find_label_conflicts(spans, TEXTS)
    assert [(f.document_id, f.start, f.end) for f in findings] == [(1, 0, 3), (1, 8, 11), (3, 6, 9)]
    assert {f.text for f in findings} == {"北朝鮮"}
    assert all(f.kind is FindingKind.LABEL_CONFLICT for f in findings)
    # LOC at two places, ORG at one: most frequent first
    assert findings[0].labels == (("LOC", 2), ("ORG", 1))
    assert findings[0].label_names == ("LOC", "ORG")
    assert findings[2].labels_here == ("ORG",)
    assert findings[2].span_ids == (spans[2].id,)


def test_unlabelled_occurrences():
    spans = [
        span("A", 0, 3, "LOC", doc=1),  # 北朝鮮 LOC; not at 1:8, 2:0 (inside an ORG), 3:6
        span("A", 0, 6, "ORG", doc=2),  # 北朝鮮外務省
        span("A", 0, 4, "PER", doc=3),  # プーチン; not at 2:11
    ]
    findings = find_unlabelled(spans, TEXTS)
    got = [(f.document_id, f.start, f.end, f.text, f.label_names) for f in findings]
    assert got == [
        (1, 8, 11, "北朝鮮", ("LOC",)),
        (2, 0, 3, "北朝鮮", ("LOC",)),
        (2, 11, 15, "プーチン", ("PER",)),
        (3, 6, 9, "北朝鮮", ("LOC",)),
    ]
    assert findings[1].covering_labels == ("ORG",)  # inside 北朝鮮外務省: probably intended
    assert findings[0].covering_labels == ()
    assert all(f.kind is FindingKind.UNLABELLED and f.span_ids == () for f in findings)


def test_a_covering_span_of_the_same_label_counts_as_labelled():
    texts = {1: "東京都と東京"}
    spans = [span("A", 0, 3, "LOC"), span("A", 4, 6, "LOC")]  # 東京都 and 東京
    # 東京 at 0 lies inside the LOC 東京都: covered, nothing to report
    assert find_unlabelled(spans, texts) == []


def test_min_length_and_annotator_filter():
    texts = {1: "米国と米国", 2: "日本と日本"}
    spans = [span("A", 0, 1, "LOC"), span("B", 0, 2, "LOC", doc=2)]
    # 米 has one character: ignored unless min_length=1
    assert [(f.document_id, f.start) for f in find_unlabelled(spans, texts)] == [(2, 3)]
    assert [f.start for f in find_unlabelled(spans, texts, min_length=1)] == [3, 3]
    assert find_unlabelled(spans, texts, annotators={"A"}) == []


def test_overlapping_occurrences_are_all_found():
    texts = {1: "ああああ"}
    spans = [span("A", 0, 2, "X")]
    assert [f.start for f in find_unlabelled(spans, texts)] == [1, 2]


def test_check_consistency_merges_both_sorted():
    spans = [span("A", 0, 3, "LOC", doc=1), span("A", 6, 9, "ORG", doc=3)]
    findings = check_consistency(spans, TEXTS)
    assert [(f.document_id, f.start, f.kind) for f in findings] == [
        (1, 0, FindingKind.LABEL_CONFLICT),
        (1, 8, FindingKind.UNLABELLED),
        (2, 0, FindingKind.UNLABELLED),
        (3, 6, FindingKind.LABEL_CONFLICT),
    ]


def test_refuses_spans_without_text_or_out_of_bounds():
    with pytest.raises(ValueError, match="no text"):
        find_unlabelled([span("A", 0, 2, "X", doc=9)], TEXTS)
    with pytest.raises(ValueError, match="does not fit"):
        find_label_conflicts([span("A", 0, 99, "X", doc=3)], TEXTS)


def brute_unlabelled(spans, texts, min_length):
    labels_of: dict[str, set[str]] = {}
    for s in spans:
        if s.end - s.start >= min_length:
            labels_of.setdefault(texts[s.document_id][s.start : s.end], set()).add(s.label)
    found = set()
    for text, labels in labels_of.items():
        for doc, body in texts.items():
            for i in range(len(body)):
                if body.startswith(text, i):
                    end = i + len(text)
                    if not any(
                        s.document_id == doc and s.label in labels and s.start <= i and s.end >= end
                        for s in spans
                    ):
                        found.add((doc, i, end, text))
    return found


def brute_conflicts(spans, texts, min_length):
    labels_of: dict[str, set[str]] = {}
    for s in spans:
        if s.end - s.start >= min_length:
            labels_of.setdefault(texts[s.document_id][s.start : s.end], set()).add(s.label)
    return {
        (s.document_id, s.start, s.end)
        for s in spans
        if s.end - s.start >= min_length
        and len(labels_of[texts[s.document_id][s.start : s.end]]) > 1
    }


@pytest.mark.parametrize("seed", range(40))
def test_random_against_brute_force(seed):
    rng = random.Random(seed)
    texts = {d: "".join(rng.choices("あいう", k=rng.randint(1, 30))) for d in range(5)}
    spans = []
    for doc, body in texts.items():
        for _ in range(rng.randint(0, 5)):
            start = rng.randrange(len(body))
            end = min(len(body), start + rng.randint(1, 4))
            spans.append(FakeSpan(doc, start, end, rng.choice("XY"), "A"))
    min_length = rng.choice([1, 2, 3])
    unlabelled = find_unlabelled(spans, texts, min_length=min_length)
    assert {(f.document_id, f.start, f.end, f.text) for f in unlabelled} == brute_unlabelled(
        spans, texts, min_length
    )
    assert len(unlabelled) == len({(f.document_id, f.start, f.end) for f in unlabelled})
    conflicts = find_label_conflicts(spans, texts, min_length=min_length)
    assert {(f.document_id, f.start, f.end) for f in conflicts} == brute_conflicts(
        spans, texts, min_length
    )
