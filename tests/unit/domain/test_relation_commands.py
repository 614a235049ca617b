"""Relation, relation-type and attribute commands: undo leaves the project exactly as before,
redo exactly as after; undo and redo refuse (ConflictError, nothing written) when another
writer changed their target; deleting a span takes its relations along and undo brings them
back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from annotator.domain.commands import Command, CreateSpan, DeleteSpan, RemoveLabel, UpdateSpan
from annotator.domain.relation_commands import (
    AddLabelAttribute,
    AddRelation,
    AddRelationType,
    DeleteRelation,
    EditLabelAttribute,
    EditRelationType,
    MoveRelationType,
    RemoveLabelAttribute,
    RemoveRelationType,
    ReverseRelation,
    SetSpanAttribute,
    clear_span_attribute,
    retype_relation,
)
from annotator.domain.relations import Attribute, RelationError, RelationType
from annotator.domain.spans import Span
from annotator.domain.undo import UndoStack
from annotator.store import ConflictError, Project

TEXT = "米CNNは、金氏が「戦闘機や飛行場の様子を見学し」と報じました。ミサイル3発"


def state(path: Path, snapshot: Callable[..., Any]) -> dict[str, Any]:
    """The project's tables without the history (and without the span-count tables, which
    their own tests compare with COUNT(*)). Relation types are compared without their row id
    and relations carry their type's name instead: as for labels, an undo that puts a type
    back gives it a new row id, which nothing outside the store sees."""
    snap = {k: v for k, v in snapshot(path, history=False).items() if not k.endswith("_counts")}
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        snap["relation_types"] = sorted(conn.execute(
            "SELECT name, color, key, description, heads, tails, position FROM relation_types"))
        snap["relations"] = sorted(conn.execute(
            "SELECT r.id, r.document_id, r.head_id, r.tail_id, t.name, r.annotator, r.note, "
            "r.created_at, r.updated_at FROM relations r JOIN relation_types t "
            "ON t.id = r.type_id"))
    finally:
        conn.close()
    return snap


@pytest.fixture
def spans(project: Project) -> dict[str, Span]:
    doc, _ = project.add_document("cnn.txt", TEXT, who="tester")

    def add(label: str, surface: str) -> Span:
        start = TEXT.index(surface)
        return project.add_span(doc.id, start, start + len(surface), label, "alice")

    return {"claim": add("claim", "戦闘機や飛行場の様子を見学し"), "source": add("source", "米CNN"),
            "actor": add("actor", "金氏"), "weapon": add("weapon", "ミサイル"),
            "number": add("number", "3発")}


def check_do_undo_redo(project: Project, snapshot: Callable[..., Any], command: Command) -> None:
    path = project.path
    before = state(path, snapshot)
    history = len(project.history())
    command.do(project)
    after = state(path, snapshot)
    assert after != before
    assert len(project.history()) > history
    command.undo(project)
    assert state(path, snapshot) == before
    command.do(project)
    assert state(path, snapshot) == after
    command.undo(project)
    assert state(path, snapshot) == before


def test_relation_commands_undo_and_redo_exactly(
        project: Project, spans: dict[str, Span], snapshot: Callable[..., Any]) -> None:
    claim, source, actor = spans["claim"].id, spans["source"].id, spans["actor"].id
    check_do_undo_redo(project, snapshot, AddRelation(claim, source, "attributed_to", "alice"))
    project.add_relation_type(RelationType("related", "#123456", "r"), who="alice")
    relation = project.add_relation(claim, actor, "involves", note="about Kim")
    check_do_undo_redo(project, snapshot, DeleteRelation(relation.id, "alice"))
    check_do_undo_redo(project, snapshot, retype_relation(relation.id, "alice", "related"))
    project.update_relation(relation.id, who="alice", type="related")
    check_do_undo_redo(project, snapshot, ReverseRelation(relation.id, "alice"))


def test_a_reverse_the_type_does_not_allow_is_refused(
        project: Project, spans: dict[str, Span], snapshot: Callable[..., Any]) -> None:
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    stack = UndoStack(project)
    before = state(project.path, snapshot)
    with pytest.raises(RelationError, match="at its head"):
        stack.push(ReverseRelation(relation.id, "alice"))
    assert not stack.can_undo() and state(project.path, snapshot) == before


def test_deleting_a_span_takes_its_relations_and_undo_brings_them_back(
        project: Project, spans: dict[str, Span], snapshot: Callable[..., Any]) -> None:
    claim = spans["claim"].id
    r1 = project.add_relation(claim, spans["source"].id, "attributed_to")
    r2 = project.add_relation(claim, spans["actor"].id, "involves")
    project.add_relation(spans["number"].id, spans["weapon"].id, "quantifies")
    check_do_undo_redo(project, snapshot, DeleteSpan(claim, "alice"))
    assert {r.id for r in project.relations_of_span(claim)} == {r1.id, r2.id}
    # A relation whose other span was deleted elsewhere meanwhile stays deleted.
    stack = UndoStack(project)
    stack.push(DeleteSpan(claim, "alice"))
    project.delete_span(spans["actor"].id, who="bob")
    stack.undo()
    assert project.relations_of_span(claim) == [r1]


def test_undoing_a_created_span_takes_relations_made_since_and_redo_brings_them_back(
        project: Project, spans: dict[str, Span]) -> None:
    create = CreateSpan(spans["claim"].document_id, 0, 1, "source", "alice")
    stack = UndoStack(project)
    stack.push(create)
    relation = project.add_relation(spans["claim"].id, create.span_id, "attributed_to")
    stack.undo()
    assert project.relations() == []
    stack.redo()
    assert project.relations() == [relation]


def test_resize_and_relabel_commands_keep_relations(
        project: Project, spans: dict[str, Span]) -> None:
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    stack = UndoStack(project)
    stack.push(UpdateSpan(spans["claim"].id, "alice", {"start": spans["claim"].start + 2}))
    stack.push(UpdateSpan(spans["source"].id, "alice", {"label": "actor"}))
    assert project.relations() == [relation]
    assert len(project.relation_problems()) == 1
    stack.undo()
    stack.undo()
    assert project.relations() == [relation] and project.relation_problems() == []


def test_removing_a_label_with_spans_and_undo_restore_their_relations(
        project: Project, spans: dict[str, Span], snapshot: Callable[..., Any]) -> None:
    project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    project.add_relation(spans["claim"].id, spans["actor"].id, "involves")
    check_do_undo_redo(project, snapshot, RemoveLabel("source", "alice", delete_spans=True))


def test_undo_refuses_when_the_relation_changed_elsewhere(
        project: Project, spans: dict[str, Span], snapshot: Callable[..., Any]) -> None:
    stack = UndoStack(project)
    add = stack.push(AddRelation(spans["claim"].id, spans["source"].id, "attributed_to",
                                 "alice"))
    assert isinstance(add, AddRelation)
    project.update_relation(add.relation_id, who="bob", note="checked")  # elsewhere
    before = state(project.path, snapshot)
    with pytest.raises(ConflictError, match="changed elsewhere .by bob"):
        stack.undo()
    assert state(project.path, snapshot) == before and stack.can_undo()
    project.delete_relation(add.relation_id, who="bob")
    with pytest.raises(ConflictError, match="deleted elsewhere"):
        stack.undo()
    # Redo of a delete whose relation was restored and changed elsewhere.
    relation = project.add_relation(spans["claim"].id, spans["actor"].id, "involves")
    delete = DeleteRelation(relation.id, "alice")
    delete.do(project)
    delete.undo(project)
    project.update_relation(relation.id, who="bob", note="x")
    with pytest.raises(ConflictError):
        delete.do(project)
    assert project.relation(relation.id).note == "x"


def test_attribute_commands(project: Project, spans: dict[str, Span],
                            snapshot: Callable[..., Any]) -> None:
    claim = spans["claim"].id
    check_do_undo_redo(project, snapshot, SetSpanAttribute(claim, "alice", "stance", "reported"))
    project.set_span_attribute(claim, "stance", "denied", who="alice")
    check_do_undo_redo(project, snapshot, SetSpanAttribute(claim, "alice", "stance", "asserted"))
    check_do_undo_redo(project, snapshot, clear_span_attribute(claim, "alice", "stance"))
    stack = UndoStack(project)
    stack.push(SetSpanAttribute(claim, "alice", "stance", "speculated"))
    project.update_span(claim, who="bob", note="elsewhere")
    with pytest.raises(ConflictError, match="changed elsewhere"):
        stack.undo()
    assert project.span(claim).attributes == {"stance": "speculated"}


def test_definition_commands(project: Project, spans: dict[str, Span],
                             snapshot: Callable[..., Any]) -> None:
    check_do_undo_redo(project, snapshot, AddRelationType(
        RelationType("denies", "#aa0000", "4", "", ("actor",), ("claim",)), "alice", 1))
    check_do_undo_redo(project, snapshot, EditRelationType(
        "involves", "alice", {"new_name": "about", "key": "9", "tails": ("actor", "weapon")}))
    check_do_undo_redo(project, snapshot, MoveRelationType("quantifies", 0, "alice"))
    project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    with pytest.raises(RelationError, match="used by 1 relation"):
        RemoveRelationType("attributed_to", "alice").do(project)
    check_do_undo_redo(project, snapshot,
                       RemoveRelationType("attributed_to", "alice", delete_relations=True))
    check_do_undo_redo(project, snapshot,
                       AddLabelAttribute(Attribute("claim", "hedged", "flag"), "alice"))
    check_do_undo_redo(project, snapshot, EditLabelAttribute(
        "source", "kind", "alice", {"choices": ("government", "media"), "description": "Kind."}))
    project.set_span_attribute(spans["source"].id, "kind", "media", who="alice")
    check_do_undo_redo(project, snapshot,
                       RemoveLabelAttribute("source", "kind", "alice", clear_values=True))


def test_redo_of_a_type_edit_refuses_a_type_changed_elsewhere(project: Project) -> None:
    stack = UndoStack(project)
    stack.push(EditRelationType("involves", "alice", {"color": "#000000"}))
    stack.undo()
    project.update_relation_type("involves", who="bob", description="changed")
    with pytest.raises(ConflictError, match="changed elsewhere"):
        stack.redo()
    assert project.relation_type("involves").description == "changed"
