"""The label-set editor: add, rename, recolour, re-key, describe, reorder and remove labels.

Every change is one command (``AddLabel``, ``EditLabel``, ``MoveLabel``, ``RemoveLabel``) pushed
through the session, so it is saved at once and undoable with Ctrl+Z like a span edit. Cells
are edited in place (name, key, colour as ``#rrggbb``, description); refused changes (a key used
twice, an invalid colour, a name with a control or invisible character) are reported through
``Session.errorOccurred`` and the cell reverts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.commands import AddLabel, EditLabel, MoveLabel, RemoveLabel
from annotator.domain.errors import LabelError
from annotator.domain.labels import Label, check_description, check_name, check_new_label
from annotator.services.importing import EXTRA_LABEL_COLORS
from annotator.services.wording import counted
from annotator.ui.dialogs.messages import confirm
from annotator.ui.label_palette import swatch
from annotator.ui.session import Session

__all__ = ["LabelEditor"]

COLUMNS = ("Name", "Key", "Colour", "Description", "Spans")
FIELDS = {0: "new_name", 1: "key", 2: "color", 3: "description"}


class LabelEditor(QDialog):
    """A non-modal dialog over the session's label set (open it with ``show()``).

    Expects the session's ``labelsChanged`` (it rebuilds its rows, keeping the current row);
    emits only ``QDialog`` signals.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelEditor")
        self.setWindowTitle("Labels")
        self._session = session
        self._filling = False
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._edited)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("add", "Add", self.add_label),
            ("color", "Colour…", self.choose_color),
            ("up", "Move up", lambda: self.move(-1)),
            ("down", "Move down", lambda: self.move(1)),
            ("remove", "Remove", self.remove_label),
            ("close", "Close", self.close),
        ):
            button = QPushButton(text, self)
            button.setObjectName(f"label_{key}")
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.resize(640, 320)
        session.labelsChanged.connect(self.refresh)
        self.refresh()

    # -- rows -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the rows from the session's labels."""
        current = self.current_name()
        self._filling = True
        try:
            labels = self._session.labels
            self.table.setRowCount(len(labels))
            for row, label in enumerate(labels):
                usage = self._session.project.label_usage(label.name)
                values = (label.name, label.key or "", label.color, label.description, str(usage))
                for column, value in enumerate(values):
                    item = QTableWidgetItem(value)
                    if column == 4:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    if column == 2:
                        item.setIcon(swatch(label.color))
                    self.table.setItem(row, column, item)
        finally:
            self._filling = False
        if current is not None:
            self.select(current)

    def current_name(self) -> str | None:
        row = self.table.currentRow()
        labels = self._session.labels
        if 0 <= row < self.table.rowCount():
            item = self.table.item(row, 0)
            if item is not None and any(lab.name == item.text() for lab in labels):
                return item.text()
        return None

    def select(self, name: str) -> None:
        for row, label in enumerate(self._session.labels):
            if label.name == name:
                self.table.setCurrentCell(row, 0)
                return

    def _label_at(self, row: int) -> Label | None:
        labels = self._session.labels
        return labels[row] if 0 <= row < len(labels) else None

    # -- edits --------------------------------------------------------------------------------------

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() not in FIELDS:
            return
        label = self._label_at(item.row())
        if label is None:
            return
        value: str | None = item.text().strip()
        field = FIELDS[item.column()]
        if field == "key":
            value = value or None
        current = {"new_name": label.name, "key": label.key, "color": label.color,
                   "description": label.description}[field]
        if value == current:
            return
        try:
            if field == "new_name":
                check_name(str(value))
            elif field == "description":
                check_description(label.name, str(value))
        except LabelError as exc:  # shown like any refused edit; the cell reverts
            self._session.errorOccurred.emit(str(exc))
            self.refresh()
            return
        if not self._session.push(EditLabel(label.name, self._session.annotator, {field: value})):
            self.refresh()

    def add_label(self) -> None:
        """Add a label with a fresh name, a free key and an unused colour; then edit its name."""
        labels = self._session.labels
        names = {lab.name for lab in labels}
        name = next(n for n in (f"label {i}" if i else "label" for i in range(1000))
                    if n not in names)
        keys = {lab.key for lab in labels}
        key = next((k for k in "123456789" if k not in keys), None)
        colors = {lab.color.lower() for lab in labels}
        color = next((c for c in EXTRA_LABEL_COLORS if c not in colors), EXTRA_LABEL_COLORS[0])
        if self._session.push(AddLabel(check_new_label(Label(name, color, key, "")),
                                       self._session.annotator)):
            self.select(name)
            self.table.editItem(self.table.item(self.table.currentRow(), 0))

    def choose_color(self) -> None:
        label = self._label_at(self.table.currentRow())
        if label is None:
            return
        color = QColorDialog.getColor(QColor(label.color), self, f"Colour of {label.name}")
        if color.isValid() and color.name() != label.color.lower():
            self._session.push(EditLabel(label.name, self._session.annotator,
                                         {"color": color.name()}))

    def move(self, step: int) -> None:
        row = self.table.currentRow()
        label = self._label_at(row)
        if label is None or not 0 <= row + step < len(self._session.labels):
            return
        self._session.push(MoveLabel(label.name, row + step, self._session.annotator))

    def remove_label(self) -> QMessageBox | None:
        """Remove the current label; if spans use it, ask first (a plain-text "confirmMessage"
        box, returned) and on Yes remove them with it."""
        label = self._label_at(self.table.currentRow())
        if label is None:
            return None
        used = self._session.project.label_usage(label.name)
        if not used:
            self._session.push(RemoveLabel(label.name, self._session.annotator))
            return None
        carry, those = ("carries", "that span") if used == 1 else ("carry", "those spans")
        return confirm(
            self, "Remove label",
            f"{counted(used, 'span')} {carry} the label “{label.name}”. Remove the label and "
            f"{those}? (Undo brings both back.)",
            lambda: self._session.push(RemoveLabel(label.name, self._session.annotator,
                                                   delete_spans=True)))
