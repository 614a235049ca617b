"""Commands for relations, relation types and span attributes (see :mod:`annotator.domain.commands`).

Each is built with what it needs (a new relation's id is fixed at construction, so redo
re-creates the same relation) and its ``do``/``undo`` call project methods that each commit one
transaction. Undo and redo pass the state they expect (``expect=``): the project refuses with
``ConflictError``, writing nothing, when another window, the command line or a merge changed the
target since. Undo and redo return to states that existed, so they do not re-check that a
relation type allows the labels at its ends (a relabel elsewhere may have changed them since;
``Project.relation_problems`` lists such relations).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from annotator.domain.commands import Command
from annotator.domain.relations import Attribute, Relation, RelationType, new_relation_id
from annotator.domain.spans import Span

__all__ = [
    "AddLabelAttribute",
    "AddRelation",
    "AddRelationType",
    "DeleteRelation",
    "EditLabelAttribute",
    "EditRelationType",
    "MoveRelationType",
    "RelationProjectLike",
    "RemoveLabelAttribute",
    "RemoveRelationType",
    "ReverseRelation",
    "SetSpanAttribute",
    "UpdateRelation",
    "clear_span_attribute",
    "retype_relation",
]


class RelationProjectLike(Protocol):
    """What these commands need from a project (``annotator.store.Project`` provides it)."""

    def atomic(self) -> contextlib.AbstractContextManager[Any]: ...
    def span(self, span_id: str) -> Span: ...
    def relation(self, relation_id: str) -> Relation: ...
    def add_relation(self, head: str, tail: str, type: str, *, annotator: str | None = ...,  # noqa: A002
                     note: str | None = ..., relation_id: str | None = ...,
                     created_at: str | None = ..., updated_at: str | None = ...,
                     who: str | None = ..., check_labels: bool = ...) -> Relation: ...
    def restore_relation(self, relation: Relation, *, who: str) -> Relation: ...
    def update_relation(self, relation_id: str, *, who: str, **changes: Any) -> Relation: ...
    def delete_relation(self, relation_id: str, *, who: str,
                        expect: Relation | None = ...) -> Relation: ...
    def relation_types(self) -> list[RelationType]: ...
    def relation_type(self, name: str) -> RelationType: ...
    def add_relation_type(self, rt: RelationType, *, who: str,
                          position: int | None = ...) -> RelationType: ...
    def update_relation_type(self, name: str, *, who: str, **changes: Any) -> RelationType: ...
    def move_relation_type(self, name: str, position: int, *, who: str) -> None: ...
    def remove_relation_type(self, name: str, *, who: str, delete_relations: bool = ...,
                             expect: RelationType | None = ...) -> list[Relation]: ...
    def restore_relation_type(self, rt: RelationType, position: int,
                              relations: Sequence[Relation], *, who: str) -> list[Relation]: ...
    def set_span_attribute(self, span_id: str, name: str, value: Any, *, who: str,
                           expect: Span | None = ..., updated_at: str | None = ...) -> Span: ...
    def label_attribute(self, label: str, name: str) -> Attribute: ...
    def label_attributes(self, label: str | None = ...) -> list[Attribute]: ...
    def add_label_attribute(self, attribute: Attribute, *, who: str,
                            position: int | None = ...) -> Attribute: ...
    def update_label_attribute(self, label: str, name: str, *, who: str,
                               **changes: Any) -> Attribute: ...
    def remove_label_attribute(self, label: str, name: str, *, who: str,
                               clear_values: bool = ...,
                               expect: Attribute | None = ...,
                               updated_at: str | None = ...) -> tuple[int, list[Span]]: ...
    def restore_label_attribute(self, attribute: Attribute, position: int,
                                spans: Sequence[Span], *, who: str) -> None: ...


class RelationCommand(Command):
    """A command about relations: ``affected_relations`` names them (the window redraws their
    arcs), ``affected_spans`` their ends."""

    def affected_relations(self) -> set[str]:
        return set()


# -- relations ---------------------------------------------------------------------------------


@dataclass
class AddRelation(RelationCommand):
    """Create a relation from span ``head`` to span ``tail``. The id is fixed at construction
    so redo re-creates the same relation."""

    head: str
    tail: str
    type: str
    annotator: str
    note: str | None = None
    relation_id: str = field(default_factory=new_relation_id)
    created: Relation | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Create {self.type!r} relation"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        if self.created is None:
            self.created = project.add_relation(self.head, self.tail, self.type,
                                                annotator=self.annotator, note=self.note,
                                                relation_id=self.relation_id)
        else:
            project.restore_relation(self.created, who=self.annotator)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        project.delete_relation(self.relation_id, who=self.annotator, expect=self.created)

    def affected_spans(self) -> set[str]:
        return {self.head, self.tail}

    def affected_relations(self) -> set[str]:
        return {self.relation_id}


@dataclass
class DeleteRelation(RelationCommand):
    """Delete one relation; undo restores it exactly (id, times, note)."""

    relation_id: str
    who: str
    deleted: Relation | None = None
    text = "Delete relation"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        self.deleted = project.delete_relation(self.relation_id, who=self.who,
                                               expect=self.deleted)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.deleted is not None
        project.restore_relation(self.deleted, who=self.who)

    def affected_spans(self) -> set[str]:
        return set() if self.deleted is None else {self.deleted.head, self.deleted.tail}

    def affected_relations(self) -> set[str]:
        return {self.relation_id}


@dataclass
class UpdateRelation(RelationCommand):
    """Retype, re-end or annotate a relation (``changes``: ``type``, ``head``, ``tail``,
    ``note``); undo puts back the values (and the update time) it replaced."""

    relation_id: str
    who: str
    changes: dict[str, Any]
    description: str = "Edit relation"
    before: Relation | None = None
    after: Relation | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return self.description

    def _changes(self, before: Relation) -> dict[str, Any]:
        return dict(self.changes)

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        if self.after is None:
            with project.atomic():
                before = project.relation(self.relation_id)
                self.after = project.update_relation(self.relation_id, who=self.who,
                                                     expect=before, **self._changes(before))
                self.before = before
        else:  # redo: the very state the first do produced, from the state undo left
            assert self.before is not None
            a = self.after
            project.update_relation(self.relation_id, who=self.who, type=a.type, head=a.head,
                                    tail=a.tail, note=a.note, updated_at=a.updated_at,
                                    expect=self.before, check_labels=False)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.before is not None
        b = self.before
        project.update_relation(self.relation_id, who=self.who, type=b.type, head=b.head,
                                tail=b.tail, note=b.note, updated_at=b.updated_at,
                                expect=self.after, check_labels=False)

    def affected_spans(self) -> set[str]:
        return {end for r in (self.before, self.after) if r is not None for end in (r.head, r.tail)}

    def affected_relations(self) -> set[str]:
        return {self.relation_id}


def retype_relation(relation_id: str, who: str, type_name: str) -> UpdateRelation:
    """The command that gives a relation another type (checked against its ends' labels)."""
    return UpdateRelation(relation_id, who, {"type": type_name}, f"Retype relation as {type_name!r}")


@dataclass
class ReverseRelation(UpdateRelation):
    """Swap a relation's head and tail (the type must allow the labels the other way round)."""

    changes: dict[str, Any] = field(default_factory=dict)
    description: str = "Reverse relation"

    def _changes(self, before: Relation) -> dict[str, Any]:
        return {"head": before.tail, "tail": before.head}


# -- attributes on spans --------------------------------------------------------------------


@dataclass
class SetSpanAttribute(RelationCommand):
    """Set (or, with ``value`` None, clear) one attribute of a span; undo puts back the value
    it replaced (or its absence) and the span's update time."""

    span_id: str
    who: str
    name: str
    value: Any
    before: Span | None = None
    after: Span | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        if self.value is None:
            return f"Clear attribute {self.name!r}"
        return f"Set {self.name!r} to {self.value!r}"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        if self.after is None:
            with project.atomic():
                before = project.span(self.span_id)
                self.after = project.set_span_attribute(self.span_id, self.name, self.value,
                                                        who=self.who, expect=before)
                self.before = before
        else:
            assert self.before is not None
            project.set_span_attribute(self.span_id, self.name,
                                       self.after.attributes.get(self.name), who=self.who,
                                       expect=self.before, updated_at=self.after.updated_at)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.before is not None
        project.set_span_attribute(self.span_id, self.name,
                                   self.before.attributes.get(self.name), who=self.who,
                                   expect=self.after, updated_at=self.before.updated_at)

    def affected_spans(self) -> set[str]:
        return {self.span_id}


def clear_span_attribute(span_id: str, who: str, name: str) -> SetSpanAttribute:
    """The command that clears one attribute of a span."""
    return SetSpanAttribute(span_id, who, name, None)


# -- relation types ---------------------------------------------------------------------------


@dataclass
class AddRelationType(RelationCommand):
    """Add a relation type."""

    relation_type: RelationType
    who: str
    position: int | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Add relation type {self.relation_type.name!r}"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        project.add_relation_type(self.relation_type, who=self.who, position=self.position)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        project.remove_relation_type(self.relation_type.name, who=self.who,
                                     expect=self.relation_type)


@dataclass
class EditRelationType(RelationCommand):
    """Rename, recolour, re-key, describe a relation type or change its allowed labels
    (``changes``: new_name, color, key, description, heads, tails)."""

    name: str
    who: str
    changes: dict[str, Any]
    before: RelationType | None = None
    after: RelationType | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Edit relation type {self.name!r}"

    @staticmethod
    def _all(rt: RelationType) -> dict[str, Any]:
        return {"new_name": rt.name, "color": rt.color, "key": rt.key,
                "description": rt.description, "heads": rt.heads, "tails": rt.tails}

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        if self.after is None:
            with project.atomic():
                before = project.relation_type(self.name)
                self.after = project.update_relation_type(self.name, who=self.who,
                                                          expect=before, **self.changes)
                self.before = before
        else:
            assert self.before is not None
            project.update_relation_type(self.before.name, who=self.who, expect=self.before,
                                         **self._all(self.after))

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.before is not None and self.after is not None
        project.update_relation_type(self.after.name, who=self.who, expect=self.after,
                                     **self._all(self.before))


@dataclass
class MoveRelationType(RelationCommand):
    """Move a relation type in the palette order."""

    name: str
    position: int
    who: str
    old_position: int | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Move relation type {self.name!r}"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        with project.atomic():
            self.old_position = [rt.name for rt in project.relation_types()].index(self.name)
            project.move_relation_type(self.name, self.position, who=self.who)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.old_position is not None
        project.move_relation_type(self.name, self.old_position, who=self.who)


@dataclass
class RemoveRelationType(RelationCommand):
    """Remove a relation type; with ``delete_relations`` its relations go too (and come back
    on undo, except those whose span was deleted since)."""

    name: str
    who: str
    delete_relations: bool = False
    removed: RelationType | None = None
    position: int = 0
    relations: list[Relation] = field(default_factory=list)

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Remove relation type {self.name!r}"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        with project.atomic():
            types = project.relation_types()
            removed = project.relation_type(self.name)
            self.position = types.index(removed)
            self.relations = project.remove_relation_type(
                self.name, who=self.who, delete_relations=self.delete_relations,
                expect=self.removed)
            self.removed = removed

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.removed is not None
        project.restore_relation_type(self.removed, self.position, self.relations, who=self.who)

    def affected_relations(self) -> set[str]:
        return {r.id for r in self.relations}

    def affected_spans(self) -> set[str]:
        return {end for r in self.relations for end in (r.head, r.tail)}


# -- attribute definitions --------------------------------------------------------------------


@dataclass
class AddLabelAttribute(RelationCommand):
    """Declare an attribute on a label."""

    attribute: Attribute
    who: str
    position: int | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Add attribute {self.attribute.qualified!r}"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        project.add_label_attribute(self.attribute, who=self.who, position=self.position)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        project.remove_label_attribute(self.attribute.label, self.attribute.name, who=self.who,
                                       expect=self.attribute)


@dataclass
class EditLabelAttribute(RelationCommand):
    """Change an attribute's choices or description (``changes``: choices, description)."""

    label: str
    name: str
    who: str
    changes: dict[str, Any]
    before: Attribute | None = None
    after: Attribute | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Edit attribute '{self.label}.{self.name}'"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        if self.after is None:
            with project.atomic():
                before = project.label_attribute(self.label, self.name)
                self.after = project.update_label_attribute(self.label, self.name, who=self.who,
                                                            expect=before, **self.changes)
                self.before = before
        else:
            project.update_label_attribute(self.label, self.name, who=self.who,
                                           expect=self.before, choices=self.after.choices,
                                           description=self.after.description)

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.before is not None
        project.update_label_attribute(self.label, self.name, who=self.who, expect=self.after,
                                       choices=self.before.choices,
                                       description=self.before.description)


@dataclass
class RemoveLabelAttribute(RelationCommand):
    """Remove an attribute definition; with ``clear_values`` the values spans hold are
    cleared too (and come back on undo)."""

    label: str
    name: str
    who: str
    clear_values: bool = False
    removed: Attribute | None = None
    position: int = 0
    spans: list[Span] = field(default_factory=list)
    cleared_at: str | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Remove attribute '{self.label}.{self.name}'"

    def do(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        with project.atomic():
            removed = project.label_attribute(self.label, self.name)
            self.position, self.spans = project.remove_label_attribute(
                self.label, self.name, who=self.who, clear_values=self.clear_values,
                expect=self.removed, updated_at=self.cleared_at)
            if self.spans and self.cleared_at is None:  # redo gives the spans the same time
                self.cleared_at = project.span(self.spans[0].id).updated_at
            self.removed = removed

    def undo(self, project: RelationProjectLike) -> None:  # type: ignore[override]
        assert self.removed is not None
        project.restore_label_attribute(self.removed, self.position, self.spans, who=self.who)

    def affected_spans(self) -> set[str]:
        return {s.id for s in self.spans}
