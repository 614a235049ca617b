"""Every command's undo leaves the project exactly as before it; redo exactly as after it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.domain.commands import (
    AddLabel,
    Command,
    Compound,
    CreateSpan,
    DeleteSpan,
    EditLabel,
    MoveLabel,
    RemoveLabel,
    UpdateSpan,
    iter_commands,
)
from annotator.domain.errors import LabelError, SpanError
from annotator.domain.labels import Label
from annotator.store import Document, Project


@pytest.fixture
def filled(project: Project, document: Document) -> Project:
    """The project with a few overlapping spans by two annotators, one with a note."""
    project.add_span(document.id, 0, 12, "claim", "alice", note="main claim")
    project.add_span(document.id, 0, 3, "actor", "alice")
    project.add_span(document.id, 10, 12, "number", "bob")
    project.add_span(document.id, 5, 9, "weapon", "bob")
    return project


def check_do_undo_redo(project: Project, path: Path, snapshot: Callable, command: Command) -> None:
    before = snapshot(path, history=False)
    history_before = len(project.history())
    command.do(project)
    after = snapshot(path, history=False)
    assert after != before
    assert len(project.history()) > history_before  # every change leaves a history row
    command.undo(project)
    assert snapshot(path, history=False) == before
    command.do(project)  # redo
    assert snapshot(path, history=False) == after
    command.undo(project)
    assert snapshot(path, history=False) == before


def test_create_span(filled: Project, document: Document, project_path: Path, snapshot) -> None:
    command = CreateSpan(document.id, 2, 7, "source", "carol", note="n")
    check_do_undo_redo(filled, project_path, snapshot, command)
    assert command.affected_spans() == {command.span_id}


def test_create_span_redo_keeps_id_and_times(filled: Project, document: Document) -> None:
    command = CreateSpan(document.id, 2, 7, "source", "carol")
    command.do(filled)
    first = filled.span(command.span_id)
    command.undo(filled)
    command.do(filled)
    assert filled.span(command.span_id) == first


def test_delete_span(filled: Project, project_path: Path, snapshot) -> None:
    target = next(s for s in filled.spans() if s.note)
    check_do_undo_redo(filled, project_path, snapshot, DeleteSpan(target.id, "alice"))


@pytest.mark.parametrize(
    "changes",
    [{"label": "source"}, {"start": 1, "end": 11}, {"end": 13}, {"note": "checked"},
     {"note": None}, {"label": "actor", "start": 2, "note": "both"}],
    ids=["relabel", "resize", "nudge-end", "note", "clear-note", "several"],
)
def test_update_span(filled: Project, project_path: Path, snapshot, changes: dict) -> None:
    target = next(s for s in filled.spans() if s.note)
    command = UpdateSpan(target.id, "alice", changes)
    check_do_undo_redo(filled, project_path, snapshot, command)


def test_compound(filled: Project, document: Document, project_path: Path, snapshot) -> None:
    spans = filled.spans()
    command = Compound([
        CreateSpan(document.id, 1, 2, "actor", "carol"),
        CreateSpan(document.id, 3, 4, "actor", "carol"),
        DeleteSpan(spans[0].id, "carol"),
        UpdateSpan(spans[1].id, "carol", {"label": "source"}),
    ], "Label all hits")
    check_do_undo_redo(filled, project_path, snapshot, command)
    assert len(list(iter_commands(command))) == 5
    assert spans[0].id in command.affected_spans()


def test_failing_compound_changes_nothing(filled: Project, document: Document,
                                          project_path: Path, snapshot) -> None:
    before = snapshot(project_path)
    command = Compound([
        CreateSpan(document.id, 1, 2, "actor", "carol"),
        CreateSpan(document.id, 3, 3, "actor", "carol"),  # empty: refused
    ])
    with pytest.raises(SpanError):
        command.do(filled)
    assert snapshot(project_path) == before


def test_add_label(filled: Project, project_path: Path, snapshot) -> None:
    check_do_undo_redo(filled, project_path, snapshot,
                       AddLabel(Label("place", "#76b7b2", "6", "A place."), "alice", position=1))


@pytest.mark.parametrize(
    "changes",
    [{"new_name": "statement"}, {"color": "#000000"}, {"key": "9"}, {"key": None},
     {"description": "Something else."},
     {"new_name": "主張", "color": "#aabbcc", "key": "q", "description": "All."}],
    ids=["rename", "recolour", "re-key", "no-key", "describe", "all"],
)
def test_edit_label(filled: Project, project_path: Path, snapshot, changes: dict) -> None:
    check_do_undo_redo(filled, project_path, snapshot, EditLabel("claim", "alice", changes))


def test_rename_keeps_spans(filled: Project) -> None:
    count = filled.label_usage("claim")
    EditLabel("claim", "alice", {"new_name": "statement"}).do(filled)
    assert filled.label_usage("statement") == count
    assert all(s.label != "claim" for s in filled.spans())


@pytest.mark.parametrize("position", [0, 2, 4])
def test_move_label(filled: Project, project_path: Path, snapshot, position: int) -> None:
    name = "weapon" if position != 2 else "source"
    check_do_undo_redo(filled, project_path, snapshot, MoveLabel(name, position, "alice"))


def test_remove_unused_label(filled: Project, project_path: Path, snapshot) -> None:
    check_do_undo_redo(filled, project_path, snapshot, RemoveLabel("source", "alice"))


@pytest.mark.parametrize("name", ["claim", "actor", "number"])
def test_remove_label_with_spans(filled: Project, project_path: Path, snapshot, name: str) -> None:
    command = RemoveLabel(name, "alice", delete_spans=True)
    check_do_undo_redo(filled, project_path, snapshot, command)
    assert command.affected_spans()


def test_remove_label_in_use_refused(filled: Project, project_path: Path, snapshot) -> None:
    before = snapshot(project_path)
    with pytest.raises(LabelError, match="'claim' is used by 1 span; remove those spans too"):
        RemoveLabel("claim", "alice").do(filled)
    assert snapshot(project_path) == before


def test_failed_compound_with_label_changes_leaves_labels_usable(
        filled: Project, document: Document, project_path: Path, snapshot) -> None:
    before = snapshot(project_path)
    command = Compound([
        EditLabel("actor", "alice", {"new_name": "agent"}),
        AddLabel(Label("place", "#76b7b2", "6"), "alice"),
        CreateSpan(document.id, 3, 3, "agent", "carol"),  # empty: refused, all rolled back
    ])
    with pytest.raises(SpanError):
        command.do(filled)
    assert snapshot(project_path) == before
    # The rolled-back rename and addition must not linger in the project's label lookup.
    span = filled.add_span(document.id, 4, 6, "actor", "carol")
    assert filled.span(span.id).label == "actor"
    with pytest.raises(LabelError, match="unknown label 'place'"):
        filled.add_span(document.id, 4, 6, "place", "carol")
