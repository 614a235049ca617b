"""What the window does to relations and span attributes, each one undoable command.

``RelationActions`` checks what the window can tell before writing (both spans still there,
both in my layer: another layer is read-only here, like its spans) and pushes one command of
:mod:`annotator.domain.relation_commands` through the session (saved at once; the store checks
every rule again inside its transaction, and a refusal becomes the session's
``errorOccurred`` message with nothing written). Each method returns True when the change was
saved.
"""

from __future__ import annotations

from typing import Any

from annotator.domain.relation_commands import (
    AddRelation,
    DeleteRelation,
    ReverseRelation,
    SetSpanAttribute,
    UpdateRelation,
    retype_relation,
)
from annotator.domain.relations import Relation
from annotator.domain.spans import Span
from annotator.ui.changes import plain
from annotator.ui.relation_state import RelationState
from annotator.ui.session import Session

__all__ = ["RelationActions", "relation_read_only_message", "span_words"]


def span_words(session: Session, span: Span | None, limit: int = 24) -> str:
    """``claim 「戦闘機や飛行場…」``: a span's label and text, cut to ``limit`` characters."""
    if span is None:
        return "(a span not shown)"
    text = session.text[span.start:span.end].replace("\n", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{span.label} 「{text}」"


def relation_read_only_message(relation: Relation) -> str:
    return (f"That relation is in {plain(relation.annotator)}'s layer, read-only here; "
            f"nothing was changed.")


class RelationActions:
    """Create, retype, reverse, annotate and delete relations, set span attributes (see the
    module)."""

    def __init__(self, session: Session, state: RelationState) -> None:
        self.session = session
        self.state = state

    def _span(self, span_id: str) -> Span | None:
        session = self.session
        span = session.index.find(span_id)
        if span is None:
            session.errorOccurred.emit(session.gone_message(span_id))
        return span

    def _mine(self, span: Span) -> bool:
        if not self.session.is_own(span):
            self.session.errorOccurred.emit(self.session.read_only_message(span))
            return False
        return True

    def _relation(self, relation_id: str) -> Relation | None:
        self.session.sync()
        relation = self.state.relations.get(relation_id)
        if relation is None:
            self.session.errorOccurred.emit(
                "That relation no longer exists (deleted elsewhere?); nothing was changed.")
            return None
        if relation.annotator != self.session.annotator:
            self.session.errorOccurred.emit(relation_read_only_message(relation))
            return None
        return relation

    def create(self, head_id: str, tail_id: str, type_name: str) -> str | None:
        """Create a ``type_name`` relation from span ``head_id`` to ``tail_id`` (both mine);
        returns its id, None when refused."""
        session = self.session
        session.sync()
        head, tail = self._span(head_id), self._span(tail_id)
        if head is None or tail is None or not self._mine(head) or not self._mine(tail):
            return None
        command = AddRelation(head.id, tail.id, type_name, session.annotator)
        return command.relation_id if session.push(command) else None

    def retype(self, relation_id: str, type_name: str) -> bool:
        relation = self._relation(relation_id)
        if relation is None or relation.type == type_name:
            return False
        return self.session.push(retype_relation(relation.id, self.session.annotator, type_name))

    def reverse(self, relation_id: str) -> bool:
        relation = self._relation(relation_id)
        return relation is not None and self.session.push(
            ReverseRelation(relation.id, self.session.annotator))

    def set_note(self, relation_id: str, note: str | None) -> bool:
        """Give my relation ``relation_id`` the note ``note`` (empty or None: no note)."""
        relation = self._relation(relation_id)
        if relation is None or (note or None) == relation.note:
            return False
        return self.session.push(UpdateRelation(
            relation.id, self.session.annotator, {"note": note or None},
            "Edit relation note" if note else "Remove relation note"))

    def delete(self, relation_id: str) -> bool:
        relation = self._relation(relation_id)
        return relation is not None and self.session.push(
            DeleteRelation(relation.id, self.session.annotator))

    def set_attribute(self, span_id: str, name: str, value: Any) -> bool:
        """Set attribute ``name`` of my span ``span_id`` (``None`` clears it)."""
        session = self.session
        session.sync()
        span = self._span(span_id)
        if span is None or not self._mine(span):
            return False
        unchanged = span.attributes.get(name) == value
        if unchanged and (value is not None or name not in span.attributes):
            return False
        return session.push(SetSpanAttribute(span.id, session.annotator, name, value))
