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
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from annotator.domain.relations import (
    Attribute,
    Relation,
    RelationError,
    RelationType,
    new_relation_id,
    relation_problem,
)
from annotator.domain.spans import Span, check_annotator, now
from annotator.store.attributes import AttributesMixin
from annotator.store.errors import ConflictError
from annotator.store.labels import UNSET
from annotator.store.relation_rows import RELATION_SELECT as _RELATION_SELECT
from annotator.store.relation_rows import describe_span as _describe
from annotator.store.relation_rows import relation_from_row as _relation
from annotator.store.relation_rows import (
    attributes_json,
    relation_to_json,
    relation_type_to_json,
)
from annotator.store.relation_types import RelationTypesMixin

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["RelationsMixin", "attributes_json", "relation_to_json", "relation_type_to_json"]


class RelationsMixin(RelationTypesMixin, AttributesMixin):
    """Relation, relation-type and attribute operations of ``Project`` (see the module; the
    types' in :mod:`annotator.store.relation_types`, the attributes' in
    :mod:`annotator.store.attributes`)."""

    db: sqlite_utils.Database

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
