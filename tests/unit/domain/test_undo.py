"""The Qt-free undo stack: push, undo, redo, the redo tail, listeners, the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.commands import Command, CreateSpan, DeleteSpan, UpdateSpan
from annotator.domain.errors import SpanError
from annotator.domain.undo import UndoStack
from annotator.store import Document, Project


def test_undo_and_redo_walk_the_project_states(project: Project, document: Document,
                                               project_path: Path, snapshot) -> None:
    stack = UndoStack(project)
    states = [snapshot(project_path, history=False)]
    create = stack.push(CreateSpan(document.id, 0, 3, "actor", "alice"))
    states.append(snapshot(project_path, history=False))
    span_id = create.span_id  # type: ignore[attr-defined]
    stack.push(UpdateSpan(span_id, "alice", {"label": "source", "note": "x"}, "Relabel"))
    states.append(snapshot(project_path, history=False))
    stack.push(DeleteSpan(span_id, "alice"))
    states.append(snapshot(project_path, history=False))
    assert stack.undo_text() == "Delete span"
    for expected in reversed(states[:-1]):
        stack.undo()
        assert snapshot(project_path, history=False) == expected
    assert not stack.can_undo() and stack.undo() is None
    assert stack.redo_text() == "Create 'actor' span"
    for expected in states[1:]:
        stack.redo()
        assert snapshot(project_path, history=False) == expected
    assert not stack.can_redo() and stack.redo() is None


def test_push_drops_redo_tail(project: Project, document: Document) -> None:
    stack = UndoStack(project)
    stack.push(CreateSpan(document.id, 0, 3, "actor", "alice"))
    stack.push(CreateSpan(document.id, 0, 4, "actor", "alice"))
    stack.undo()
    assert stack.can_redo()
    stack.push(CreateSpan(document.id, 0, 5, "actor", "alice"))
    assert not stack.can_redo()
    assert len(stack) == 2


def test_failed_command_is_not_pushed(project: Project, document: Document,
                                      project_path: Path, snapshot) -> None:
    stack = UndoStack(project)
    seen: list[tuple[Command, str]] = []
    stack.subscribe(lambda command, what: seen.append((command, what)))
    stack.push(CreateSpan(document.id, 0, 3, "actor", "alice"))
    before = snapshot(project_path)
    with pytest.raises(SpanError):
        stack.push(CreateSpan(document.id, 0, 3, "actor", "alice"))
    assert len(stack) == 1 and snapshot(project_path) == before
    assert [what for _c, what in seen] == ["do"]


def test_listeners_hear_every_change(project: Project, document: Document) -> None:
    stack = UndoStack(project)
    seen: list[str] = []
    stack.subscribe(lambda command, what: seen.append(what))
    stack.push(CreateSpan(document.id, 0, 3, "actor", "alice"))
    stack.undo()
    stack.redo()
    assert seen == ["do", "undo", "redo"]


def test_limit_and_clear(project: Project, document: Document) -> None:
    stack = UndoStack(project, limit=2)
    for end in (2, 3, 4):
        stack.push(CreateSpan(document.id, 0, end, "actor", "alice"))
    assert len(stack) == 2
    stack.undo()
    stack.undo()
    assert not stack.can_undo()
    assert len(project.spans()) == 1
    stack.clear()
    assert len(stack) == 0 and stack.undo_text() == "" and stack.redo_text() == ""
