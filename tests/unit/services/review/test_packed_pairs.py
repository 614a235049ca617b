"""``PackedPairs`` measuring many documents at once (``add_documents``): the same counts and,
to the bit, the same kappa and alpha per document as one ``add`` and ``pair_coefficients`` of
its runs."""

from __future__ import annotations

import math
import random
from array import array

import pytest

from annotator.services.review.coefficients import pair_coefficients
from annotator.services.review.packed_pairs import PackedPairs
from annotator.store.review_reads import PairPacking

LABELS = ["", "X", "Y", "", "Z"]


def _document(rng: random.Random, packing: PairPacking) -> tuple[int, list[int], list[int]]:
    length = rng.randint(1, 60)
    ids = {name: index for index, name in enumerate(packing.labels) if name}
    sides = []
    for _ in range(2):
        spans = set()
        for _ in range(rng.randint(0, 8)):
            start = rng.randrange(length)
            end = min(length, start + rng.randint(1, 8))
            spans.add(start << packing.start_shift | end << packing.end_shift | packing.start
                      | ids[rng.choice(["X", "Y", "Z"])])
        sides.append(sorted(spans))
    if sides[0] and rng.random() < 0.5:  # the second marks some of the first's spans
        sides[1] = sorted(set(sides[1]) | set(rng.sample(sides[0], rng.randint(1, len(sides[0])))))
    return length, sides[0], sides[1]


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


@pytest.mark.parametrize("seed", range(20))
def test_add_documents_gives_what_add_and_pair_coefficients_give(seed: int) -> None:
    rng = random.Random(seed)
    packing = PairPacking(LABELS)
    rows = [(f"doc{i}", *_document(rng, packing)) for i in range(60)]
    one = PackedPairs(packing)
    expected_counts: list[int] = []
    expected_coefficients: list[float] = []
    expected_docs = []
    expected_twins = []
    for doc, length, first, second in rows:
        got = one.add(doc, length, list(first), list(second))
        if got is None:
            expected_twins.append(None)
            continue
        n, m, twins, first_overlapped, second_overlapped, runs = got
        t = len(twins)
        expected_counts += [n, m, t, t, n, m, first_overlapped, second_overlapped]
        kappa, alpha = pair_coefficients(one.masks(runs))
        expected_coefficients += [_nan(kappa), _nan(alpha)]
        expected_docs.append(doc)
        expected_twins.append(twins)
    many = PackedPairs(packing)
    counts, coefficients = array("q"), array("d")
    measured, twins_of = many.add_documents(
        [(doc, length, list(first), list(second)) for doc, length, first, second in rows],
        counts, coefficients)
    assert measured == expected_docs
    assert twins_of == expected_twins
    assert list(counts) == expected_counts
    assert [repr(x) for x in coefficients] == [repr(x) for x in expected_coefficients]
    assert many.runs() == one.runs()
    many.flush()
    one.flush()
    assert (many.confusion, many.first_overlap, many.second_touched) == (
        one.confusion, one.first_overlap, one.second_touched)
