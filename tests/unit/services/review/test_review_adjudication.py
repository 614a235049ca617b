"""Adjudication commands over a real project: span and decision together, undo removes both."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_work import colleague_project, new_project, where

from annotator.domain.errors import SpanError
from annotator.domain.review_commands import Decide, SetReviewStatus
from annotator.domain.undo import UndoStack
from annotator.services.review.adjudication import (
    accept_all_command,
    decision_command,
    review_layer,
    set_review_layer,
)
from annotator.services.review.colleagues import merge_work
from annotator.store import Project


@pytest.fixture
def merged(tmp_path: Path) -> Project:
    main = new_project(tmp_path / "main.annotator")
    files = [colleague_project(tmp_path, name) for name in ("alice", "bob")]
    project = Project.open(main)
    merge_work(project, files, who="reviewer")
    yield project
    project.close()


def _doc(project: Project, name: str = "one.txt") -> int:
    return next(d.id for d in project.documents() if d.name == name)


def _span(project: Project, annotator: str, surface: str, doc: str = "one.txt"):
    start, _ = where(doc, surface)
    return next(s for s in project.spans(_doc(project, doc), annotators=[annotator])
                if s.start == start)


def _layer(project: Project) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in project.spans(annotators=[review_layer(project)])]


def test_accept_writes_span_and_decision_and_undo_removes_both(merged: Project) -> None:
    stack = UndoStack(merged)
    doc, source = _doc(merged), _span(merged, "alice", "金正恩")
    step = Decide(doc, "accept", "rita", (source,), (source.start, source.end, source.label),
                  reason="annotator error")
    stack.push(decision_command(merged, step))
    assert _layer(merged) == [(source.start, source.end, "actor")]
    [decision] = merged.decisions(doc)
    assert (decision.decision, decision.who, decision.reason) == ("accept", "rita", "annotator error")
    assert decision.source_spans[0]["id"] == source.id
    assert decision.result_span_id == step.span_id
    assert merged.span(step.span_id).annotator == "reviewed"
    assert merged.review_status(doc) == "in review"
    stack.undo()
    assert _layer(merged) == [] and merged.decisions(doc) == []
    assert merged.review_status(doc) == "not reviewed"
    stack.redo()
    [again] = merged.decisions(doc)
    assert again == decision and merged.span(step.span_id) == step.created


def test_accept_with_changes_leaves_the_source_alone(merged: Project) -> None:
    stack = UndoStack(merged)
    doc, source = _doc(merged), _span(merged, "bob", "東京")
    stack.push(decision_command(merged, Decide(
        doc, "accept_with_changes", "rita", (source,), (source.start, source.end + 1, "source"))))
    assert _layer(merged) == [(source.start, source.end + 1, "source")]
    assert merged.span(source.id) == source
    assert merged.decisions(doc)[0].decision == "accept_with_changes"


def test_reject_records_a_decision_only(merged: Project) -> None:
    stack = UndoStack(merged)
    doc, source = _doc(merged), _span(merged, "bob", "𠮷野家")
    stack.push(decision_command(merged, Decide(doc, "reject", "rita", (source,),
                                               reason="  guideline gap ")))
    assert _layer(merged) == []
    [decision] = merged.decisions(doc)
    assert (decision.decision, decision.result_span_id, decision.reason) == (
        "reject", None, "guideline gap")
    stack.undo()
    assert merged.decisions(doc) == []


def test_add_a_new_reviewed_span(merged: Project) -> None:
    stack = UndoStack(merged)
    doc = _doc(merged)
    start, end = where("one.txt", "会談")
    stack.push(decision_command(merged, Decide(doc, "add", "rita", (), (start, end, "claim"))))
    assert _layer(merged) == [(start, end, "claim")]
    assert merged.decisions(doc)[0].source_spans == []


def test_only_the_first_decision_changes_the_status(merged: Project) -> None:
    stack = UndoStack(merged)
    doc = _doc(merged)
    stack.push(SetReviewStatus(doc, "reviewed", "rita"))
    source = _span(merged, "alice", "東京")
    stack.push(decision_command(merged, Decide(doc, "reject", "rita", (source,))))
    assert merged.review_status(doc) == "reviewed"
    stack.undo()
    stack.undo()
    assert merged.review_status(doc) == "not reviewed"


def test_accept_all_agreed_is_one_step(merged: Project) -> None:
    stack = UndoStack(merged)
    doc = _doc(merged)
    command = accept_all_command(merged, doc, ["alice", "bob"], "rita")
    assert command is not None
    stack.push(command)
    expected = sorted([(*where("one.txt", "北朝鮮"), "actor"), (*where("one.txt", "外務省"), "actor")])
    assert sorted(_layer(merged)) == expected
    decisions = merged.decisions(doc)
    assert len(decisions) == 2 and {len(d.source_spans) for d in decisions} == {2}
    assert accept_all_command(merged, doc, ["alice", "bob"], "rita") is None
    stack.undo()
    assert _layer(merged) == [] and merged.decisions(doc) == []
    assert merged.review_status(doc) == "not reviewed"


def test_a_failed_decision_changes_nothing(merged: Project, snapshot) -> None:
    stack = UndoStack(merged)
    doc, source = _doc(merged), _span(merged, "alice", "北朝鮮")
    result = (source.start, source.end, source.label)
    stack.push(decision_command(merged, Decide(doc, "accept", "rita", (source,), result)))
    before = snapshot(merged.path)
    with pytest.raises(SpanError):
        stack.push(decision_command(merged, Decide(doc, "accept", "rita", (source,), result)))
    assert snapshot(merged.path) == before
    assert len(stack) == 1


def test_the_layer_name_is_a_project_setting(merged: Project) -> None:
    set_review_layer(merged, "gold", who="rita")
    assert review_layer(merged) == "gold"
    doc, source = _doc(merged), _span(merged, "alice", "北朝鮮")
    step = Decide(doc, "accept", "rita", (source,), (source.start, source.end, source.label),
                  layer=review_layer(merged))
    UndoStack(merged).push(decision_command(merged, step))
    assert merged.span(step.span_id).annotator == "gold"


def test_decide_refuses_inconsistent_steps() -> None:
    with pytest.raises(ValueError):
        Decide(1, "reject", "rita", (), (0, 1, "actor"))
    with pytest.raises(ValueError):
        Decide(1, "accept", "rita", (), None)
    with pytest.raises(ValueError):
        Decide(1, "approve", "rita", (), (0, 1, "actor"))
