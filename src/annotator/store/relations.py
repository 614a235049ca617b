"""Relations between spans, relation types, and the attributes labels declare for their spans.

The operations of :class:`annotator.store.project.Project` for issue 12's model (see
``docs/relations.md``). As everywhere in the store, every change is one ``BEGIN IMMEDIATE``
transaction that reads what it checks inside itself (another window, ``annotator relations`` or
a merge may have changed anything since the caller looked), writes its history row(s) in that
same transaction, and, given ``expect=`` (an undo, a redo), refuses with :class:`ConflictError`
when the target is no longer exactly that.

History rows: entity ``relation`` (entity id: the relation id; ``document_id`` set),
``relation_type`` (entity id: the type's name), ``attribute`` (a value set or cleared on a span;
entity id: the span id; before/after: the span's states) and ``label_attribute`` (a definition;
entity id ``label.name``).

Relation types and attribute definitions name labels by name. Renaming a label renames it
there too (in the same transaction, with history rows). Removing a label leaves those names
dormant: a relation type allowing a removed label allows nothing more through it, and its
attributes are not listed; they come back when a label of that name comes back (the undo of the
removal). Removing a label also removes its spans' relations (through the span delete).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from annotator.domain.relations import (
    Attribute,
    Relation,
    RelationError,
    RelationType,
    SpanAttributeError,
    check_attribute_set,
    check_relation_type_set,
    new_relation_id,
    relation_problem,
)
from annotator.domain.spans import Span, check_annotator, now
from annotator.store.errors import ConflictError
from annotator.store.labels import UNSET, move_in_order

if TYPE_CHECKING:
    import sqlite_utils

    from annotator.domain.labels import Label

__all__ = ["RelationsMixin", "relation_to_json", "relation_type_to_json"]

_RELATION_SELECT = (
    "SELECT r.id, r.document_id, r.head_id, r.tail_id, t.name, r.annotator, r.note, "
    "r.created_at, r.updated_at FROM relations r JOIN relation_types t ON t.id = r.type_id"
)
_TYPE_SELECT = "SELECT name, color, key, description, heads, tails FROM relation_types"
_ATTRIBUTE_SELECT = "SELECT label, name, kind, choices, description FROM label_attributes"


def relation_to_json(relation: Relation) -> dict[str, Any]:
    """A relation as a plain dict (history rows)."""
    return asdict(relation)


def relation_type_to_json(rt: RelationType, position: int | None = None) -> dict[str, Any]:
    """A relation type as a plain dict (history rows), with its palette position if given."""
    out: dict[str, Any] = {"name": rt.name, "color": rt.color, "key": rt.key,
                           "description": rt.description, "heads": list(rt.heads),
                           "tails": list(rt.tails)}
    if position is not None:
        out["position"] = position
    return out


def attribute_to_json(attribute: Attribute) -> dict[str, Any]:
    """An attribute definition as a plain dict (history rows)."""
    return {"label": attribute.label, "name": attribute.name, "kind": attribute.kind,
            "choices": list(attribute.choices), "description": attribute.description}


def counted(n: int, singular: str) -> str:
    """``"1 relation"``, ``"2 relations"`` (the store sits below ``annotator.services``, whose
    ``wording.counted`` this mirrors)."""
    return f"{n} {singular}" if n == 1 else f"{n} {singular}s"


def _relation(row: Sequence[Any]) -> Relation:
    return Relation(*row)


def _relation_type(row: Sequence[Any]) -> RelationType:
    return RelationType(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])),
                        tuple(json.loads(row[5])))


def _attribute(row: Sequence[Any]) -> Attribute:
    return Attribute(row[0], row[1], row[2], tuple(json.loads(row[3])), row[4])


def _describe(span: Span) -> str:
    return f"the {span.label!r} span at [{span.start}, {span.end})"


def attributes_json(attributes: dict[str, Any] | None) -> str | None:
    """The ``spans.attributes`` column value: JSON text, NULL when there are none."""
    return json.dumps(attributes, ensure_ascii=False, sort_keys=True) if attributes else None


class RelationsMixin:
    """Relation, relation-type and attribute operations of ``Project`` (see the module)."""

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
        try:
            current = self.relation_type(name)
        except RelationError:
            if expect is None:
                raise
            raise ConflictError(
                f"relation type {name!r} was renamed or removed elsewhere"
                f"{self._changed_by('relation_type', name)}; nothing was changed") from None  # type: ignore[attr-defined]
        if expect is not None and current != expect:
            raise ConflictError(
                f"relation type {name!r} was changed elsewhere"
                f"{self._changed_by('relation_type', name)}; its newer definition is kept and "  # type: ignore[attr-defined]
                f"nothing was changed")
        return current

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

    # -- relations -----------------------------------------------------------------------

    def relations(self, document_id: int | None = None, *,
                  annotator: str | None = None) -> list[Relation]:
        """Relations (of one document, of one layer), by document, creation time and id."""
        where, params = [], []
        if document_id is not None:
            where.append("r.document_id = ?")
            params.append(document_id)
        if annotator is not None:
            where.append("r.annotator = ?")
            params.append(annotator)
        sql = _RELATION_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY r.document_id, r.created_at, r.id"
        return [_relation(r) for r in self.db.execute(sql, params).fetchall()]

    def relation_ends(self, document_id: int) -> list[tuple[str, str, str]]:
        """``(id, head, tail)`` of a document's relations, in no particular order: the
        window's read when it opens a document (``RelationIndex.reset_ends``, which reads the
        rest of a relation, with :meth:`relations_among`, when it is first needed)."""
        return self.db.execute("SELECT id, head_id, tail_id FROM relations WHERE "
                               "document_id = ?", [document_id]).fetchall()

    def relations_among(self, ids: Iterable[str]) -> list[Relation]:
        """The relations among ``ids`` that exist (in no particular order)."""
        wanted = list(dict.fromkeys(ids))
        found: list[Relation] = []
        for at in range(0, len(wanted), 500):
            part = wanted[at : at + 500]
            found += [_relation(row) for row in self.db.execute(
                _RELATION_SELECT + f" WHERE r.id IN ({', '.join('?' for _ in part)})", part)]
        return found

    def relation(self, relation_id: str) -> Relation:
        """The relation with this id (KeyError when there is none)."""
        current = self._relation_or_none(relation_id)
        if current is None:
            gone = self._changed_by("relation", relation_id)  # type: ignore[attr-defined]
            raise KeyError(f"the relation was deleted elsewhere{gone}; nothing was changed"
                           if gone else f"no relation with id {relation_id}")
        return current

    def _relation_or_none(self, relation_id: str) -> Relation | None:
        row = self.db.execute(_RELATION_SELECT + " WHERE r.id = ?", [relation_id]).fetchone()
        return None if row is None else _relation(row)

    def relations_of_span(self, span_id: str) -> list[Relation]:
        """The relations with ``span_id`` at their head or tail (by creation time and id)."""
        rows = self.db.execute(
            _RELATION_SELECT + " WHERE r.head_id = ? UNION " + _RELATION_SELECT
            + " WHERE r.tail_id = ? ORDER BY 8, 1", [span_id, span_id]).fetchall()
        return [_relation(r) for r in rows]

    def relations_of_label(self, label: str) -> list[Relation]:
        """The relations with a span carrying ``label`` at either end (what removing the label
        with its spans removes too)."""
        rows = self.db.execute(
            _RELATION_SELECT + " JOIN spans h ON h.id = r.head_id JOIN spans s2 ON "
            "s2.id = r.tail_id JOIN labels l ON l.name = ? WHERE h.label_id = l.id OR "
            "s2.label_id = l.id ORDER BY r.document_id, r.created_at, r.id", [label]).fetchall()
        return [_relation(r) for r in rows]

    def relation_counts(self) -> dict[int, int]:
        """Number of relations per document id (documents without relations are absent)."""
        rows = self.db.execute("SELECT document_id, count(*) FROM relations GROUP BY document_id")
        return dict(rows.fetchall())

    def _end(self, span_id: str, end: str) -> Span:
        span = self._span_or_none(span_id)  # type: ignore[attr-defined]
        if span is None:
            gone = self._changed_by("span", span_id)  # type: ignore[attr-defined]
            raise RelationError(f"the {end} span of the relation was deleted elsewhere{gone}; "
                                f"nothing was changed" if gone else
                                f"the {end} span of the relation does not exist (no span "
                                f"with id {span_id})")
        return span

    def _check_relation(self, head: Span, tail: Span, rt: RelationType, annotator: str,
                        *, check_labels: bool) -> None:
        if head.id == tail.id:
            raise RelationError("a relation links two different spans, not a span to itself")
        if head.document_id != tail.document_id:
            raise RelationError(f"{_describe(head)} and {_describe(tail)} are in different "
                                f"documents; a relation links spans of one document")
        if not head.annotator == tail.annotator == annotator:
            layers = sorted({head.annotator, tail.annotator, annotator})
            raise RelationError(
                f"a relation links two spans of one layer, and is in that layer; here: "
                f"{', '.join(repr(x) for x in layers)}")
        if check_labels:
            problem = relation_problem(rt, head.label, tail.label)
            if problem is not None:
                raise RelationError(problem)

    def _check_not_duplicate_relation(self, head: str, tail: str, type_id: int, rt: str,
                                      ignore_id: str | None = None) -> None:
        row = self.db.execute(
            "SELECT id FROM relations WHERE head_id = ? AND tail_id = ? AND type_id = ?",
            [head, tail, type_id]).fetchone()
        if row is not None and row[0] != ignore_id:
            raise RelationError(f"these two spans already have an {rt!r} relation in that "
                                f"direction")

    def add_relation(
        self,
        head: str,
        tail: str,
        type: str,  # noqa: A002 - the relation's type, as exports name it
        *,
        annotator: str | None = None,
        note: str | None = None,
        relation_id: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        who: str | None = None,
        check_labels: bool = True,
    ) -> Relation:
        """Create a relation from span ``head`` to span ``tail`` (ids) of type ``type``.

        Checked inside the writing transaction: both spans exist, they differ, they are in one
        document and one layer (``annotator``, default the spans' own), the type exists and
        allows their labels at each end (unless ``check_labels`` is False: a restore of a state
        that existed), and no relation of that type links them in that direction already.
        ``who`` (default: the annotator) is recorded in the history."""
        stamp = now()
        with self.atomic():  # type: ignore[attr-defined]
            head_span, tail_span = self._end(head, "head"), self._end(tail, "tail")
            layer = check_annotator(annotator if annotator is not None else head_span.annotator)
            rt = self.relation_type(type)
            self._check_relation(head_span, tail_span, rt, layer, check_labels=check_labels)
            type_id = self._relation_type_id(type)
            self._check_not_duplicate_relation(head, tail, type_id, type)
            relation = Relation(relation_id or new_relation_id(), head_span.document_id, head,
                                tail, type, layer, note or None, created_at or stamp,
                                updated_at or created_at or stamp)
            try:
                self.db.execute(
                    "INSERT INTO relations (id, document_id, head_id, tail_id, type_id, "
                    "annotator, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [relation.id, relation.document_id, head, tail, type_id, layer,
                     relation.note, relation.created_at, relation.updated_at])
            except sqlite3.IntegrityError as exc:
                raise RelationError(f"relation {relation.id} cannot be added: {exc}") from exc
            self._log(who or layer, "add", "relation", relation.id,  # type: ignore[attr-defined]
                      relation.document_id, after=relation_to_json(relation))
        return relation

    def restore_relation(self, relation: Relation, *, who: str) -> Relation:
        """Insert ``relation`` exactly as given (id and times kept): the undo of a delete, the
        redo of a create. Refused with :class:`ConflictError` when it exists again or an end
        or its type is gone (deleted elsewhere)."""
        with self.atomic():  # type: ignore[attr-defined]
            if self._relation_or_none(relation.id) is not None:
                raise ConflictError(
                    f"the {relation.type!r} relation exists again (restored elsewhere"
                    f"{self._changed_by('relation', relation.id)}); nothing was changed")  # type: ignore[attr-defined]
            for span_id in (relation.head, relation.tail):
                if self._span_or_none(span_id) is None:  # type: ignore[attr-defined]
                    raise ConflictError(
                        f"a span of the {relation.type!r} relation was deleted elsewhere"
                        f"{self._changed_by('span', span_id)}; nothing was changed")  # type: ignore[attr-defined]
            try:
                self.relation_type(relation.type)
            except RelationError:
                raise ConflictError(
                    f"relation type {relation.type!r} was renamed or removed elsewhere"
                    f"{self._changed_by('relation_type', relation.type)}; nothing was changed"  # type: ignore[attr-defined]
                ) from None
            return self.add_relation(
                relation.head, relation.tail, relation.type, annotator=relation.annotator,
                note=relation.note, relation_id=relation.id, created_at=relation.created_at,
                updated_at=relation.updated_at, who=who, check_labels=False)

    def restore_relations(self, relations: Iterable[Relation], *, who: str) -> list[Relation]:
        """Restore the relations (:meth:`restore_relation`) whose two spans still exist, in one
        transaction; a relation one of whose spans was deleted since stays deleted (that
        deletion would have removed it). Returns those restored."""
        restored = []
        with self.atomic():  # type: ignore[attr-defined]
            for relation in relations:
                if (self._span_or_none(relation.head) is None  # type: ignore[attr-defined]
                        or self._span_or_none(relation.tail) is None):  # type: ignore[attr-defined]
                    continue
                restored.append(self.restore_relation(relation, who=who))
        return restored

    def _current_relation(self, relation_id: str, expect: Relation | None) -> Relation:
        current = self._relation_or_none(relation_id)
        if current is None:
            if expect is None:
                raise KeyError(f"no relation with id {relation_id}")
            raise ConflictError(
                f"the {expect.type!r} relation was deleted elsewhere"
                f"{self._changed_by('relation', relation_id)}; nothing was changed")  # type: ignore[attr-defined]
        if expect is not None and current != expect:
            raise ConflictError(
                f"the {expect.type!r} relation was changed elsewhere"
                f"{self._changed_by('relation', relation_id)}; its newer state is kept and "  # type: ignore[attr-defined]
                f"nothing was changed")
        return current

    def update_relation(
        self,
        relation_id: str,
        *,
        who: str,
        type: str = UNSET,  # noqa: A002
        head: str = UNSET,
        tail: str = UNSET,
        note: str | None = UNSET,
        updated_at: str | None = None,
        expect: Relation | None = None,
        check_labels: bool = True,
    ) -> Relation:
        """Retype, reverse (swap ``head`` and ``tail``), re-end or annotate a relation; returns
        the new state. New ends must be spans of the relation's document and layer; the type
        must allow their labels (unless ``check_labels`` is False: undo and redo go back to a
        state that existed). With ``expect`` the relation must still be exactly that."""
        with self.atomic():  # type: ignore[attr-defined]
            before = self._current_relation(relation_id, expect)
            changes: dict[str, Any] = {}
            for name, value in (("type", type), ("head", head), ("tail", tail)):
                if value is not UNSET and value != getattr(before, name):
                    changes[name] = value
            if note is not UNSET and (note or None) != before.note:
                changes["note"] = note or None
            if not changes and (updated_at is None or updated_at == before.updated_at):
                return before
            after = replace(before, **changes, updated_at=updated_at or now())
            head_span, tail_span = self._end(after.head, "head"), self._end(after.tail, "tail")
            rt = self.relation_type(after.type)
            if head_span.document_id != before.document_id:
                raise RelationError("a relation stays in its document")
            self._check_relation(head_span, tail_span, rt, before.annotator,
                                 check_labels=check_labels and bool(
                                     {"type", "head", "tail"} & changes.keys()))
            type_id = self._relation_type_id(after.type)
            self._check_not_duplicate_relation(after.head, after.tail, type_id, after.type,
                                               ignore_id=relation_id)
            self.db.execute(
                "UPDATE relations SET head_id = ?, tail_id = ?, type_id = ?, note = ?, "
                "updated_at = ? WHERE id = ?",
                [after.head, after.tail, type_id, after.note, after.updated_at, relation_id])
            self._log(who, "update", "relation", relation_id, after.document_id,  # type: ignore[attr-defined]
                      before=relation_to_json(before), after=relation_to_json(after))
        return after

    def relations_by_document(self, first_id: int, last_id: int, *,
                              annotators: Iterable[str] | None = None
                              ) -> dict[int, list[Relation]]:
        """The relations of the documents with ids in ``[first_id, last_id]`` (optionally of
        some layers only), by document id, each list by creation time and id: one indexed
        query for an export's chunk of documents (call it inside the chunk's read
        transaction so spans and relations agree)."""
        sql = _RELATION_SELECT + " WHERE r.document_id BETWEEN ? AND ?"
        params: list[Any] = [first_id, last_id]
        if annotators is not None:
            layers = list(annotators)
            sql += f" AND r.annotator IN ({', '.join('?' for _ in layers)})"
            params.extend(layers)
        sql += " ORDER BY r.document_id, r.created_at, r.id"
        out: dict[int, list[Relation]] = {}
        for row in self.db.execute(sql, params):
            out.setdefault(row[1], []).append(_relation(row))
        return out

    def document_chunks_with_relations(
        self,
        *,
        ids: Sequence[int] | None = None,
        annotators: Iterable[str] | None = None,
        labels: Iterable[str] | None = None,
        size: int = 200,
    ) -> Iterator[list[tuple[Any, str, list[tuple[Any, ...]], list[str],
                             list[tuple[Any, ...]]]]]:
        """:meth:`Project.document_chunks` with each document's relations as a fifth item:
        rows ``(id, document_id, head, tail, type, annotator, note, created_at,
        updated_at)`` (of the ``annotators`` layers only, when given), by creation time and id,
        read in the same read transaction as the chunk's spans, so both agree. A relation
        whose end a ``labels`` filter leaves out is still listed: the caller drops it."""
        layers = None if annotators is None else list(annotators)
        chunks = self.document_chunks(ids=ids, annotators=layers,  # type: ignore[attr-defined]
                                      labels=labels, size=size)
        sql = _RELATION_SELECT + " WHERE r.document_id BETWEEN ? AND ?"
        if layers is not None:
            sql += f" AND r.annotator IN ({', '.join('?' for _ in layers)})"
        sql += " ORDER BY r.document_id, r.created_at, r.id"
        while True:
            with self._read_snapshot():  # type: ignore[attr-defined]
                chunk = next(chunks, None)
                if chunk is None:
                    return
                found: dict[int, list[tuple[Any, ...]]] = {}
                for row in self.db.execute(sql, [chunk[0][0].id, chunk[-1][0].id,
                                                 *(layers or ())]):
                    group = found.get(row[1])
                    if group is None:
                        group = found[row[1]] = []
                    group.append(row)
            yield [(document, text, rows, names, found.get(document.id, []))
                   for document, text, rows, names in chunk]

    def span_ids_by_key(self, document_id: int) -> dict[tuple[int, int, str, str], str]:
        """The id of each span of a document by its duplicate key ``(start, end, label,
        annotator)`` (an import maps a skipped duplicate span's relations onto the span the
        project has)."""
        rows = self.db.execute(
            'SELECT s.start, s."end", l.name, s.annotator, s.id FROM spans s JOIN labels l ON '
            "l.id = s.label_id WHERE s.document_id = ?", [document_id])
        return {(r[0], r[1], r[2], r[3]): r[4] for r in rows}

    def relations_by_ids(self, ids: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """``id -> (head, tail, type)`` of the relations among ``ids`` that exist."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, tuple[str, str, str]] = {}
        for at in range(0, len(wanted), 500):
            part = wanted[at : at + 500]
            for row in self.db.execute(
                    "SELECT r.id, r.head_id, r.tail_id, t.name FROM relations r JOIN "
                    "relation_types t ON t.id = r.type_id WHERE r.id IN "
                    f"({', '.join('?' for _ in part)})", part):
                found[row[0]] = (row[1], row[2], row[3])
        return found

    def relation_keys_of_heads(self, heads: Iterable[str]) -> set[tuple[str, str, str]]:
        """``(head, tail, type)`` of every relation whose head is one of ``heads`` (what makes
        a relation an exact duplicate)."""
        wanted = list(dict.fromkeys(heads))
        found: set[tuple[str, str, str]] = set()
        for at in range(0, len(wanted), 500):
            part = wanted[at : at + 500]
            found.update(self.db.execute(
                "SELECT r.head_id, r.tail_id, t.name FROM relations r JOIN relation_types t ON "
                f"t.id = r.type_id WHERE r.head_id IN ({', '.join('?' for _ in part)})",
                part).fetchall())
        return found

    def set_imported_attributes(self, values: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Store the attribute values of spans an import has just inserted (``(span id,
        values)``, already checked against their labels), with one ``executemany`` inside the
        import's transaction (its history rows name the spans). Returns the count."""
        rows = [(attributes_json(attrs), span_id) for span_id, attrs in values if attrs]
        if rows:
            with self.atomic():  # type: ignore[attr-defined]
                self.db.conn.executemany("UPDATE spans SET attributes = ? WHERE id = ?", rows)
        return len(rows)

    def add_relations_bulk(self, relations: Iterable[Relation], *, who: str, source: str,
                           check_labels: bool = True) -> int:
        """Insert relations (an import's, after its spans, possibly in the same transaction)
        in one transaction; returns the count. Every rule of :meth:`add_relation` is checked
        against the file inside it, with batched queries: a relation breaking one refuses the
        whole batch (:class:`RelationError` naming the relation's id). Each relation's
        ``document_id`` is taken from its spans. One history row per document (action
        ``import``, ``source`` and the relation ids), as span imports have."""
        batch = list(relations)
        if not batch:
            return 0
        with self.atomic():  # type: ignore[attr-defined]
            types = {rt.name: rt for rt in self.relation_types()}
            type_ids = dict(self.db.execute("SELECT name, id FROM relation_types").fetchall())
            wanted = sorted({end for r in batch for end in (r.head, r.tail)})
            ends: dict[str, tuple[int, str, str]] = {}
            for at in range(0, len(wanted), 500):
                part = wanted[at : at + 500]
                for row in self.db.execute(
                        "SELECT s.id, s.document_id, s.annotator, l.name FROM spans s JOIN labels "
                        f"l ON l.id = s.label_id WHERE s.id IN ({', '.join('?' for _ in part)})",
                        part):
                    ends[row[0]] = (row[1], row[2], row[3])
            heads = sorted({r.head for r in batch})
            seen: set[tuple[str, str, int]] = set()
            for at in range(0, len(heads), 500):
                part = heads[at : at + 500]
                seen.update(self.db.execute(
                    "SELECT head_id, tail_id, type_id FROM relations WHERE head_id IN "
                    f"({', '.join('?' for _ in part)})", part).fetchall())
            ids = [r.id for r in batch]
            taken: set[str] = set()
            for at in range(0, len(ids), 500):
                part = ids[at : at + 500]
                taken.update(row[0] for row in self.db.execute(
                    f"SELECT id FROM relations WHERE id IN ({', '.join('?' for _ in part)})",
                    part))
            rows = []
            per_document: dict[int, list[str]] = {}
            layers: set[str] = set()  # annotator names checked already
            for r in batch:
                what = f"relation {r.id}"
                if r.id in taken:
                    raise RelationError(f"{what} is already in the project")
                taken.add(r.id)
                rt = types.get(r.type)
                if rt is None:
                    raise RelationError(f"{what}: unknown relation type {r.type!r} (the "
                                        f"project has: {', '.join(types) or 'none'})")
                head, tail = ends.get(r.head), ends.get(r.tail)
                if head is None or tail is None:
                    raise RelationError(f"{what}: its {'head' if head is None else 'tail'} "
                                        f"span is not in the project")
                if r.head == r.tail:
                    raise RelationError(f"{what} links a span to itself")
                if head[0] != tail[0]:
                    raise RelationError(f"{what} links spans of two documents")
                if not head[1] == tail[1] == r.annotator:
                    raise RelationError(f"{what} is in layer {r.annotator!r}; its spans are in "
                                        f"{head[1]!r} and {tail[1]!r} (one layer for all three)")
                if check_labels:
                    problem = relation_problem(rt, head[2], tail[2])
                    if problem is not None:
                        raise RelationError(f"{what}: {problem}")
                key = (r.head, r.tail, type_ids[r.type])
                if key in seen:
                    raise RelationError(f"{what}: these two spans already have an {r.type!r} "
                                        f"relation in that direction")
                seen.add(key)
                if r.annotator not in layers:
                    layers.add(check_annotator(r.annotator))
                rows.append((r.id, head[0], r.head, r.tail, key[2], r.annotator, r.note or None,
                             r.created_at, r.updated_at))
                per_document.setdefault(head[0], []).append(r.id)
            try:
                self.db.conn.executemany(
                    "INSERT INTO relations (id, document_id, head_id, tail_id, type_id, "
                    "annotator, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows)
            except sqlite3.IntegrityError as exc:
                raise RelationError(f"the imported relations cannot be added: {exc}") from exc
            # One history row per document, written with one statement (a row at a time
            # through sqlite-utils costs more than the relations themselves).
            stamp = now()
            self.db.conn.executemany(
                "INSERT INTO history (at, who, action, entity, entity_id, document_id, after) "
                "VALUES (?, ?, 'import', 'relation', NULL, ?, ?)",
                [(stamp, who, document_id, json.dumps({"source": source,
                                                       "relation_ids": relation_ids},
                                                      ensure_ascii=False))
                 for document_id, relation_ids in per_document.items()])
        return len(rows)

    def span_attribute_problems(self, document_id: int | None = None
                                ) -> list[tuple[Span, str]]:
        """Spans holding an attribute value their label does not declare (left over from
        before a relabel) or no longer valid for it, with the reason: for the validation."""
        from annotator.domain.relations import attribute_problems

        declared: dict[str, dict[str, Attribute]] = {}
        for attribute in self.label_attributes():
            declared.setdefault(attribute.label, {})[attribute.name] = attribute
        sql = self._span_select() + " WHERE s.attributes IS NOT NULL"
        params: list[Any] = []
        if document_id is not None:
            sql += " AND s.document_id = ?"
            params.append(document_id)
        sql += " ORDER BY s.document_id, s.start"
        problems = []
        for row in self.db.execute(sql, params):
            span = self._span_from_row(row)
            for problem in attribute_problems(span.label, span.attributes,
                                              declared.get(span.label, {})):
                problems.append((span, problem))
        return problems

    def _delete_relation_row(self, relation: Relation, *, who: str) -> None:
        self.db.execute("DELETE FROM relations WHERE id = ?", [relation.id])
        self._log(who, "delete", "relation", relation.id, relation.document_id,  # type: ignore[attr-defined]
                  before=relation_to_json(relation))

    def delete_relation(self, relation_id: str, *, who: str,
                        expect: Relation | None = None) -> Relation:
        """Delete a relation; returns it as it was. With ``expect`` it must still be exactly
        that state (else :class:`ConflictError`)."""
        with self.atomic():  # type: ignore[attr-defined]
            before = self._current_relation(relation_id, expect)
            self._delete_relation_row(before, who=who)
        return before

    def _delete_relations_of_span(self, span_id: str, *, who: str) -> list[Relation]:
        """Inside the span delete's transaction: delete the span's relations, one history row
        each (so other windows drop them too); returns them."""
        removed = self.relations_of_span(span_id)
        for relation in removed:
            self._delete_relation_row(relation, who=who)
        return removed

    def relation_problems(self, document_id: int | None = None) -> list[tuple[Relation, str]]:
        """Relations whose type no longer allows the labels at their ends (a span was
        relabelled, or the type narrowed, after the relation was made), with the reason.
        They are kept: the analyst decides (retype, reverse or delete)."""
        sql = ("SELECT r.id, r.document_id, r.head_id, r.tail_id, t.name, r.annotator, r.note, "
               "r.created_at, r.updated_at, lh.name, lt.name, t.heads, t.tails "
               "FROM relations r JOIN relation_types t ON t.id = r.type_id "
               "JOIN spans h ON h.id = r.head_id JOIN labels lh ON lh.id = h.label_id "
               "JOIN spans s2 ON s2.id = r.tail_id JOIN labels lt ON lt.id = s2.label_id")
        params: list[Any] = []
        if document_id is not None:
            sql += " WHERE r.document_id = ?"
            params.append(document_id)
        sql += " ORDER BY r.document_id, r.created_at, r.id"
        problems = []
        for row in self.db.execute(sql, params):
            rt = RelationType(row[4], "#000000", None, "", tuple(json.loads(row[11])),
                              tuple(json.loads(row[12])))
            problem = relation_problem(rt, row[9], row[10])
            if problem is not None:
                problems.append((_relation(row[:9]), problem))
        return problems

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
        try:
            current = self.label_attribute(label, name)
        except SpanAttributeError:
            if expect is None:
                raise
            raise ConflictError(f"attribute {label}.{name} was removed elsewhere"
                                f"{self._changed_by('label_attribute', f'{label}.{name}')}; "  # type: ignore[attr-defined]
                                f"nothing was changed") from None
        if expect is not None and current != expect:
            raise ConflictError(f"attribute {label}.{name} was changed elsewhere"
                                f"{self._changed_by('label_attribute', f'{label}.{name}')}; "  # type: ignore[attr-defined]
                                f"nothing was changed")
        return current

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

