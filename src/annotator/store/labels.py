"""The project's label set: ordered labels with colour, key and description, all undoable.

Spans refer to labels by id, so renaming a label is one row; removing a label that spans use
needs an explicit choice: refuse (the default) or delete those spans too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotator.domain.errors import LabelError
from annotator.domain.labels import Label, check_label_set
from annotator.store.errors import ConflictError, expect_current

if TYPE_CHECKING:
    import sqlite_utils

    from annotator.domain.spans import Span


def move_in_order(items: list[Any], item: Any, position: int) -> tuple[int, int] | None:
    """Move ``item`` to ``position`` (clamped) in ``items``, in place: ``(old, new)`` positions,
    or None when it is already there. The palette order of labels and of relation types."""
    old = items.index(item)
    position = max(0, min(position, len(items) - 1))
    if old == position:
        return None
    items.pop(old)
    items.insert(position, item)
    return old, position


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _label_json(label: Label, position: int) -> dict[str, Any]:
    return {"name": label.name, "color": label.color, "key": label.key,
            "description": label.description, "position": position}


class LabelsMixin:
    """Label-set operations of :class:`annotator.store.project.Project`.

    Nothing about labels is cached: another writer (a second window, ``annotator labels``) may
    rename or remove a label at any moment, so names are resolved to row ids by reading the
    file inside the transaction that writes them, and every change reads the label set inside
    its own ``BEGIN IMMEDIATE`` transaction.
    """

    db: sqlite_utils.Database

    def _read_label_ids(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT name, id FROM labels").fetchall())

    def labels(self) -> list[Label]:
        """The label set, in palette order."""
        rows = self.db.execute(
            "SELECT name, color, key, description FROM labels ORDER BY position, id"
        ).fetchall()
        return [Label(*row) for row in rows]

    def label(self, name: str) -> Label:
        """The label called ``name`` (LabelError when there is none)."""
        row = self.db.execute(
            "SELECT name, color, key, description FROM labels WHERE name = ?", [name]).fetchone()
        if row is None:
            raise LabelError(f"unknown label {name!r}")
        return Label(*row)

    def label_id(self, name: str) -> int:
        """The row id of a label, read from the file now (LabelError naming it when it does
        not exist). Call it inside the transaction that uses the id."""
        row = self.db.execute("SELECT id FROM labels WHERE name = ?", [name]).fetchone()
        if row is None:
            known = ", ".join(label.name for label in self.labels())
            raise LabelError(f"unknown label {name!r} (the project has: {known})")
        return row[0]

    def label_usage(self, name: str) -> int:
        """How many spans carry the label."""
        return self.db.execute(
            "SELECT count(*) FROM spans WHERE label_id = ?", [self.label_id(name)]
        ).fetchone()[0]

    def _write_positions(self, labels: list[Label]) -> None:
        ids = self._read_label_ids()
        for position, label in enumerate(labels):
            self.db.execute("UPDATE labels SET position = ? WHERE id = ?", [position, ids[label.name]])

    def _expect_label(self, name: str, expect: Label | None) -> Label:
        """The label as stored now; with ``expect`` it must be exactly that (ConflictError)."""
        return expect_current(lambda: self.label(name), expect, LabelError,
                              what=f"label {name!r}",
                              changed_by=lambda: self._changed_by("label", name))  # type: ignore[attr-defined]

    def add_label(self, label: Label, *, who: str, position: int | None = None) -> Label:
        """Add a label at ``position`` (default: last)."""
        with self.atomic():  # type: ignore[attr-defined]
            current = self.labels()
            check_label_set([*current, label])
            position = len(current) if position is None else max(0, min(position, len(current)))
            self.db["labels"].insert(_label_json(label, len(current)))
            ordered = [*current]
            ordered.insert(position, label)
            self._write_positions(ordered)
            self._log(who, "add", "label", label.name, after=_label_json(label, position))  # type: ignore[attr-defined]
        return label

    def update_label(
        self,
        name: str,
        *,
        who: str,
        new_name: str = UNSET,
        color: str = UNSET,
        key: str | None = UNSET,
        description: str = UNSET,
        expect: Label | None = None,
    ) -> Label:
        """Rename, recolour, re-key or describe a label; returns the new definition.

        With ``expect`` (undo, redo) the label must still be exactly ``expect``."""
        with self.atomic():  # type: ignore[attr-defined]
            current = self.labels()
            before = self._expect_label(name, expect)
            after = Label(
                before.name if new_name is UNSET else new_name,
                before.color if color is UNSET else color,
                before.key if key is UNSET else key,
                before.description if description is UNSET else description,
            )
            if after == before:
                return before
            check_label_set([after if lab.name == name else lab for lab in current])
            position = current.index(before)
            self.db["labels"].update(self.label_id(name), {
                "name": after.name, "color": after.color, "key": after.key,
                "description": after.description})
            self._log(who, "update", "label", name, before=_label_json(before, position),  # type: ignore[attr-defined]
                      after=_label_json(after, position))
        return after

    def move_label(self, name: str, position: int, *, who: str) -> None:
        """Move a label to ``position`` in the palette order."""
        with self.atomic():  # type: ignore[attr-defined]
            current = self.labels()
            moved = move_in_order(current, self.label(name), position)
            if moved is None:
                return
            self._write_positions(current)
            self._log(who, "move", "label", name, before=moved[0], after=moved[1])  # type: ignore[attr-defined]

    def remove_label(self, name: str, *, who: str, delete_spans: bool = False,
                     expect: Label | None = None) -> list[Span]:
        """Remove a label. Refused when spans use it, unless ``delete_spans``; returns those spans."""
        with self.atomic():  # type: ignore[attr-defined]
            label = self._expect_label(name, expect)
            used = self.label_usage(name)
            if used and not delete_spans:
                raise LabelError(
                    f"label {name!r} is used by {used} span{'s' if used != 1 else ''}; "
                    f"remove those spans too, or keep the label"
                )
            position = self.labels().index(label)
            removed = self.spans(labels=[name]) if used else []  # type: ignore[attr-defined]
            for span in removed:
                self.delete_span(span.id, who=who)  # type: ignore[attr-defined]
            self.db["labels"].delete(self.label_id(name))
            self._write_positions([lab for lab in self.labels()])
            self._log(who, "remove", "label", name, before=_label_json(label, position),  # type: ignore[attr-defined]
                      after={"deleted_spans": len(removed)})
        return removed

    def restore_label(self, label: Label, position: int, spans: list[Span], *, who: str) -> None:
        """Put back a removed label at its position, with the spans removed with it (undo).
        Refused with :class:`ConflictError` when a label of that name exists again."""
        with self.atomic():  # type: ignore[attr-defined]
            if any(lab.name == label.name for lab in self.labels()):
                raise ConflictError(
                    f"a label {label.name!r} exists again (added elsewhere"
                    f"{self._changed_by('label', label.name)}); "  # type: ignore[attr-defined]
                    f"nothing was changed")
            self.add_label(label, who=who, position=position)
            for span in spans:
                self.restore_span(span, who=who)  # type: ignore[attr-defined]
