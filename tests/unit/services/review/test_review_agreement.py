"""compute_agreement on hand-worked cases and edge cases."""

from __future__ import annotations

import json

import pytest
from review_helpers import span

from annotator.services.review import NONE_LABEL, compute_agreement

# A 10-character text, two annotators:
#   position  0 1 2 3 4 5 6 7 8 9
#   A         P P P . . L L L . .     PER [0,3), LOC [5,8)
#   B         P P P . . . L L O O     PER [0,3), LOC [6,8), ORG [8,10)
TEN = [
    span("A", 0, 3, "PER"),
    span("A", 5, 8, "LOC"),
    span("B", 0, 3, "PER"),
    span("B", 6, 8, "LOC"),
    span("B", 8, 10, "ORG"),
]


def test_hand_worked_span_figures():
    result = compute_agreement(TEN, {1: 10}, ["A", "B"])
    exact = result.overall.exact
    # exact: only PER matches. precision = 1 of B's 3 spans, recall = 1 of A's 2 spans,
    # F1 = 2 * 1/3 * 1/2 / (1/3 + 1/2) = (1/3) / (5/6) = 0.4
    assert (exact.precision, exact.recall) == (pytest.approx(1 / 3), 0.5)
    assert exact.f1 == pytest.approx(0.4)
    overlap = result.overall.overlap
    # overlap: B's PER and LOC [6,8) touch A spans of their label; B's ORG touches nothing:
    # precision = 2/3; A's PER and LOC are both touched: recall = 2/2;
    # F1 = 2 * 2/3 * 1 / (2/3 + 1) = (4/3) / (5/3) = 0.8
    assert (overlap.precision, overlap.recall) == (pytest.approx(2 / 3), 1.0)
    assert overlap.f1 == pytest.approx(0.8)


def test_hand_worked_character_coefficients():
    result = compute_agreement(TEN, {1: 10}, ["A", "B"])
    # character pairs (A, B): (P,P) x3, (-,-) x2 [3,4], (L,-) x1 [5], (L,L) x2, (-,O) x2
    # p_o = (3 + 2 + 2) / 10 = 0.7
    # margins A: P 3, - 4, L 3; B: P 3, - 3, L 2, O 2
    # p_e = (3*3 + 4*3 + 3*2) / 100 = 0.27; kappa = (0.7 - 0.27) / (1 - 0.27) = 0.43 / 0.73
    assert result.overall.cohen_kappa == pytest.approx(0.43 / 0.73)
    # alpha: n = 20 values; n_P = 6, n_- = 7, n_L = 5, n_O = 2; sum n_c^2 = 114
    # 3 disagreeing units, each adds 2 to sum_{c!=k} o_ck -> 6
    # alpha = 1 - (n - 1) * 6 / (n^2 - 114) = 1 - 19 * 6 / 286 = 172 / 286
    assert result.overall.krippendorff_alpha == pytest.approx(172 / 286)


def test_hand_worked_per_label():
    per_label = compute_agreement(TEN, {1: 10}, ["A", "B"]).per_label
    assert list(per_label) == ["LOC", "ORG", "PER"]
    assert per_label["PER"].cohen_kappa == 1.0
    assert per_label["PER"].krippendorff_alpha == 1.0
    # LOC in/out: (T,T) 2, (T,F) 1, (F,F) 7 -> p_o = 0.9
    # margins A: T 3, F 7; B: T 2, F 8 -> p_e = (6 + 56) / 100 = 0.62
    # kappa = 0.28 / 0.38; alpha = 1 - 19 * 2 / (400 - (5^2 + 15^2)) = 1 - 38 / 150
    assert per_label["LOC"].cohen_kappa == pytest.approx(0.28 / 0.38)
    assert per_label["LOC"].krippendorff_alpha == pytest.approx(1 - 38 / 150)
    assert (per_label["LOC"].exact.precision, per_label["LOC"].exact.recall) == (0.0, 0.0)
    assert per_label["LOC"].exact.f1 == 0.0
    assert per_label["LOC"].overlap.f1 == 1.0
    # ORG: A never, B at 8 and 9: p_o = 0.8 = p_e (A is all F: p_e = 1 * 0.8) -> kappa 0
    # alpha = 1 - 19 * 4 / (400 - (2^2 + 18^2)) = 1 - 76 / 72
    assert per_label["ORG"].cohen_kappa == 0.0
    assert per_label["ORG"].krippendorff_alpha == pytest.approx(1 - 76 / 72)
    # only B has ORG spans: precision 0/1, recall undefined, F1 0
    org = per_label["ORG"].exact
    assert (org.precision, org.recall, org.f1) == (0.0, None, 0.0)


def test_hand_worked_confusion():
    (table,) = compute_agreement(TEN, {1: 10}, ["A", "B"]).confusion
    assert (table.reference, table.compared) == ("A", "B")
    assert table.labels == ("LOC", "ORG", "PER", NONE_LABEL)
    assert dict(table.counts) == {("PER", "PER"): 1, ("LOC", "LOC"): 1, (NONE_LABEL, "ORG"): 1}


def test_confusion_counts_every_overlapping_pair():
    spans = [
        span("A", 0, 6, "ORG"),
        span("B", 0, 3, "LOC"),
        span("B", 3, 6, "ORG"),
        span("A", 8, 9, "PER"),
        span("B", 9, 10, "PER"),
    ]
    (table,) = compute_agreement(spans, {1: 10}, ["A", "B"]).confusion
    assert dict(table.counts) == {
        ("ORG", "LOC"): 1,
        ("ORG", "ORG"): 1,
        ("PER", NONE_LABEL): 1,
        (NONE_LABEL, "PER"): 1,
    }


def test_json_shape_for_two_annotators():
    data = compute_agreement(TEN, {1: 10}, ["A", "B"]).to_json()
    assert json.loads(json.dumps(data)) == data
    assert set(data) >= {"annotators", "documents", "overall", "per_label"}
    assert data["annotators"] == ["A", "B"]
    assert data["documents"] == [1]
    keys = {"exact", "overlap", "cohen_kappa", "krippendorff_alpha"}
    assert set(data["overall"]) == keys
    assert set(data["overall"]["exact"]) == {"precision", "recall", "f1"}
    assert all(set(figures) == keys for figures in data["per_label"].values())
    assert data["overall"]["exact"]["precision"] == pytest.approx(1 / 3)
    assert data["per_label"]["ORG"]["exact"]["recall"] is None
    assert data["per_document"]["1"] == data["overall"]
    assert data["pairs"][0]["reference"] == "A"
    assert data["confusion"][0]["counts"]["PER"] == {"PER": 1}


def test_order_of_annotators_swaps_precision_and_recall():
    forward = compute_agreement(TEN, {1: 10}, ["A", "B"]).overall
    backward = compute_agreement(TEN, {1: 10}, ["B", "A"]).overall
    assert backward.exact.precision == forward.exact.recall
    assert backward.overlap.recall == forward.overlap.precision
    assert backward.cohen_kappa == pytest.approx(forward.cohen_kappa)


def test_documents_where_an_annotator_has_nothing_are_excluded():
    spans = [*TEN, span("A", 0, 4, "PER", doc=2), span("C", 0, 4, "PER", doc=3)]
    # document 3 has no length: fine, it is not included (only C there)
    result = compute_agreement(spans, {1: 10, 2: 50}, ["A", "B"])
    assert result.documents == (1,)
    assert list(result.per_document) == [1]
    assert result.overall == compute_agreement(TEN, {1: 10}, ["A", "B"]).overall


def test_inclusion_counts_spans_of_any_label_before_the_filter():
    spans = [span("A", 0, 2, "PER"), span("B", 4, 6, "LOC")]
    result = compute_agreement(spans, {1: 10}, ["A", "B"], labels=["PER"])
    assert result.documents == (1,)
    assert list(result.per_label) == ["PER"]
    assert result.overall.exact.precision is None  # B has no PER span
    assert result.overall.exact.recall == 0.0


def test_no_spans_at_all():
    result = compute_agreement([], {1: 10}, ["A", "B"])
    assert result.documents == ()
    assert result.overall.exact.f1 is None
    assert result.overall.cohen_kappa is None
    assert result.overall.krippendorff_alpha is None
    assert result.per_label == {}
    assert result.to_json()["overall"]["overlap"] == {"precision": None, "recall": None, "f1": None}


def test_requested_label_nobody_used_is_listed_with_nulls():
    result = compute_agreement(TEN, {1: 10}, ["A", "B"], labels=["PER", "DATE"])
    assert list(result.per_label) == ["PER", "DATE"]
    date = result.per_label["DATE"]
    assert (date.exact.f1, date.cohen_kappa, date.krippendorff_alpha) == (None, None, None)
    # spans of other labels are left out of everything, characters included
    assert result.overall.cohen_kappa == 1.0


def test_degenerate_kappa_is_null():
    # both cover the whole text with the same label: p_e = 1, kappa and alpha undefined
    spans = [span("A", 0, 5, "PER"), span("B", 0, 5, "PER")]
    result = compute_agreement(spans, {1: 5}, ["A", "B"])
    assert result.overall.exact.f1 == 1.0
    assert result.overall.cohen_kappa is None
    assert result.overall.krippendorff_alpha is None


def test_overlapping_and_nested_spans_of_one_annotator():
    # A: PER [0,4) and LOC [2,6) overlap; B: ORG [0,8) with PER [1,3) nested inside
    spans = [
        span("A", 0, 4, "PER"),
        span("A", 2, 6, "LOC"),
        span("B", 0, 8, "ORG"),
        span("B", 1, 3, "PER"),
    ]
    result = compute_agreement(spans, {1: 8}, ["A", "B"])
    # characters (A | B): 0 {P}|{O}  1 {P}|{O,P}  2 {P,L}|{O,P}  3 {P,L}|{O}  4,5 {L}|{O}
    # 6,7 {}|{O}: no character agrees -> p_o = 0; no category is used by both -> p_e = 0
    # kappa = (0 - 0) / (1 - 0) = 0
    assert result.overall.cohen_kappa == 0.0
    per = result.per_label["PER"]
    # PER in/out: A 0-3, B 1-2 -> (T,F) 0, (T,T) 1, (T,T) 2, (T,F) 3, (F,F) 4-7
    # p_o = 6/8; margins A T4 F4, B T2 F6: p_e = (8 + 24) / 64 = 0.5; kappa = 0.25 / 0.5
    assert per.cohen_kappa == pytest.approx(0.5)
    assert per.overlap.f1 == 1.0
    assert per.exact.f1 == 0.0


def test_three_annotators_pool_ordered_pairs():
    spans = [
        span("A", 0, 3, "PER"),
        span("B", 0, 3, "PER"),
        span("C", 0, 2, "PER"),
        span("C", 5, 7, "LOC"),
    ]
    result = compute_agreement(spans, {1: 10}, ["A", "B", "C"])
    assert result.overall.cohen_kappa is None
    # exact matches per unordered pair (matched spans of both sides / spans of both sides):
    # A-B: 2/2, A-C: 0/3, B-C: 0/3 -> pooled 2/8 for precision and recall alike
    exact = result.overall.exact
    assert exact.precision == exact.recall == exact.f1 == pytest.approx(2 / 8)
    # overlap: A-B 2/2, A-C 2/3 (PERs touch), B-C 2/3 -> 6/8
    assert result.overall.overlap.f1 == pytest.approx(6 / 8)
    assert [(p.reference, p.compared) for p in result.pairs] == [("A", "B"), ("A", "C"), ("B", "C")]
    two = compute_agreement(spans, {1: 10}, ["A", "C"]).overall
    assert result.pairs[1].figures == two
    assert len(result.confusion) == 3
    assert result.to_json()["overall"]["cohen_kappa"] is None


def test_three_annotators_order_does_not_matter():
    spans = [span("A", 0, 3, "PER"), span("B", 1, 3, "PER"), span("C", 0, 2, "LOC")]
    one = compute_agreement(spans, {1: 6}, ["A", "B", "C"]).overall
    other = compute_agreement(spans, {1: 6}, ["C", "A", "B"]).overall
    assert one.exact == other.exact and one.overlap.f1 == other.overlap.f1
    assert one.krippendorff_alpha == pytest.approx(other.krippendorff_alpha)


@pytest.mark.parametrize("names", [["A"], ["A", "A"], []])
def test_refuses_bad_annotator_lists(names):
    with pytest.raises(ValueError):
        compute_agreement(TEN, {1: 10}, names)


def test_refuses_missing_length_and_out_of_bounds_span():
    with pytest.raises(ValueError, match="no length"):
        compute_agreement(TEN, {}, ["A", "B"])
    with pytest.raises(ValueError, match="does not fit"):
        compute_agreement(TEN, {1: 9}, ["A", "B"])
