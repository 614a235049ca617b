"""The project's label set: ordered labels with colour, key and description, all undoable.

Spans refer to labels by id, so renaming a label is one row; removing a label that spans use
needs an explicit choice: refuse (the default) or delete those spans too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotator.domain.errors import LabelError
from annotator.domain.labels import Label, check_label_set

if TYPE_CHECKING:
    import sqlite_utils

    from annotator.domain.spans import Span


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _label_json(label: Label, position: int) -> dict[str, Any]:
    return {"name": label.name, "color": label.color, "key": label.key,
            "description": label.description, "position": position}


class LabelsMixin:
    """Label-set operations of :class:`annotator.store.project.Project`."""

    db: sqlite_utils.Database
    _label_ids: dict[str, int]

    def _reload_label_ids(self) -> None:
        self._label_ids = dict(self.db.execute("SELECT name, id FROM labels").fetchall())

    def labels(self) -> list[Label]:
        """The label set, in palette order."""
        rows = self.db.execute(
            "SELECT name, color, key, description FROM labels ORDER BY position, id"
        ).fetchall()
        return [Label(*row) for row in rows]

    def label(self, name: str) -> Label:
        """The label called ``name`` (LabelError when there is none)."""
        for label in self.labels():
            if label.name == name:
                return label
        raise LabelError(f"unknown label {name!r}")

    def label_id(self, name: str) -> int:
        """The row id of a label (LabelError naming it when it does not exist)."""
        try:
            return self._label_ids[name]
        except KeyError:
            known = ", ".join(label.name for label in self.labels())
            raise LabelError(f"unknown label {name!r} (the project has: {known})") from None

    def label_usage(self, name: str) -> int:
        """How many spans carry the label."""
        return self.db.execute(
            "SELECT count(*) FROM spans WHERE label_id = ?", [self.label_id(name)]
        ).fetchone()[0]

    def _write_positions(self, labels: list[Label]) -> None:
        for position, label in enumerate(labels):
            self.db.execute(
                "UPDATE labels SET position = ? WHERE id = ?", [position, self._label_ids[label.name]]
            )

    def add_label(self, label: Label, *, who: str, position: int | None = None) -> Label:
        """Add a label at ``position`` (default: last)."""
        current = self.labels()
        check_label_set([*current, label])
        position = len(current) if position is None else max(0, min(position, len(current)))
        with self.atomic():  # type: ignore[attr-defined]
            self.db["labels"].insert(_label_json(label, len(current)))
            self._reload_label_ids()
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
    ) -> Label:
        """Rename, recolour, re-key or describe a label; returns the new definition."""
        current = self.labels()
        before = self.label(name)
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
        with self.atomic():  # type: ignore[attr-defined]
            self.db["labels"].update(self._label_ids[name], {
                "name": after.name, "color": after.color, "key": after.key,
                "description": after.description})
            self._reload_label_ids()
            self._log(who, "update", "label", name, before=_label_json(before, position),  # type: ignore[attr-defined]
                      after=_label_json(after, position))
        return after

    def move_label(self, name: str, position: int, *, who: str) -> None:
        """Move a label to ``position`` in the palette order."""
        current = self.labels()
        label = self.label(name)
        old = current.index(label)
        position = max(0, min(position, len(current) - 1))
        if old == position:
            return
        current.pop(old)
        current.insert(position, label)
        with self.atomic():  # type: ignore[attr-defined]
            self._write_positions(current)
            self._log(who, "move", "label", name, before=old, after=position)  # type: ignore[attr-defined]

    def remove_label(self, name: str, *, who: str, delete_spans: bool = False) -> list[Span]:
        """Remove a label. Refused when spans use it, unless ``delete_spans``; returns those spans."""
        label = self.label(name)
        used = self.label_usage(name)
        if used and not delete_spans:
            raise LabelError(
                f"label {name!r} is used by {used} span{'s' if used != 1 else ''}; "
                f"remove those spans too, or keep the label"
            )
        position = self.labels().index(label)
        removed = self.spans(labels=[name]) if used else []  # type: ignore[attr-defined]
        with self.atomic():  # type: ignore[attr-defined]
            for span in removed:
                self.delete_span(span.id, who=who)  # type: ignore[attr-defined]
            self.db["labels"].delete(self._label_ids[name])
            self._reload_label_ids()
            self._write_positions([lab for lab in self.labels()])
            self._log(who, "remove", "label", name, before=_label_json(label, position),  # type: ignore[attr-defined]
                      after={"deleted_spans": len(removed)})
        return removed

    def restore_label(self, label: Label, position: int, spans: list[Span], *, who: str) -> None:
        """Put back a removed label at its position, with the spans removed with it (undo)."""
        with self.atomic():  # type: ignore[attr-defined]
            self.add_label(label, who=who, position=position)
            for span in spans:
                self.restore_span(span, who=who)  # type: ignore[attr-defined]
