"""The relations of the current document, the relation types and the attribute definitions,
kept in step with every change, for the window's arcs, relation list and choosers.

``RelationState`` follows one :class:`annotator.ui.session.Session`: it reads the current
document's relations when a document opens (one query), and after every command of the undo
stack and every batch of history rows written elsewhere it re-reads, by id, just the relations
those name (relations of a deleted or restored span, a created, retyped, reversed or deleted
relation), so applying a change twice changes nothing.

Signals:

- ``relationsChanged(ids)``: relations of the current document were added, changed or removed
  (``ids``, a ``frozenset`` of relation ids; ``relations`` already holds the new state);
- ``relationsReset()``: every relation of the current document was read again;
- ``typesChanged()``: the relation types changed (``types``);
- ``attributesChanged()``: the attribute definitions changed (``attributes_of(label)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QObject, Signal

from annotator.domain.commands import (
    AddLabel,
    Command,
    CreateSpan,
    EditLabel,
    MoveLabel,
    UpdateSpan,
    iter_commands,
)
from annotator.domain.relation_commands import (
    AddLabelAttribute,
    AddRelationType,
    EditLabelAttribute,
    EditRelationType,
    MoveRelationType,
    RelationCommand,
    RemoveLabelAttribute,
    RemoveRelationType,
    SetSpanAttribute,
)
from annotator.domain.relation_index import RelationIndex
from annotator.domain.relations import Attribute, Relation, RelationType
from annotator.store import HistoryEntry
from annotator.ui.document_status import SetDocumentStatus
from annotator.ui.session import BULK_SPANS, Session

__all__ = ["RelationState"]

#: Commands that never add or remove a relation (resizing and relabelling keep them).
_NO_RELATION_CHANGE = (UpdateSpan, SetDocumentStatus, AddLabel, MoveLabel, SetSpanAttribute)
_TYPE_COMMANDS = (AddRelationType, EditRelationType, MoveRelationType, RemoveRelationType)
_ATTRIBUTE_COMMANDS = (AddLabelAttribute, EditLabelAttribute, RemoveLabelAttribute)


class RelationState(QObject):
    """Relations of the session's current document (``relations``, a
    :class:`~annotator.domain.relation_index.RelationIndex`), the relation types (``types``)
    and the attribute definitions, kept up to date (see the module)."""

    relationsChanged = Signal(object)  # noqa: N815 (Qt naming)
    relationsReset = Signal()  # noqa: N815
    typesChanged = Signal()  # noqa: N815
    attributesChanged = Signal()  # noqa: N815

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.relations = RelationIndex()
        self.types: list[RelationType] = []
        self._types_by_name: dict[str, RelationType] = {}
        self._attributes: dict[str, list[Attribute]] = {}
        self._read_types()
        self._read_attributes()
        session.undo_stack.subscribe(self._after_command)
        # before the text is shown: the arcs' lane is then part of its one layout
        session.documentOpening.connect(lambda _id: self.reload())
        session.spansReset.connect(self.reload)
        session.labelsChanged.connect(self._labels_changed)
        session.historyApplied.connect(self.apply_history)
        if session.document is not None:
            self.reload()

    # -- reading ----------------------------------------------------------------------------------

    def type(self, name: str) -> RelationType | None:
        """The relation type called ``name`` (None when there is none)."""
        return self._types_by_name.get(name)

    def color(self, name: str) -> str:
        rt = self._types_by_name.get(name)
        return rt.color if rt is not None else "#808080"

    def allowed_types(self, head_label: str, tail_label: str) -> list[RelationType]:
        """The types a relation from a ``head_label`` span to a ``tail_label`` span may have,
        in palette order (the project's ``allowed_relation_types``, from the types held)."""
        return [rt for rt in self.types if rt.allows(head_label, tail_label)]

    def attributes_of(self, label: str) -> list[Attribute]:
        """The attributes ``label`` declares, in their order."""
        return list(self._attributes.get(label, ()))

    def _read_types(self) -> None:
        self.types = self.session.project.relation_types()
        self._types_by_name = {rt.name: rt for rt in self.types}

    def _read_attributes(self) -> None:
        by_label: dict[str, list[Attribute]] = {}
        for attribute in self.session.project.label_attributes():
            by_label.setdefault(attribute.label, []).append(attribute)
        self._attributes = by_label

    def reload(self) -> None:
        """Read every relation of the current document again (emits ``relationsReset``)."""
        doc = self.session.document
        if doc is None:
            self.relations.reset(())
        else:  # the ends only: the index reads the rest of those it is asked for (on screen)
            self.relations.reset_ends(self.session.project.relation_ends(doc.id), self._read)
        self.relationsReset.emit()

    def _read(self, relation_ids: Sequence[str]) -> list[Relation]:
        """The relations among ``relation_ids`` as the project holds them (the index's reads;
        none once the project is closed: a late paint of a closing window reads nothing)."""
        project = self.session.project
        return [] if project.closed else project.relations_among(relation_ids)

    def _labels_changed(self) -> None:
        types, attributes = self.types, self._attributes
        self._read_types()
        self._read_attributes()
        if self.types != types:
            self.typesChanged.emit()
        if self._attributes != attributes:
            self.attributesChanged.emit()

    # -- keeping up -------------------------------------------------------------------------------

    def _after_command(self, command: Command, what: str) -> None:
        relation_ids: set[str] = set()
        span_ids: set[str] = set()
        types = attributes = False
        for cmd in iter_commands(command):
            if isinstance(cmd, _TYPE_COMMANDS):
                types = True
            if isinstance(cmd, _ATTRIBUTE_COMMANDS):
                attributes = True
            if isinstance(cmd, RelationCommand):
                relation_ids |= cmd.affected_relations()
            elif isinstance(cmd, CreateSpan) and what == "do":
                continue  # a new span has no relations yet
            elif isinstance(cmd, EditLabel) and "new_name" not in cmd.changes:
                continue
            elif not isinstance(cmd, _NO_RELATION_CHANGE):
                # a span deleted (its relations with it), restored (they come back), a label
                # removed with its spans, or a command this module does not know
                span_ids |= cmd.affected_spans()
        if types:
            self._read_types()
            self.typesChanged.emit()
        if attributes:
            self._read_attributes()
            self.attributesChanged.emit()
        self._refresh(relation_ids, span_ids)

    def apply_history(self, rows: Sequence[HistoryEntry]) -> None:
        """Re-read what history ``rows`` (written elsewhere, or by this window) name: the
        relations of the current document, the relation types, the attribute definitions."""
        doc = self.session.document
        current = doc.id if doc is not None else None
        relation_ids: set[str] = set()
        types = attributes = False
        for row in rows:
            if row.entity == "relation" and row.document_id == current:
                if row.action == "import":
                    after = row.after if isinstance(row.after, dict) else {}
                    relation_ids.update(str(i) for i in after.get("relation_ids", ()))
                elif row.entity_id:
                    relation_ids.add(row.entity_id)
            elif row.entity == "relation_type":
                types = True
            elif row.entity == "label_attribute":
                attributes = True
        if types:
            fresh = self.session.project.relation_types()
            if fresh != self.types:
                self._read_types()
                self.typesChanged.emit()
        if attributes:
            before = self._attributes
            self._read_attributes()
            if self._attributes != before:
                self.attributesChanged.emit()
        self._refresh(relation_ids, ())

    def _refresh(self, relation_ids: Iterable[str], span_ids: Iterable[str]) -> None:
        """Reconcile the relations named (and those at the spans named) with the project."""
        doc = self.session.document
        if doc is None:
            return
        relation_ids, span_ids = set(relation_ids), set(span_ids)
        if not relation_ids and not span_ids:
            return
        if len(relation_ids) + len(span_ids) > BULK_SPANS:
            self.reload()
            return
        project, index = self.session.project, self.relations
        fresh: dict[str, Relation | None] = {}
        if span_ids:
            relation_ids |= index.ids_of_spans(span_ids)
            for span_id in span_ids:
                for relation in project.relations_of_span(span_id):
                    fresh[relation.id] = relation
        for relation_id in relation_ids - fresh.keys():
            try:
                fresh[relation_id] = project.relation(relation_id)
            except KeyError:
                fresh[relation_id] = None
        changed = set()
        for relation_id, relation in fresh.items():
            if relation is None or relation.document_id != doc.id:
                if index.discard(relation_id):
                    changed.add(relation_id)
            elif index.known(relation_id) != relation:  # (one not read yet: put as read)
                index.put(relation)
                changed.add(relation_id)
        if changed:
            self.relationsChanged.emit(frozenset(changed))
