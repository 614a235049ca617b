"""The building blocks: boundary runs and the two coefficients on weighted counts."""

from __future__ import annotations

import math
import random

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from review_helpers import FakeSpan, char_categories

from annotator.services.review.coefficients import cohen_kappa, krippendorff_alpha
from annotator.services.review.runs import category_runs, project_annotators, project_label


def test_cohen_kappa_textbook_example():
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15
    # p_o = 35/50 = 0.7; p_e = (25/50)(30/50) + (25/50)(20/50) = 0.3 + 0.2 = 0.5
    # kappa = (0.7 - 0.5) / 0.5 = 0.4
    counts = {("y", "y"): 20, ("y", "n"): 5, ("n", "y"): 10, ("n", "n"): 15}
    assert cohen_kappa(counts) == pytest.approx(0.4)


def test_undefined_coefficients_are_none():
    assert cohen_kappa({}) is None
    assert krippendorff_alpha({}) is None
    assert cohen_kappa({("x", "x"): 7}) is None
    assert krippendorff_alpha({("x", "x", "x"): 7}) is None
    assert krippendorff_alpha({("x",): 3, ("y",): 2}) is None  # nothing pairable


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=3, max_size=3),
            st.integers(1, 4),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_alpha_with_missing_values_matches_package(units):
    # weighted units with missing values (None) against the package on the expanded matrix
    columns = [values for values, weight in units for _ in range(weight)]
    data = np.array([[np.nan if v is None else v for v in col] for col in columns], dtype=float).T
    counts: dict = {}
    for values, weight in units:
        key = tuple(v for v in values if v is not None)
        counts[key] = counts.get(key, 0) + weight
    ours = krippendorff_alpha(counts)
    pairable = [v for col in columns if sum(x is not None for x in col) >= 2 for v in col]
    if len({v for v in pairable if v is not None}) < 2:
        assert ours is None
        return
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("seed", range(30))
def test_runs_equal_per_character_categories(seed):
    rng = random.Random(seed)
    length = rng.randint(1, 40)
    spans = []
    for name in ("A", "B", "C"):
        for _ in range(rng.randint(0, 6)):
            start = rng.randrange(length)
            end = rng.randint(start + 1, length)
            spans.append(FakeSpan(1, start, end, rng.choice("XYZ"), name))
    groups = [[s for s in spans if s.annotator == n] for n in ("A", "B", "C")]
    runs = category_runs(length, groups)
    assert sum(runs.values()) == length
    expected: dict = {}
    columns = zip(*(char_categories(spans, 1, length, n) for n in ("A", "B", "C")), strict=True)
    for column in columns:
        key = tuple(frozenset(c) for c in column)
        expected[key] = expected.get(key, 0) + 1
    assert runs == expected
    only_x = category_runs(length, groups, labels={"X"})
    assert only_x == _merge((tuple(c & {"X"} for c in key), w) for key, w in expected.items())
    assert project_label(runs, "X") == _merge(
        (tuple("X" in c for c in key), w) for key, w in expected.items()
    )
    assert project_annotators(runs, (2, 0)) == _merge(
        ((key[2], key[0]), w) for key, w in expected.items()
    )


def _merge(items):
    merged: dict = {}
    for key, weight in items:
        merged[key] = merged.get(key, 0) + weight
    return merged


def test_perfect_agreement_is_one():
    assert cohen_kappa({("a", "a"): 3, ("b", "b"): 5}) == 1.0
    assert math.isclose(krippendorff_alpha({("a", "a", "a"): 3, ("b", "b", "b"): 5}), 1.0)
