"""Commands: every user action as an object with ``do`` and ``undo`` over the project.

A command is built with everything it needs (including the id of a span it will create, so
that redo re-creates the same span), and ``do``/``undo`` call project methods that each commit
one transaction. Commands know the project only through the :class:`ProjectLike` protocol, so
this module stays free of SQLite and Qt. Compound commands (``label all hits``) run their children
inside one transaction.

Other writers (a second window, the command line, a merge) may change the project between a
command's ``do`` and its ``undo``. So ``undo`` and redo pass the state they expect to find
(``expect=``) and the project refuses, with ``ConflictError`` and nothing written, when the
target has changed since: an undo never overwrites someone's newer work.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from annotator.domain.labels import Label
from annotator.domain.relations import Relation
from annotator.domain.spans import Span, new_span_id


class ProjectLike(Protocol):
    """What commands need from a project (``annotator.store.Project`` provides it)."""

    def add_span(self, document_id: int, start: int, end: int, label: str, annotator: str, *,
                 note: str | None = ..., span_id: str | None = ..., created_at: str | None = ...,
                 updated_at: str | None = ..., value: dict[str, Any] | None = ...,
                 who: str | None = ...) -> Span: ...
    def restore_span(self, span: Span, *, who: str) -> Span: ...
    def delete_span(self, span_id: str, *, who: str, expect: Span | None = ...) -> Span: ...
    def update_span(self, span_id: str, *, who: str, **changes: Any) -> Span: ...
    def span(self, span_id: str) -> Span: ...
    def labels(self) -> list[Label]: ...
    def label(self, name: str) -> Label: ...
    def add_label(self, label: Label, *, who: str, position: int | None = ...) -> Label: ...
    def update_label(self, name: str, *, who: str, **changes: Any) -> Label: ...
    def move_label(self, name: str, position: int, *, who: str) -> None: ...
    def remove_label(self, name: str, *, who: str, delete_spans: bool = ...,
                     expect: Label | None = ...) -> list[Span]: ...
    def restore_label(self, label: Label, position: int, spans: list[Span], *, who: str) -> None: ...
    def atomic(self) -> contextlib.AbstractContextManager[Any]: ...
    def relations_of_span(self, span_id: str) -> list[Relation]: ...
    def relations_of_label(self, label: str) -> list[Relation]: ...
    def restore_relations(self, relations: Sequence[Relation], *, who: str) -> list[Relation]: ...


class Command:
    """Base class. ``text`` names the action for the Edit menu ("Undo Create 'actor' span")."""

    text = "change"

    def do(self, project: ProjectLike) -> None:
        raise NotImplementedError

    def undo(self, project: ProjectLike) -> None:
        raise NotImplementedError

    def affected_spans(self) -> set[str]:
        """Ids of the spans this command touches (the window refreshes just those)."""
        return set()


@dataclass
class CreateSpan(Command):
    """Create one span. The id is fixed at construction so redo re-creates the same span."""

    document_id: int
    start: int
    end: int
    label: str
    annotator: str
    note: str | None = None
    span_id: str = field(default_factory=new_span_id)
    value: dict[str, Any] | None = None
    created: Span | None = None
    #: Relations made on the span before the undo deleted it (the redo puts them back).
    relations: list[Relation] = field(default_factory=list)

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Create {self.label!r} span"

    def do(self, project: ProjectLike) -> None:
        if self.created is None:
            self.created = project.add_span(
                self.document_id, self.start, self.end, self.label, self.annotator,
                note=self.note, span_id=self.span_id, value=self.value)
        else:
            with project.atomic():
                project.restore_span(self.created, who=self.annotator)
                project.restore_relations(self.relations, who=self.annotator)

    def undo(self, project: ProjectLike) -> None:
        with project.atomic():
            relations = project.relations_of_span(self.span_id)
            project.delete_span(self.span_id, who=self.annotator, expect=self.created)
            self.relations = relations

    def affected_spans(self) -> set[str]:
        return {self.span_id}


@dataclass
class DeleteSpan(Command):
    """Delete one span and its relations; undo restores them exactly (ids, times, notes), but
    a relation whose other span was deleted since stays deleted."""

    span_id: str
    who: str
    deleted: Span | None = None
    relations: list[Relation] = field(default_factory=list)
    text = "Delete span"

    def do(self, project: ProjectLike) -> None:
        with project.atomic():  # the relations read are those the delete removes
            relations = project.relations_of_span(self.span_id)
            # Redo deletes only the very span the undo restored.
            self.deleted = project.delete_span(self.span_id, who=self.who, expect=self.deleted)
            self.relations = relations

    def undo(self, project: ProjectLike) -> None:
        assert self.deleted is not None
        with project.atomic():
            project.restore_span(self.deleted, who=self.who)
            project.restore_relations(self.relations, who=self.who)

    def affected_spans(self) -> set[str]:
        return {self.span_id}


@dataclass
class UpdateSpan(Command):
    """Relabel, resize (nudge) or annotate one span. ``changes`` uses ``label``, ``start``,
    ``end``, ``note``, ``value``; undo puts back the values (and the update time) it replaced."""

    span_id: str
    who: str
    changes: dict[str, Any]
    description: str = "Edit span"
    before: Span | None = None
    after: Span | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return self.description

    def do(self, project: ProjectLike) -> None:
        if self.after is None:
            before = project.span(self.span_id)
            # Written only if the span is still ``before`` inside the writing transaction.
            self.after = project.update_span(self.span_id, who=self.who, expect=before,
                                             **self.changes)
            self.before = before
        else:  # redo: the very state the first do produced, from the state undo left
            assert self.before is not None
            project.update_span(self.span_id, who=self.who, updated_at=self.after.updated_at,
                                expect=self.before,
                                **{key: getattr(self.after, key) for key in self.changes})

    def undo(self, project: ProjectLike) -> None:
        assert self.before is not None
        b = self.before
        project.update_span(self.span_id, who=self.who, label=b.label, start=b.start, end=b.end,
                            note=b.note, value=b.value, updated_at=b.updated_at,
                            expect=self.after)

    def affected_spans(self) -> set[str]:
        return {self.span_id}


@dataclass
class Compound(Command):
    """Several commands as one undoable step, in one transaction."""

    children: Sequence[Command]
    description: str = "Several changes"

    @property
    def text(self) -> str:  # type: ignore[override]
        return self.description

    def do(self, project: ProjectLike) -> None:
        with project.atomic():
            for child in self.children:
                child.do(project)

    def undo(self, project: ProjectLike) -> None:
        with project.atomic():
            for child in reversed(self.children):
                child.undo(project)

    def affected_spans(self) -> set[str]:
        return set().union(*(c.affected_spans() for c in self.children)) if self.children else set()


@dataclass
class AddLabel(Command):
    """Add a label to the set."""

    label: Label
    who: str
    position: int | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Add label {self.label.name!r}"

    def do(self, project: ProjectLike) -> None:
        project.add_label(self.label, who=self.who, position=self.position)

    def undo(self, project: ProjectLike) -> None:
        project.remove_label(self.label.name, who=self.who, expect=self.label)


@dataclass
class EditLabel(Command):
    """Rename, recolour, re-key or describe a label (``changes``: new_name, color, key,
    description)."""

    name: str
    who: str
    changes: dict[str, Any]
    before: Label | None = None
    after: Label | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Edit label {self.name!r}"

    def do(self, project: ProjectLike) -> None:
        if self.after is None:
            before = project.label(self.name)
            self.after = project.update_label(self.name, who=self.who, expect=before,
                                              **self.changes)
            self.before = before
        else:  # redo: from the state undo left
            a = self.after
            project.update_label(self.name, who=self.who, new_name=a.name, color=a.color,
                                 key=a.key, description=a.description, expect=self.before)

    def undo(self, project: ProjectLike) -> None:
        assert self.before is not None and self.after is not None
        b = self.before
        project.update_label(self.after.name, who=self.who, new_name=b.name, color=b.color,
                             key=b.key, description=b.description, expect=self.after)


@dataclass
class MoveLabel(Command):
    """Move a label in the palette order."""

    name: str
    position: int
    who: str
    old_position: int | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Move label {self.name!r}"

    def do(self, project: ProjectLike) -> None:
        self.old_position = [lab.name for lab in project.labels()].index(self.name)
        project.move_label(self.name, self.position, who=self.who)

    def undo(self, project: ProjectLike) -> None:
        assert self.old_position is not None
        project.move_label(self.name, self.old_position, who=self.who)


@dataclass
class RemoveLabel(Command):
    """Remove a label; with ``delete_spans`` its spans go too (and come back on undo)."""

    name: str
    who: str
    delete_spans: bool = False
    removed: Label | None = None
    position: int = 0
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Remove label {self.name!r}"

    def do(self, project: ProjectLike) -> None:
        with project.atomic():
            labels = project.labels()
            self.removed = next(lab for lab in labels if lab.name == self.name)
            self.position = labels.index(self.removed)
            relations = project.relations_of_label(self.name) if self.delete_spans else []
            self.spans = project.remove_label(self.name, who=self.who,
                                              delete_spans=self.delete_spans)
            self.relations = relations

    def undo(self, project: ProjectLike) -> None:
        assert self.removed is not None
        with project.atomic():
            project.restore_label(self.removed, self.position, self.spans, who=self.who)
            project.restore_relations(self.relations, who=self.who)

    def affected_spans(self) -> set[str]:
        return {s.id for s in self.spans}


def iter_commands(command: Command) -> Iterator[Command]:
    """The command and, for compounds, every child, depth first."""
    yield command
    if isinstance(command, Compound):
        for child in command.children:
            yield from iter_commands(child)
