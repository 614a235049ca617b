"""Relation types in the store: the operations of :class:`annotator.store.project.Project` on
the project's ordered list of relation types, and a label rename carried into the types and
attribute definitions that name the label (see :mod:`annotator.store.relations`: the same
transaction and history rules, entity ``relation_type``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from annotator.domain.relations import (
    Relation,
    RelationError,
    RelationType,
    check_relation_type_set,
)
from annotator.store.errors import ConflictError, expect_current
from annotator.store.labels import UNSET, move_in_order
from annotator.store.relation_rows import ATTRIBUTE_SELECT as _ATTRIBUTE_SELECT
from annotator.store.relation_rows import RELATION_SELECT as _RELATION_SELECT
from annotator.store.relation_rows import TYPE_SELECT as _TYPE_SELECT
from annotator.store.relation_rows import attribute_from_row as _attribute
from annotator.store.relation_rows import relation_from_row as _relation
from annotator.store.relation_rows import relation_type_from_row as _relation_type
from annotator.store.relation_rows import attribute_to_json, counted, relation_type_to_json

if TYPE_CHECKING:
    import sqlite_utils

    from annotator.domain.labels import Label

__all__ = ["RelationTypesMixin"]


class RelationTypesMixin:
    """Relation-type operations of ``Project`` (see the module)."""

    db: sqlite_utils.Database

    # -- relation types ------------------------------------------------------------------

    def relation_types(self) -> list[RelationType]:
        """The relation types, in palette order."""
        rows = self.db.execute(_TYPE_SELECT + " ORDER BY position, id").fetchall()
        return [_relation_type(r) for r in rows]

    def relation_type(self, name: str) -> RelationType:
        """The relation type called ``name`` (:class:`RelationError` naming the known ones)."""
        row = self.db.execute(_TYPE_SELECT + " WHERE name = ?", [name]).fetchone()
        if row is None:
            known = ", ".join(rt.name for rt in self.relation_types()) or "none"
            raise RelationError(f"unknown relation type {name!r} (the project has: {known})")
        return _relation_type(row)

    def _relation_type_id(self, name: str) -> int:
        row = self.db.execute("SELECT id FROM relation_types WHERE name = ?", [name]).fetchone()
        if row is None:
            self.relation_type(name)  # raises, naming the known types
        return row[0]

    def relation_type_usage(self, name: str) -> int:
        """How many relations are of this type."""
        return self.db.execute("SELECT count(*) FROM relations WHERE type_id = ?",
                               [self._relation_type_id(name)]).fetchone()[0]

    def allowed_relation_types(self, head_label: str, tail_label: str) -> list[RelationType]:
        """The types a relation from a ``head_label`` span to a ``tail_label`` span may have,
        in palette order (what the window offers in its "choose the type" step)."""
        return [rt for rt in self.relation_types() if rt.allows(head_label, tail_label)]

    def _check_type_labels(self, rt: RelationType) -> None:
        known = {label.name for label in self.labels()}  # type: ignore[attr-defined]
        for end, names in (("head", rt.heads), ("tail", rt.tails)):
            missing = [n for n in names if n not in known]
            if missing:
                raise RelationError(
                    f"relation type {rt.name!r}: no label {missing[0]!r} for its {end} "
                    f"(the project has: {', '.join(sorted(known))})")

    def _insert_type(self, rt: RelationType, current: list[RelationType], position: int) -> None:
        """Insert ``rt`` at ``position`` (clamped) among the ``current`` types, renumbering
        the palette order."""
        self.db.execute(
            "INSERT INTO relation_types (name, color, key, description, heads, tails, "
            "position) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [rt.name, rt.color, rt.key, rt.description,
             json.dumps(list(rt.heads), ensure_ascii=False),
             json.dumps(list(rt.tails), ensure_ascii=False), len(current)])
        ordered = [*current]
        ordered.insert(max(0, min(position, len(current))), rt)
        self._write_type_positions(ordered)

    def _write_type_positions(self, types: list[RelationType]) -> None:
        for position, rt in enumerate(types):
            self.db.execute("UPDATE relation_types SET position = ? WHERE name = ?",
                            [position, rt.name])

    def _expect_type(self, name: str, expect: RelationType | None) -> RelationType:
        return expect_current(lambda: self.relation_type(name), expect, RelationError,
                              what=f"relation type {name!r}",
                              changed_by=lambda: self._changed_by("relation_type", name))  # type: ignore[attr-defined]

    def add_relation_type(self, rt: RelationType, *, who: str,
                          position: int | None = None) -> RelationType:
        """Add a relation type at ``position`` (default: last). Its head and tail labels must
        exist; names and keys must be free among the relation types."""
        with self.atomic():  # type: ignore[attr-defined]
            current = self.relation_types()
            check_relation_type_set([*current, rt])
            self._check_type_labels(rt)
            position = len(current) if position is None else max(0, min(position, len(current)))
            self._insert_type(rt, current, position)
            self._log(who, "add", "relation_type", rt.name,  # type: ignore[attr-defined]
                      after=relation_type_to_json(rt, position))
        return rt

    def update_relation_type(
        self,
        name: str,
        *,
        who: str,
        new_name: str = UNSET,
        color: str = UNSET,
        key: str | None = UNSET,
        description: str = UNSET,
        heads: Sequence[str] = UNSET,
        tails: Sequence[str] = UNSET,
        expect: RelationType | None = None,
    ) -> RelationType:
        """Rename, recolour, re-key, describe a relation type or change the labels it allows;
        returns the new definition. Relations of the type keep it (by row id); narrowing the
        allowed labels keeps relations that no longer fit (see :meth:`relation_problems`).
        With ``expect`` (undo, redo) the type must still be exactly ``expect``."""
        with self.atomic():  # type: ignore[attr-defined]
            current = self.relation_types()
            before = self._expect_type(name, expect)
            after = RelationType(
                before.name if new_name is UNSET else new_name,
                before.color if color is UNSET else color,
                before.key if key is UNSET else key,
                before.description if description is UNSET else description,
                before.heads if heads is UNSET else tuple(heads),
                before.tails if tails is UNSET else tuple(tails),
            )
            if after == before:
                return before
            check_relation_type_set([after if rt.name == name else rt for rt in current])
            if (after.heads, after.tails) != (before.heads, before.tails):
                self._check_type_labels(after)
            position = current.index(before)
            self.db.execute(
                "UPDATE relation_types SET name = ?, color = ?, key = ?, description = ?, "
                "heads = ?, tails = ? WHERE name = ?",
                [after.name, after.color, after.key, after.description,
                 json.dumps(list(after.heads), ensure_ascii=False),
                 json.dumps(list(after.tails), ensure_ascii=False), name])
            self._log(who, "update", "relation_type", name,  # type: ignore[attr-defined]
                      before=relation_type_to_json(before, position),
                      after=relation_type_to_json(after, position))
        return after

    def move_relation_type(self, name: str, position: int, *, who: str) -> None:
        """Move a relation type to ``position`` in the palette order."""
        with self.atomic():  # type: ignore[attr-defined]
            current = self.relation_types()
            moved = move_in_order(current, self.relation_type(name), position)
            if moved is None:
                return
            self._write_type_positions(current)
            self._log(who, "move", "relation_type", name, before=moved[0],  # type: ignore[attr-defined]
                      after=moved[1])

    def remove_relation_type(self, name: str, *, who: str, delete_relations: bool = False,
                             expect: RelationType | None = None) -> list[Relation]:
        """Remove a relation type. Refused when relations have it, unless
        ``delete_relations``; returns those relations (deleted with it, each with its row)."""
        with self.atomic():  # type: ignore[attr-defined]
            rt = self._expect_type(name, expect)
            used = self.relation_type_usage(name)
            if used and not delete_relations:
                raise RelationError(
                    f"relation type {name!r} is used by {counted(used, 'relation')}; delete "
                    f"those relations too, or keep the type")
            position = self.relation_types().index(rt)
            type_id = self._relation_type_id(name)
            removed = [_relation(r) for r in self.db.execute(
                _RELATION_SELECT + " WHERE r.type_id = ? ORDER BY r.document_id, r.id",
                [type_id]).fetchall()]
            for relation in removed:
                self._delete_relation_row(relation, who=who)
            self.db.execute("DELETE FROM relation_types WHERE id = ?", [type_id])
            self._write_type_positions(self.relation_types())
            self._log(who, "remove", "relation_type", name,  # type: ignore[attr-defined]
                      before=relation_type_to_json(rt, position),
                      after={"deleted_relations": len(removed)})
        return removed

    def restore_relation_type(self, rt: RelationType, position: int,
                              relations: Iterable[Relation], *, who: str) -> list[Relation]:
        """Put back a removed relation type at its position with the relations removed with it
        (undo); a relation whose span was deleted since stays deleted. Refused with
        :class:`ConflictError` when a type of that name exists again. Returns the relations
        restored."""
        with self.atomic():  # type: ignore[attr-defined]
            current = self.relation_types()
            if any(t.name == rt.name for t in current):
                raise ConflictError(
                    f"a relation type {rt.name!r} exists again (added elsewhere"
                    f"{self._changed_by('relation_type', rt.name)}); nothing was changed")  # type: ignore[attr-defined]
            check_relation_type_set([*current, rt])
            self._insert_type(rt, current, position)
            self._log(who, "add", "relation_type", rt.name,  # type: ignore[attr-defined]
                      after=relation_type_to_json(rt, position))
            return self.restore_relations(relations, who=who)

    def update_label(self, name: str, *, who: str, **changes: Any) -> Label:
        """:meth:`LabelsMixin.update_label`, and a rename carried into the relation types and
        attribute definitions that name the label, in the same transaction."""
        with self.atomic():  # type: ignore[attr-defined]
            after = super().update_label(name, who=who, **changes)  # type: ignore[misc]
            if after.name != name:
                self._rename_label_references(name, after.name, who=who)
        return after

    def _rename_label_references(self, old: str, new: str, *, who: str) -> None:
        current = self.relation_types()
        for position, rt in enumerate(current):
            if old not in rt.heads and old not in rt.tails:
                continue
            moved = replace(rt, heads=tuple(new if n == old else n for n in rt.heads),
                            tails=tuple(new if n == old else n for n in rt.tails))
            self.db.execute("UPDATE relation_types SET heads = ?, tails = ? WHERE name = ?",
                            [json.dumps(list(moved.heads), ensure_ascii=False),
                             json.dumps(list(moved.tails), ensure_ascii=False), rt.name])
            self._log(who, "update", "relation_type", rt.name,  # type: ignore[attr-defined]
                      before=relation_type_to_json(rt, position),
                      after=relation_type_to_json(moved, position))
        # Dormant definitions of a removed label of the new name give way to the live label's.
        for row in self.db.execute(_ATTRIBUTE_SELECT + " WHERE label = ?", [new]).fetchall():
            self.db.execute("DELETE FROM label_attributes WHERE label = ? AND name = ?",
                            [new, row[1]])
            self._log(who, "remove", "label_attribute", f"{new}.{row[1]}",  # type: ignore[attr-defined]
                      before=attribute_to_json(_attribute(row)))
        for row in self.db.execute(_ATTRIBUTE_SELECT + " WHERE label = ?", [old]).fetchall():
            attribute = _attribute(row)
            self.db.execute("UPDATE label_attributes SET label = ? WHERE label = ? AND name = ?",
                            [new, old, attribute.name])
            self._log(who, "update", "label_attribute", attribute.qualified,  # type: ignore[attr-defined]
                      before=attribute_to_json(attribute),
                      after=attribute_to_json(replace(attribute, label=new)))
