"""The streaming consistency check against a brute-force reference, on generated corpora of a
few hundred documents in real project files; progress and cancel."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.domain.spans import Span, new_span_id
from annotator.services.review.consistency import Finding, FindingKind
from annotator.services.review.progress import ReviewCancelled
from annotator.services.review.project_review import project_consistency, scan_consistency
from annotator.store import Project

WORDS = ["北朝鮮", "外務省", "プーチン", "ロシア", "𠮷野家", "😀", "ミサイル", "北朝", "鮮", "の",
         "は", "、", "。", "\n", "2024年", "国防省", "ラブロフ", "ロシア外務省"]
LABELS = ["actor", "weapon", "number", "source", "claim"]
STAMP = "2026-01-01T00:00:00.000Z"


def build(path: Path, seed: int, documents: int) -> Project:
    rng = random.Random(seed)
    project = Project.open(path)
    with project.atomic():
        for number in range(documents):
            text = "".join(rng.choices(WORDS, k=rng.randint(1, 40)))
            document, created = project.add_document(f"doc-{number:04}.txt", f"{number}:{text}",
                                                     who="test")
            assert created
            length = document.length
            spans, seen = [], set()
            for _ in range(rng.randint(0, 6)):
                start = rng.randrange(length)
                end = min(length, start + rng.randint(1, 6))
                key = (start, end, rng.choice(LABELS[:3] if seed % 2 else LABELS),
                       rng.choice(["hana", "ken", "mei"]))
                if key not in seen:
                    seen.add(key)
                    spans.append(Span(new_span_id(), document.id, *key, None, STAMP, STAMP))
            project.add_spans_bulk(spans, who="test", source="test", document_id=document.id)
    return project


def brute_force(project: Project, annotators=None, min_length=2) -> list[Finding]:
    """Every finding, by definition: no index, no automaton."""
    texts = {d.id: project.text(d.id) for d in project.documents()}
    spans = [s for s in project.spans() if annotators is None or s.annotator in annotators]
    places: dict[str, dict[tuple[int, int, int], list]] = {}
    for s in spans:
        if s.end - s.start >= min_length:
            key = texts[s.document_id][s.start : s.end]
            places.setdefault(key, {}).setdefault((s.document_id, s.start, s.end), []).append(s)
    found = []
    for text, where in places.items():
        counts: dict[str, int] = {}
        for here in where.values():
            for label in {s.label for s in here}:
                counts[label] = counts.get(label, 0) + 1
        labels = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        if len(labels) > 1:
            for (doc, start, end), here in where.items():
                found.append(Finding(FindingKind.LABEL_CONFLICT, doc, start, end, text, labels,
                                     tuple(sorted({s.label for s in here})),
                                     tuple(s.id for s in here)))
        for doc, body in texts.items():
            for start in range(len(body)):
                if not body.startswith(text, start):
                    continue
                end = start + len(text)
                covering = sorted({s.label for s in spans if s.document_id == doc
                                   and s.start <= start and s.end >= end})
                if not set(covering) & set(counts):
                    found.append(Finding(FindingKind.UNLABELLED, doc, start, end, text, labels,
                                         covering_labels=tuple(covering)))
    return sorted(found, key=lambda f: (f.document_id, f.start, f.end, f.kind.value))


@pytest.mark.parametrize(("seed", "documents", "annotators", "min_length"), [
    (1, 300, None, 2), (2, 300, None, 2), (3, 200, ["hana"], 2), (4, 200, ["ken", "mei"], 1),
    (5, 250, None, 3)])
def test_the_same_findings_as_brute_force(tmp_path: Path, seed, documents, annotators,
                                          min_length) -> None:
    with build(tmp_path / "corpus.annotator", seed, documents) as project:
        found = project_consistency(project, annotators=annotators, min_length=min_length)
        expected = brute_force(project, annotators, min_length)
    assert found == expected
    kinds = {f.kind for f in found}
    assert FindingKind.UNLABELLED in kinds
    if seed % 2 and annotators is None:
        assert FindingKind.LABEL_CONFLICT in kinds  # three labels over few words: conflicts


def test_findings_come_per_document_in_order_with_names(tmp_path: Path) -> None:
    with build(tmp_path / "corpus.annotator", 1, 120) as project:
        names = {d.id: d.name for d in project.documents()}
        streamed = list(scan_consistency(project))
        ids = [found.document_id for found in streamed]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        assert all(found.name == names[found.document_id] and found.rows for found in streamed)
        assert [f for found in streamed for f in found.findings()] == project_consistency(project)


def test_progress_counts_both_passes_and_cancel_stops(tmp_path: Path) -> None:
    with build(tmp_path / "corpus.annotator", 2, 450) as project:
        calls: list[tuple[int, int, str]] = []
        project_consistency(project, progress=lambda *a: calls.append(a))
        assert calls[-1][:2] == (900, 900)
        assert [c[0] for c in calls] == sorted(c[0] for c in calls)
        assert {c[2] for c in calls} == {"collecting labelled texts", "checking"}
        seen: list[int] = []

        def cancel_in_second_pass(done: int, total: int, what: str) -> bool:
            seen.append(done)
            return what != "checking"

        with pytest.raises(ReviewCancelled):
            list(scan_consistency(project, progress=cancel_in_second_pass))
        assert seen[-1] < 900
