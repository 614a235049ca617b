"""Attributes in the store: the definitions labels declare for their spans and the values
spans hold, operations of :class:`annotator.store.project.Project` (see
:mod:`annotator.store.relations`: the same transaction and history rules, entities
``label_attribute`` and ``attribute``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from annotator.domain.relations import Attribute, SpanAttributeError, check_attribute_set
from annotator.domain.spans import Span, now
from annotator.store.errors import ConflictError, expect_current
from annotator.store.labels import UNSET, move_in_order
from annotator.store.relation_rows import ATTRIBUTE_SELECT as _ATTRIBUTE_SELECT
from annotator.store.relation_rows import attribute_from_row as _attribute
from annotator.store.relation_rows import describe_span as _describe
from annotator.store.relation_rows import attribute_to_json, attributes_json, counted

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["AttributesMixin"]


class AttributesMixin:
    """Attribute definition and value operations of ``Project`` (see the module)."""

    db: sqlite_utils.Database

    # -- attribute definitions -----------------------------------------------------------

    def label_attributes(self, label: str | None = None) -> list[Attribute]:
        """The attributes labels declare (of one label, or of every existing label in palette
        order), each label's in their own order. Dormant definitions of a removed label are
        left out."""
        sql = ("SELECT a.label, a.name, a.kind, a.choices, a.description FROM label_attributes a "
               "JOIN labels l ON l.name = a.label")
        params: list[Any] = []
        if label is not None:
            sql += " WHERE a.label = ?"
            params.append(label)
        sql += " ORDER BY l.position, l.id, a.position, a.id"
        return [_attribute(r) for r in self.db.execute(sql, params).fetchall()]

    def label_attribute(self, label: str, name: str) -> Attribute:
        """The attribute ``label.name`` (:class:`SpanAttributeError` naming the declared ones)."""
        row = self.db.execute(_ATTRIBUTE_SELECT + " WHERE label = ? AND name = ?",
                              [label, name]).fetchone()
        if row is None:
            declared = ", ".join(a.name for a in self.label_attributes(label)) or "none"
            raise SpanAttributeError(
                f"label {label!r} declares no attribute {name!r} (it declares: {declared})")
        return _attribute(row)

    def _expect_attribute(self, label: str, name: str, expect: Attribute | None) -> Attribute:
        return expect_current(
            lambda: self.label_attribute(label, name), expect, SpanAttributeError,
            what=f"attribute {label}.{name}", gone="removed", kept=False,
            changed_by=lambda: self._changed_by("label_attribute", f"{label}.{name}"))  # type: ignore[attr-defined]

    def _attribute_usage(self, label: str, name: str) -> list[Span]:
        """The spans of ``label`` holding a value of attribute ``name``."""
        rows = self.db.execute(
            self._span_select() + " WHERE l.name = ? AND s.attributes IS NOT NULL "
            "ORDER BY s.document_id, s.start", [label]).fetchall()
        spans = (self._span_from_row(r) for r in rows)
        return [span for span in spans if name in span.attributes]

    def _span_select(self) -> str:
        from annotator.store.project import _SPAN_SELECT

        return _SPAN_SELECT

    def _span_from_row(self, row: Sequence[Any]) -> Span:
        from annotator.store.project import span_from_row

        return span_from_row(row)

    def attribute_usage(self, label: str, name: str) -> int:
        """How many spans hold a value of attribute ``label.name``."""
        return len(self._attribute_usage(label, name))

    def add_label_attribute(self, attribute: Attribute, *, who: str,
                            position: int | None = None) -> Attribute:
        """Declare an attribute on a label (which must exist) at ``position`` among the
        label's attributes (default: last)."""
        with self.atomic():  # type: ignore[attr-defined]
            self.label_id(attribute.label)  # type: ignore[attr-defined]
            rows = self.db.execute(_ATTRIBUTE_SELECT + " WHERE label = ? ORDER BY position, id",
                                   [attribute.label]).fetchall()
            current = [_attribute(r) for r in rows]
            check_attribute_set([*current, attribute])
            ordered = [*current]
            ordered.insert(len(current) if position is None else
                           max(0, min(position, len(current))), attribute)
            self.db.execute(
                "INSERT INTO label_attributes (label, name, kind, choices, description, "
                "position) VALUES (?, ?, ?, ?, ?, ?)",
                [attribute.label, attribute.name, attribute.kind,
                 json.dumps(list(attribute.choices), ensure_ascii=False),
                 attribute.description, len(current)])
            for index, item in enumerate(ordered):
                self.db.execute("UPDATE label_attributes SET position = ? WHERE label = ? AND "
                                "name = ?", [index, item.label, item.name])
            self._log(who, "add", "label_attribute", attribute.qualified,  # type: ignore[attr-defined]
                      after={**attribute_to_json(attribute), "position": ordered.index(attribute)})
        return attribute

    def move_label_attribute(self, label: str, name: str, position: int, *, who: str) -> None:
        """Move attribute ``label.name`` to ``position`` (clamped) among the label's
        attributes; nothing is written when it is already there."""
        with self.atomic():  # type: ignore[attr-defined]
            rows = self.db.execute(_ATTRIBUTE_SELECT + " WHERE label = ? ORDER BY position, id",
                                   [label]).fetchall()
            current = [_attribute(r) for r in rows]
            moved = move_in_order(current, self.label_attribute(label, name), position)
            if moved is None:
                return
            for index, item in enumerate(current):
                self.db.execute("UPDATE label_attributes SET position = ? WHERE label = ? AND "
                                "name = ?", [index, label, item.name])
            self._log(who, "move", "label_attribute", f"{label}.{name}",  # type: ignore[attr-defined]
                      before=moved[0], after=moved[1])

    def update_label_attribute(self, label: str, name: str, *, who: str,
                               choices: Sequence[str] = UNSET, description: str = UNSET,
                               expect: Attribute | None = None) -> Attribute:
        """Change the choices or the description of an attribute. A choice that spans hold is
        never dropped (refused, naming how many spans hold it). With ``expect`` (undo, redo)
        the definition must still be exactly that."""
        with self.atomic():  # type: ignore[attr-defined]
            before = self._expect_attribute(label, name, expect)
            after = Attribute(label, name, before.kind,
                              before.choices if choices is UNSET else tuple(choices),
                              before.description if description is UNSET else description)
            if after == before:
                return before
            dropped = set(before.choices) - set(after.choices)
            if dropped:
                held = [s for s in self._attribute_usage(label, name)
                        if s.attributes.get(name) in dropped]
                if held:
                    value = held[0].attributes[name]
                    raise SpanAttributeError(
                        f"{counted(len(held), 'span')} of label {label!r} hold "
                        f"{name}={value!r}; change those values first")
            self.db.execute("UPDATE label_attributes SET choices = ?, description = ? "
                            "WHERE label = ? AND name = ?",
                            [json.dumps(list(after.choices), ensure_ascii=False),
                             after.description, label, name])
            self._log(who, "update", "label_attribute", after.qualified,  # type: ignore[attr-defined]
                      before=attribute_to_json(before), after=attribute_to_json(after))
        return after

    def remove_label_attribute(self, label: str, name: str, *, who: str,
                               clear_values: bool = False,
                               expect: Attribute | None = None,
                               updated_at: str | None = None) -> tuple[int, list[Span]]:
        """Remove an attribute definition. Refused while spans hold a value of it, unless
        ``clear_values`` (each value cleared with its own history row; the spans' update time
        becomes ``updated_at``, default now: a redo passes the first time's). Returns the
        attribute's position and the spans as they were before their value was cleared."""
        with self.atomic():  # type: ignore[attr-defined]
            attribute = self._expect_attribute(label, name, expect)
            held = self._attribute_usage(label, name)
            if held and not clear_values:
                raise SpanAttributeError(
                    f"attribute {attribute.qualified} has a value on "
                    f"{counted(len(held), 'span')}; clear those values too, or keep it")
            stamp = updated_at or now()
            for span in held:
                self.set_span_attribute(span.id, name, None, who=who, expect=span,
                                        updated_at=stamp)
            names = [r[0] for r in self.db.execute(
                "SELECT name FROM label_attributes WHERE label = ? ORDER BY position, id",
                [label])]
            position = names.index(name)
            self.db.execute("DELETE FROM label_attributes WHERE label = ? AND name = ?",
                            [label, name])
            for index, other in enumerate(n for n in names if n != name):
                self.db.execute("UPDATE label_attributes SET position = ? WHERE label = ? AND "
                                "name = ?", [index, label, other])
            self._log(who, "remove", "label_attribute", attribute.qualified,  # type: ignore[attr-defined]
                      before={**attribute_to_json(attribute), "position": position},
                      after={"cleared_values": len(held)})
        return position, held

    def restore_label_attribute(self, attribute: Attribute, position: int, spans: Iterable[Span],
                                *, who: str) -> None:
        """Put back a removed attribute definition and the values cleared with it (undo). A
        span deleted since is skipped; a span that holds a value of the attribute again is a
        :class:`ConflictError`, as is a definition of that name existing again."""
        with self.atomic():  # type: ignore[attr-defined]
            exists = self.db.execute("SELECT 1 FROM label_attributes WHERE label = ? AND "
                                     "name = ?", [attribute.label, attribute.name]).fetchone()
            if exists:
                raise ConflictError(f"attribute {attribute.qualified} exists again (added "
                                    f"elsewhere); nothing was changed")
            self.add_label_attribute(attribute, who=who, position=position)
            for span in spans:
                current = self._span_or_none(span.id)  # type: ignore[attr-defined]
                if current is None:
                    continue
                if attribute.name in current.attributes:
                    raise ConflictError(f"{_describe(current)} holds a value of "
                                        f"{attribute.qualified} again; nothing was changed")
                self.set_span_attribute(span.id, attribute.name,
                                        span.attributes[attribute.name], who=who,
                                        updated_at=span.updated_at)

    # -- attribute values on spans -------------------------------------------------------

    def check_span_attributes(self, label: str, attributes: dict[str, Any] | None
                              ) -> dict[str, Any]:
        """``attributes`` checked against what ``label`` declares (each name declared, each
        value valid), as stored; :class:`SpanAttributeError` otherwise."""
        if not attributes:
            return {}
        if not isinstance(attributes, dict):
            raise SpanAttributeError("a span's attributes are a JSON object")
        declared = {a.name: a for a in self.label_attributes(label)}
        checked = {}
        for name, value in attributes.items():
            attribute = declared.get(name)
            if attribute is None:
                raise SpanAttributeError(
                    f"label {label!r} declares no attribute {name!r} (it declares: "
                    f"{', '.join(declared) or 'none'})")
            checked[name] = attribute.check_value(value)
        return checked

    def set_span_attribute(self, span_id: str, name: str, value: Any, *, who: str,
                           expect: Span | None = None, updated_at: str | None = None) -> Span:
        """Set attribute ``name`` of a span to ``value`` (``None`` clears it); returns the new
        span. The label must declare the attribute and the value must be valid for it (a value
        left over from before a relabel can still be cleared). The span's ``updated_at``
        changes (``updated_at`` sets it: undo, redo). With ``expect`` the span must still be
        exactly that state."""
        with self.atomic():  # type: ignore[attr-defined]
            before = self._current_span(span_id, expect)  # type: ignore[attr-defined]
            values = dict(before.attributes)
            if value is None:
                if name not in values and (updated_at is None or
                                           updated_at == before.updated_at):
                    return before
                values.pop(name, None)
            else:
                try:
                    attribute = self.label_attribute(before.label, name)
                except SpanAttributeError:
                    raise SpanAttributeError(
                        f"{_describe(before)}: label {before.label!r} declares no attribute "
                        f"{name!r} (it declares: "
                        f"{', '.join(a.name for a in self.label_attributes(before.label)) or 'none'}"
                        f")") from None
                values[name] = attribute.check_value(value)
                if values == before.attributes and (updated_at is None or
                                                    updated_at == before.updated_at):
                    return before
            after = replace(before, attributes=values, updated_at=updated_at or now())
            self.db.execute("UPDATE spans SET attributes = ?, updated_at = ? WHERE id = ?",
                            [attributes_json(values), after.updated_at, span_id])
            self._log(who, "clear" if value is None else "set", "attribute", span_id,  # type: ignore[attr-defined]
                      after.document_id, before={"attribute": name, **asdict(before)},
                      after={"attribute": name, **asdict(after)})
        return after
