"""Agreement streamed from SQL, one document at a time, gives exactly the numbers of the
in-memory computation over every span; progress and cancel."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from test_consistency_corpus import build

from annotator.services.review.agreement import compute_agreement
from annotator.services.review.progress import ReviewCancelled
from annotator.services.review.project_review import KeyedSpan, project_agreement
from annotator.store import Project


def in_memory(project: Project, annotators, labels=None, documents=None):
    """The computation over every span held in memory (what ``project_agreement`` did before
    it streamed)."""
    chosen = [d for d in project.documents() if documents is None or d.name in documents]
    uids = {d.id: d.uid for d in chosen}
    spans = [KeyedSpan(s.id, uids[s.document_id], s.start, s.end, s.label, s.annotator)
             for s in project.spans(annotators=annotators) if s.document_id in uids]
    return compute_agreement(spans, {d.uid: d.length for d in chosen}, annotators, labels)


@pytest.mark.parametrize(("annotators", "labels", "documents"), [
    (["hana", "ken"], None, None),
    (["ken", "hana"], None, None),
    (["hana", "ken", "mei"], None, None),
    (["hana", "mei"], ["actor", "claim"], None),
    (["hana", "ken"], None, "some"),
])
def test_streamed_numbers_are_identical(tmp_path: Path, annotators, labels, documents) -> None:
    with build(tmp_path / "corpus.annotator", 2, 400) as project:
        if documents == "some":  # every seventh document
            documents = [d.name for d in project.documents()][::7]
        streamed = project_agreement(project, annotators, labels=labels, documents=documents)
        expected = in_memory(project, annotators, labels, documents)
    got = streamed.to_json()
    # the in-memory computation measures spans only (no relations in this corpus)
    assert got.pop("relations")["overall"]["exact"]["f1"] is None
    got.pop("attributes")
    want = expected.to_json()
    want.pop("relations"), want.pop("attributes")
    assert got == want  # exact floats, not approximately
    assert len(streamed.documents) > (2 if documents else 100)
    assert list(streamed.per_document) == list(streamed.documents)
    assert dict(streamed.per_document) == dict(expected.per_document)
    doc = streamed.documents[1]
    assert streamed.per_document[doc] == expected.per_document[doc]
    alpha = streamed.overall.krippendorff_alpha
    assert alpha is not None and not math.isnan(alpha)


def test_progress_and_cancel(tmp_path: Path) -> None:
    with build(tmp_path / "corpus.annotator", 2, 1200) as project:
        calls: list[tuple[int, int, str]] = []
        project_agreement(project, ["hana", "ken"], progress=lambda *a: calls.append(a))
        assert calls[0][:2] == (500, 1200) and calls[-1][:2] == (1200, 1200)
        with pytest.raises(ReviewCancelled):
            project_agreement(project, ["hana", "ken"], progress=lambda *a: False)


@pytest.mark.parametrize("seed", range(60))
def test_tuple_runs_are_category_runs_in_the_same_order(seed: int) -> None:
    import random

    from review_helpers import span

    from annotator.services.review.runs import category_runs, tuple_runs

    rng = random.Random(seed)
    length = rng.randint(1, 60)
    width = 2 if seed % 3 else rng.randint(1, 4)
    nested = seed % 2 == 0  # overlapping spans within an annotator, or none
    per = []
    for index in range(width):
        spans, position = [], 0
        for _ in range(rng.randint(0, 8)):
            start = rng.randrange(length) if nested else position + rng.randint(0, 3)
            end = start + rng.randint(1, 6)
            if end > length:
                break
            spans.append(span(f"a{index}", start, end, rng.choice("XYZ")))
            position = end
        per.append(spans)
    expected = category_runs(length, per)
    got = tuple_runs(length, [[(s.start, s.end, s.label) for s in spans] for spans in per])
    assert list(got.items()) == list(expected.items())  # the same keys in the same order


@pytest.mark.parametrize("seed", range(300))
def test_one_sweep_gives_the_matches_and_runs_of_two(seed: int) -> None:
    """``pair_document`` (the two-annotator sweep) against ``match_counts`` and ``tuple_runs``:
    the same counts, confusion and runs (in the same order), nested and duplicate spans too."""
    import random

    from annotator.services.review.matching import match_counts, pair_document
    from annotator.services.review.runs import tuple_runs

    rng = random.Random(seed)
    length = rng.randint(1, 60)
    per = []
    for _ in range(2):
        spans = []
        for _ in range(rng.randint(0, 10)):
            start = rng.randrange(length)
            spans.append((start, min(length, start + rng.randint(1, 8)), rng.choice("XYZ")))
        if seed % 5 == 0 and spans:
            spans.append(spans[0])
        per.append(spans)
    old_confusion: dict = {}
    new_confusion: dict = {}
    exact, overlap = match_counts(per[0], per[1], old_confusion)
    runs = tuple_runs(length, per)
    got_exact, got_overlap, got_runs = pair_document(length, per[0], per[1], new_confusion)
    assert (got_exact, got_overlap, new_confusion) == (exact, overlap, old_confusion)
    assert list(got_runs.items()) == list(runs.items())


def test_packed_and_row_reads_agree(tmp_path: Path) -> None:
    """The packed read (one row per document) and the row-per-span read give the same spans."""
    from annotator.store.review_reads import agreement_rows

    with build(tmp_path / "corpus.annotator", 2, 300) as project:
        ids = [d.id for d in project.documents()][::3]
        for chosen in (None, ids):
            def read(packed: bool, chosen=chosen):
                return [(uid, length, [sorted(one) for one in spans])
                        for chunk, _extras, _ids in agreement_rows(
                            project, ["mei", "hana", "ken"], chosen, size=70, packed=packed)
                        for uid, length, spans in chunk]
            packed = read(True)
            assert packed == read(False)
            assert len(packed) == (300 if chosen is None else len(ids))
            assert sum(len(one) for _, _, spans in packed for one in spans) > 300


@pytest.mark.parametrize("seed", range(200))
def test_pair_coefficients_are_kappa_and_alpha_to_the_bit(seed: int) -> None:
    import random

    from annotator.services.review.coefficients import (
        cohen_kappa,
        krippendorff_alpha,
        pair_coefficients,
    )

    rng = random.Random(seed)
    values = [frozenset(), frozenset("a"), frozenset("b"), frozenset("ab")][:rng.randint(1, 4)]
    counts = {(rng.choice(values), rng.choice(values)): rng.randint(1, 10 ** rng.randint(1, 9))
              for _ in range(rng.randint(0, 10))}
    assert pair_coefficients(counts) == (cohen_kappa(counts), krippendorff_alpha(counts))


def test_the_cycle_collector_runs_again_after_agreement_and_after_a_cancel(tmp_path: Path) -> None:
    import gc

    with build(tmp_path / "corpus.annotator", 2, 600) as project:
        assert gc.isenabled()
        project_agreement(project, ["hana", "ken"])
        assert gc.isenabled()
        with pytest.raises(ReviewCancelled):
            project_agreement(project, ["hana", "ken"], progress=lambda *a: gc.isenabled())
        assert gc.isenabled()
