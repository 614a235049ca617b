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
    assert streamed.to_json() == expected.to_json()  # exact floats, not approximately
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
