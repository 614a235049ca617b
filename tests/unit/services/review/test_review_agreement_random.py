"""compute_agreement on random data against independent implementations.

Cohen's kappa against scikit-learn's ``cohen_kappa_score`` and Krippendorff's alpha against the
``krippendorff`` package, both fed one value per character; span figures against nested loops.
"""

from __future__ import annotations

import random
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from review_helpers import FakeSpan, brute_prf, char_categories, random_spans
from sklearn.metrics import cohen_kappa_score

from annotator.services.review import compute_agreement

LABELS = ["PER", "LOC", "ORG"]


def reference_kappa(a, b):
    """scikit-learn's kappa, ``None`` where it is undefined (NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score([repr(x) for x in a], [repr(x) for x in b])
    return None if np.isnan(value) else float(value)


def reference_alpha(rows):
    """The krippendorff package's nominal alpha, ``None`` where it refuses (one value only)."""
    codes: dict = {}
    data = np.array([[codes.setdefault(v, len(codes)) for v in row] for row in rows], dtype=float)
    if len(codes) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def per_character(spans, docs, names, label=None):
    """One row per annotator: the category of every character of every included document."""
    return [
        [c for doc in docs for c in char_categories(spans, doc, docs[doc], name, label)]
        for name in names
    ]


def approx(value):
    return None if value is None else pytest.approx(value, abs=1e-9)


def check_against_references(spans, lengths, names):
    result = compute_agreement(spans, lengths, names)
    docs = {doc: lengths[doc] for doc in result.documents}
    for doc in lengths:
        has_all = all(any(s.document_id == doc and s.annotator == n for s in spans) for n in names)
        assert (doc in docs) == has_all
    if not docs:
        assert result.overall.krippendorff_alpha is None
        return
    rows = per_character(spans, docs, names)
    if len(names) == 2:
        assert result.overall.cohen_kappa == approx(reference_kappa(*rows))
    assert result.overall.krippendorff_alpha == approx(reference_alpha(rows))
    for label, figures in result.per_label.items():
        label_rows = per_character(spans, docs, names, label)
        if len(names) == 2:
            assert figures.cohen_kappa == approx(reference_kappa(*label_rows)), label
            prf = brute_prf(spans, docs, names[0], names[1], label)
            assert (figures.exact.precision, figures.exact.recall, figures.exact.f1) == tuple(
                approx(v) for v in prf
            )
        assert figures.krippendorff_alpha == approx(reference_alpha(label_rows)), label
    for doc, figures in result.per_document.items():
        doc_rows = per_character(spans, {doc: docs[doc]}, names)
        assert figures.krippendorff_alpha == approx(reference_alpha(doc_rows))
    if len(names) == 2:
        for overlap, figures in ((False, result.overall.exact), (True, result.overall.overlap)):
            prf = brute_prf(spans, docs, names[0], names[1], overlap=overlap)
            assert (figures.precision, figures.recall, figures.f1) == tuple(approx(v) for v in prf)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("names", [["A", "B"], ["A", "B", "C"]])
def test_random_projects_match_references(seed, names):
    rng = random.Random(seed)
    lengths = {doc: rng.randint(1, 60) for doc in range(1, rng.randint(2, 6))}
    spans = random_spans(rng, lengths, names, LABELS, per_doc=rng.choice([1, 3, 8]))
    check_against_references(spans, lengths, names)


@st.composite
def small_projects(draw):
    names = draw(st.sampled_from([["A", "B"], ["A", "B", "C"]]))
    lengths = draw(st.dictionaries(st.integers(1, 4), st.integers(1, 25), min_size=1, max_size=3))
    spans = []
    for doc, length in lengths.items():
        for name in names:
            for _ in range(draw(st.integers(0, 4))):
                start = draw(st.integers(0, length - 1))
                end = draw(st.integers(start + 1, length))
                spans.append(FakeSpan(doc, start, end, draw(st.sampled_from(LABELS[:2])), name))
    return spans, lengths, names


@settings(max_examples=150, deadline=None)
@given(small_projects())
def test_hypothesis_projects_match_references(project):
    check_against_references(*project)
