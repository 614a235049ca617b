"""Disagreement units: grouping, kinds, navigation, agreed spans."""

from __future__ import annotations

import random

import pytest
from review_helpers import random_spans, span

from annotator.services.review.alignment import (
    Kind,
    agreed_spans,
    disagreement_units,
    next_disagreement,
    previous_disagreement,
)

AB = ["A", "B"]


def kinds(units):
    return [(u.start, u.end, u.kind) for u in units]


def test_the_four_kinds_and_ordering():
    spans = [
        span("B", 30, 33, "PER"),  # only B                          -> only some marked it
        span("A", 0, 3, "PER"),  # same span twice                    -> all agree
        span("B", 0, 3, "PER"),
        span("A", 10, 13, "PER"),  # same boundaries, other label     -> label differs
        span("B", 10, 13, "ORG"),
        span("A", 20, 24, "LOC"),  # same label, other boundaries     -> boundaries differ
        span("B", 21, 24, "LOC"),
    ]
    units = disagreement_units(spans, AB)
    assert kinds(units) == [
        (0, 3, Kind.AGREE),
        (10, 13, Kind.LABEL_DIFFERS),
        (20, 24, Kind.BOUNDARIES_DIFFER),
        (30, 33, Kind.ONLY_SOME),
    ]
    assert units[3].absent == ("A",)
    assert units[3].marks[0].missing == ("A",)
    assert [m.span.annotator for m in units[1].marks] == ["A", "B"]


def test_both_label_and_boundaries_differ():
    # 北朝鮮 LOC against 北朝鮮外務省 ORG
    units = disagreement_units([span("A", 0, 3, "LOC"), span("B", 0, 6, "ORG")], AB)
    assert kinds(units) == [(0, 6, Kind.LABEL_AND_BOUNDARIES_DIFFER)]
    assert all(m.label_differs and m.boundaries_differ for m in units[0].marks)


def test_nested_extra_span_is_only_some_not_a_label_difference():
    spans = [
        span("A", 0, 6, "ORG"),
        span("B", 0, 6, "ORG"),
        span("A", 0, 3, "LOC"),  # only A marked the nested place name
    ]
    (unit,) = disagreement_units(spans, AB)
    by_label = {(m.span.annotator, m.span.label): m for m in unit.marks}
    assert by_label[("A", "ORG")].kind is Kind.AGREE
    assert by_label[("B", "ORG")].kind is Kind.AGREE
    assert by_label[("A", "LOC")].kind is Kind.ONLY_SOME
    assert by_label[("A", "LOC")].missing == ("B",)
    assert unit.kind is Kind.ONLY_SOME
    assert unit.absent == ()
    assert agreed_spans([unit]) == [(0, 6, "ORG")]


def test_chain_of_overlaps_makes_one_unit():
    spans = [span("A", 0, 10, "PER"), span("B", 0, 4, "PER"), span("B", 6, 10, "PER")]
    (unit,) = disagreement_units(spans, AB)
    assert (unit.start, unit.end, unit.kind) == (0, 10, Kind.BOUNDARIES_DIFFER)
    assert [s.start for s in unit.spans_of("B")] == [0, 6]


def test_touching_spans_are_separate_units():
    spans = [span("A", 0, 3, "PER"), span("B", 3, 6, "PER")]
    assert kinds(disagreement_units(spans, AB)) == [(0, 3, Kind.ONLY_SOME), (3, 6, Kind.ONLY_SOME)]


def test_three_annotators_mixed():
    spans = [
        span("A", 0, 3, "PER"),
        span("B", 0, 3, "PER"),
        span("C", 0, 3, "ORG"),  # C differs on the label only
        span("A", 5, 8, "LOC"),
        span("B", 5, 8, "LOC"),  # C absent: only some
        span("A", 10, 12, "LOC"),
        span("B", 10, 13, "LOC"),
        span("C", 10, 12, "ORG"),  # label and boundaries, across two annotators
    ]
    units = disagreement_units(spans, ["A", "B", "C"])
    assert kinds(units) == [
        (0, 3, Kind.LABEL_DIFFERS),
        (5, 8, Kind.ONLY_SOME),
        (10, 13, Kind.LABEL_AND_BOUNDARIES_DIFFER),
    ]
    assert units[1].absent == ("C",)
    assert {m.span.annotator: m.kind for m in units[0].marks} == {
        "A": Kind.LABEL_DIFFERS,
        "B": Kind.LABEL_DIFFERS,
        "C": Kind.LABEL_DIFFERS,
    }


def test_other_annotators_and_documents_are_ignored():
    spans = [
        span("A", 0, 3, "PER"),
        span("B", 0, 3, "PER"),
        span("C", 0, 5, "ORG"),
        span("B", 0, 9, "LOC", doc=2),
    ]
    units = disagreement_units(spans, AB, document_id=1)
    assert kinds(units) == [(0, 3, Kind.AGREE)]
    assert disagreement_units([], AB) == []
    with pytest.raises(ValueError):
        disagreement_units(spans, ["A"])


def test_navigation():
    spans = [
        span("A", 0, 3, "PER"), span("B", 0, 3, "PER"),  # agree
        span("A", 10, 13, "PER"),  # disagreement at 10
        span("A", 20, 23, "PER"), span("B", 20, 23, "PER"),  # agree
        span("B", 30, 33, "PER"),  # disagreement at 30
    ]
    units = disagreement_units(spans, AB)
    assert next_disagreement(units, 0).start == 10
    assert next_disagreement(units, 10).start == 30
    assert next_disagreement(units, 30) is None
    assert next_disagreement(units, 30, wrap=True).start == 10
    assert previous_disagreement(units, 31).start == 30
    assert previous_disagreement(units, 30).start == 10
    assert previous_disagreement(units, 10) is None
    assert previous_disagreement(units, 10, wrap=True).start == 30
    assert next_disagreement([], 0, wrap=True) is None


@pytest.mark.parametrize("seed", range(30))
def test_random_units_are_consistent(seed):
    rng = random.Random(seed)
    names = ["A", "B", "C"][: rng.choice([2, 3])]
    spans = random_spans(rng, {1: 80}, names, ["PER", "LOC"], per_doc=10)
    units = disagreement_units(spans, names)
    # every chosen span appears once; units are ordered, disjoint, and internally connected
    assert sorted(m.span.id for u in units for m in u.marks) == sorted(s.id for s in spans)
    for before, after in zip(units, units[1:], strict=False):
        assert before.end <= after.start
    for unit in units:
        assert min(m.span.start for m in unit.marks) == unit.start
        assert max(m.span.end for m in unit.marks) == unit.end
        keys = {(m.span.annotator, m.span.start, m.span.end, m.span.label) for m in unit.marks}
        for mark in unit.marks:
            s = mark.span
            unanimous = all((n, s.start, s.end, s.label) in keys for n in names)
            assert (mark.kind is Kind.AGREE) == unanimous
        assert (unit.kind is Kind.AGREE) == all(m.kind is Kind.AGREE for m in unit.marks)
        if unit.absent:
            assert unit.kind is Kind.ONLY_SOME
