"""Agreement of two annotators over packed spans (``PackedPairs``, read by
``agreement_pair_rows``): the same counts, confusion and character runs as the sweep over
tuples (``pair_document``), and the same figures, to the bit, as the in-memory computation, on
generated project files with nested, touching, shared and same-label overlapping spans."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.domain.labels import Label
from annotator.domain.spans import Span, new_span_id
from annotator.services.review.agreement import compute_agreement
from annotator.services.review.matching import NONE_LABEL, PackedPairs, pair_document
from annotator.services.review.project_review import KeyedSpan, project_agreement
from annotator.store import Project
from annotator.store.review_reads import PairPacking

STAMP = "2026-01-01T00:00:00.000Z"


def _random_document(rng: random.Random, labels: list[str], nested: bool
                     ) -> tuple[int, list[list[tuple[int, int, str]]]]:
    length = rng.randint(1, 80)
    sides = []
    for _ in range(2):
        spans: set[tuple[int, int, str]] = set()
        position = 0
        for _ in range(rng.randint(0, 12)):
            if nested:
                start = rng.randrange(length)
            else:  # one after the other, often touching
                start = position + rng.choice([0, 0, 1, 3])
            end = start + rng.randint(1, 9)
            if end > length:
                break
            spans.add((start, end, rng.choice(labels)))
            position = end
        sides.append(sorted(spans))
    if rng.random() < 0.5 and sides[0]:  # the second marks some of the first's spans
        sides[1] = sorted(set(sides[1]) | set(rng.sample(sides[0], rng.randint(1, len(sides[0])))))
    return length, sides


def _pack(packing: PairPacking, spans: list[tuple[int, int, str]]) -> list[int]:
    ids = {name: index for index, name in enumerate(packing.labels)}
    return [start << packing.start_shift | end << packing.end_shift | packing.start | ids[label]
            for start, end, label in spans]


@pytest.mark.parametrize("seed", range(200))
def test_packed_pairs_count_what_the_sweep_counts(seed: int) -> None:
    rng = random.Random(seed)
    packing = PairPacking(["", "X", "Y", "", "Z"])
    length, (first, second) = _random_document(rng, ["X", "Y", "Z"], nested=seed % 2 == 0)
    packed = PackedPairs(packing)
    got = packed.add("doc", length, _pack(packing, first), _pack(packing, second))
    confusion: dict = {}
    exact, overlap, runs = pair_document(length, first, second, confusion)
    same_label_overlap = any(
        a[2] == b[2] and a[0] < b[1] and b[0] < a[1]
        for side in (first, second) for i, a in enumerate(side) for b in side[i + 1:])
    if same_label_overlap:  # left to the sweep over tuples
        assert got is None
        assert packed.runs() == {} and not packed.first
        return
    assert got is not None
    n, m, twins, first_overlapped, second_overlapped, doc_runs = got
    assert (n, m) == (len(first), len(second))
    assert len(twins) == sum(c[2] for c in exact.values())
    assert first_overlapped == sum(c[2] for c in overlap.values())
    assert second_overlapped == sum(c[3] for c in overlap.values())
    as_sets = {(packed.category(a), packed.category(b)): w
               for (a, b), w in packed.masks(doc_runs).items()}
    assert packed.runs() == packed.masks(doc_runs)
    assert as_sets == runs
    packed.flush()
    names = packing.labels
    assert {names[i]: [packed.first[i], packed.second[i], packed.twins[i], packed.twins[i]]
            for i in set(packed.first) | set(packed.second)} == exact
    assert {names[i]: [packed.first[i], packed.second[i], packed.first_overlap[i],
                       packed.second_overlap[i]]
            for i in set(packed.first) | set(packed.second)} == overlap
    cells = {(names[k // packed.width], names[k % packed.width]): c
             for k, c in packed.confusion.items()}
    first_alone, second_alone = packed.alone()
    cells.update({(names[i], NONE_LABEL): c for i, c in first_alone.items()})
    cells.update({(NONE_LABEL, names[i]): c for i, c in second_alone.items()})
    assert cells == confusion


def test_a_span_past_the_text_is_refused() -> None:
    packing = PairPacking(["", "X"])
    packed = PackedPairs(packing)
    with pytest.raises(ValueError, match="ends after its 5 characters"):
        packed.add("doc", 5, _pack(packing, [(1, 6, "X")]), _pack(packing, [(0, 2, "X")]))


def _build(path: Path, seed: int, documents: int, extra_labels: int = 0) -> Project:
    rng = random.Random(seed)
    project = Project.open(path)
    for index in range(extra_labels):  # label ids beyond the defaults
        project.add_label(Label(f"extra{index}", "#123456", None, ""), who="test")
    names = [label.name for label in project.labels()]
    chosen = names[-3:] if extra_labels else names[:3]
    with project.atomic():
        for number in range(documents):
            length, sides = _random_document(rng, chosen, nested=number % 3 == 0)
            text = f"{number:05}" + "あ" * max(0, length - 5)
            document, _created = project.add_document(f"doc-{number:04}.txt", text, who="test")
            spans = [Span(new_span_id(), document.id, start, min(end, document.length), label,
                          annotator, None, STAMP, STAMP)
                     for annotator, side in zip(("hana", "ken"), sides, strict=True)
                     for start, end, label in side if start < document.length]
            unique = {(s.start, s.end, s.label, s.annotator): s for s in spans}
            project.add_spans_bulk(list(unique.values()), who="test", source="test",
                                   document_id=document.id)
    return project


def _in_memory(project: Project, annotators, labels=None, documents=None):
    chosen = [d for d in project.documents() if documents is None or d.name in documents]
    uids = {d.id: d.uid for d in chosen}
    spans = [KeyedSpan(s.id, uids[s.document_id], s.start, s.end, s.label, s.annotator)
             for s in project.spans(annotators=annotators) if s.document_id in uids]
    return compute_agreement(spans, {d.uid: d.length for d in chosen}, annotators, labels)


@pytest.mark.parametrize(("seed", "annotators", "labels", "some", "extra_labels"), [
    (1, ["hana", "ken"], None, False, 0),
    (2, ["ken", "hana"], None, False, 0),
    (3, ["hana", "ken"], "two", False, 0),
    (4, ["hana", "ken"], None, True, 0),
    (5, ["hana", "ken"], None, False, 40),
])
def test_packed_project_agreement_is_the_in_memory_one(
        tmp_path: Path, seed, annotators, labels, some, extra_labels) -> None:
    with _build(tmp_path / "p.annotator", seed, 700, extra_labels) as project:
        if labels == "two":
            labels = [label.name for label in project.labels()][1:3]
        documents = [d.name for d in project.documents()][::5] if some else None
        streamed = project_agreement(project, annotators, labels=labels, documents=documents)
        expected = _in_memory(project, annotators, labels, documents)
    got, want = streamed.to_json(), expected.to_json()
    for key in ("relations", "attributes"):  # measured by the project reading only
        got.pop(key), want.pop(key)
    assert got == want  # exact floats
    assert dict(streamed.per_document) == dict(expected.per_document)
    assert len(streamed.documents) > (100 if some else 400)
    assert {table.labels for table in streamed.confusion} == {
        table.labels for table in expected.confusion}
