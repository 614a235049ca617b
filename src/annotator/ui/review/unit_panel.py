"""The current disagreement unit: its spans in a table, and the controls of a decision.

Plain-text cells only. The label box and the start/end boxes start as the selected span's and
are what "accept with changes" and "add" use; the reason box (empty, one of the suggested
reasons, or free text) goes with every decision.

Below the spans, the unit's relations: those of each compared annotator and of the reviewed
layer whose head lies in the unit, with the type, both span texts and how the reviewed layer
stands to each (accepted, rejected, reviewed). The relation type box is the type a relation
added by the reviewer gets.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.services.review.alignment import SpanMark, Unit
from annotator.services.review.relation_review import RelationView
from annotator.store import REASONS
from annotator.ui.review.cells import read_only_item

__all__ = ["UnitPanel"]

COLUMNS = ("annotator", "label", "start", "end", "text", "others")
#: Header tooltips (the headers are short so that every column fits a narrow panel).
HEADER_TIPS = {"others": "How the other chosen annotators relate to this span"}
RELATION_COLUMNS = ("annotator", "type", "head", "tail", "reviewed")
#: The heading quotes at most this many code points of the unit's text (all of it in the tooltip).
HEADING_QUOTE = 40


class UnitPanel(QWidget):
    """Shows one :class:`Unit` and the decision inputs.

    Signals: ``markChosen(mark or None)`` when the selected row changes. Read the inputs with
    ``label()``, ``bounds()`` and ``reason()``; ``set_bounds_limit(length)`` sets the text length.
    """

    markChosen = Signal(object)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit: Unit | None = None
        self.marks: list[SpanMark] = []
        self.heading = QLabel("No unit: press N for the next disagreement.")
        self.heading.setObjectName("unitHeading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        # A long unit wraps inside the panel instead of widening it (and the window).
        self.heading.setWordWrap(True)
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("unitTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, name in enumerate(COLUMNS):
            if name in HEADER_TIPS:
                self.table.horizontalHeaderItem(column).setToolTip(HEADER_TIPS[name])
        for column in range(len(COLUMNS)):  # the short columns fit; text and relation share
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (4, 5):  # the rest, cut with "…" (whole in the tooltip): no side scroll
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.label_box = QComboBox()
        self.label_box.setObjectName("labelBox")
        self.start_box, self.end_box = QSpinBox(), QSpinBox()
        self.start_box.setObjectName("startBox")
        self.end_box.setObjectName("endBox")
        self.reason_box = QComboBox()
        self.reason_box.setObjectName("reasonBox")
        self.reason_box.setEditable(True)
        self.reason_box.addItems(["", *REASONS])
        self.reason_box.lineEdit().setPlaceholderText("optional")
        self.reason_box.setToolTip("Why (optional): pick a suggested reason or type your own")
        self.relations: list[RelationView] = []
        self.relation_table = QTableWidget(0, len(RELATION_COLUMNS))
        self.relation_table.setObjectName("relationTable")
        self.relation_table.setHorizontalHeaderLabels(list(RELATION_COLUMNS))
        self.relation_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.relation_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.relation_table.verticalHeader().setVisible(False)
        self.relation_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.relation_table.setWordWrap(False)
        relation_header = self.relation_table.horizontalHeader()
        for column in range(len(RELATION_COLUMNS)):
            relation_header.setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch if column in (2, 3)
                else QHeaderView.ResizeMode.ResizeToContents)
        self.relation_heading = QLabel("Relations with their head in the unit")
        self.relation_heading.setObjectName("relationHeading")
        self.relation_heading.setTextFormat(Qt.TextFormat.PlainText)
        self.relation_type_box = QComboBox()
        self.relation_type_box.setObjectName("relationTypeBox")
        self.relation_type_box.setToolTip("The type of a relation you add (H marks the head)")
        bounds = QHBoxLayout()
        bounds.addWidget(self.start_box)
        bounds.addWidget(QLabel("to"))
        bounds.addWidget(self.end_box)
        form = QFormLayout()
        form.addRow("Label", self.label_box)
        form.addRow("Bounds (code points)", bounds)
        form.addRow("Reason", self.reason_box)
        relation_form = QFormLayout()
        relation_form.addRow("Relation type", self.relation_type_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 3)
        layout.addLayout(form)
        layout.addWidget(self.relation_heading)
        layout.addWidget(self.relation_table, 2)
        layout.addLayout(relation_form)

    def set_labels(self, names: Sequence[str]) -> None:
        current = self.label_box.currentText()
        self.label_box.clear()
        self.label_box.addItems(list(names))
        if current in names:
            self.label_box.setCurrentText(current)

    def set_bounds_limit(self, length: int) -> None:
        self.start_box.setRange(0, length)
        self.end_box.setRange(0, length)

    def show_unit(self, unit: Unit | None, text: str, keep: str | None = None) -> None:
        """Fill the table with ``unit``'s spans; select the one with id ``keep`` or the first."""
        self.unit = unit
        self.marks = list(unit.marks) if unit is not None else []
        if unit is None:
            self.heading.setText("No unit: press N for the next disagreement.")
            self.heading.setToolTip("")
        else:
            absent = f"; no span from {', '.join(unit.absent)}" if unit.absent else ""
            quote = text[unit.start:unit.end]
            short = quote if len(quote) <= HEADING_QUOTE else quote[:HEADING_QUOTE] + "…"
            self.heading.setText(f"[{unit.start}, {unit.end}) {short} — {unit.kind.value}{absent}")
            self.heading.setToolTip(f"[{unit.start}, {unit.end}) {quote}")
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.marks))
        for row, mark in enumerate(self.marks):
            s = mark.span
            how = mark.kind.value + (f" (not marked by {', '.join(mark.missing)})"
                                     if mark.missing else "")
            for column, value in enumerate((s.annotator, s.label, str(s.start), str(s.end),
                                            text[s.start:s.end], how)):
                item = read_only_item(value)
                if column >= 4:
                    item.setToolTip(value)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        ids = [m.span.id for m in self.marks]
        self.select_row(ids.index(keep) if keep in ids else 0 if ids else -1)

    def select_row(self, row: int) -> None:
        if 0 <= row < len(self.marks):
            self.table.selectRow(row)
        else:
            self.table.clearSelection()
        self._selection_changed()

    def step(self, delta: int) -> None:
        """Select the next (``+1``) or previous (``-1``) span of the unit, wrapping."""
        if self.marks:
            self.select_row((self.current_row() + delta) % len(self.marks))

    def current_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def current_mark(self) -> SpanMark | None:
        row = self.current_row()
        return self.marks[row] if 0 <= row < len(self.marks) else None

    def _selection_changed(self) -> None:
        mark = self.current_mark()
        if mark is not None:
            self.set_inputs(mark.span.start, mark.span.end, mark.span.label)
        self.markChosen.emit(mark)

    def set_inputs(self, start: int, end: int, label: str | None = None) -> None:
        self.start_box.setValue(start)
        self.end_box.setValue(end)
        if label is not None:
            self.label_box.setCurrentText(label)

    def nudge(self, which: str, delta: int) -> None:
        """Move the ``start`` or ``end`` box by ``delta`` code points."""
        box = self.start_box if which == "start" else self.end_box
        box.setValue(box.value() + delta)

    def set_relation_types(self, names: Sequence[str]) -> None:
        current = self.relation_type_box.currentText()
        self.relation_type_box.clear()
        self.relation_type_box.addItems(list(names))
        if current in names:
            self.relation_type_box.setCurrentText(current)

    def relation_type(self) -> str:
        return self.relation_type_box.currentText()

    def show_relations(self, views: Sequence[RelationView], text: str) -> None:
        """List ``views`` (keeping the selected relation selected when it is still listed)."""
        kept = self.current_relation()
        self.relations = list(views)
        table = self.relation_table
        table.blockSignals(True)
        table.setRowCount(len(self.relations))
        for row, view in enumerate(self.relations):
            r, head, tail = view.relation, view.head, view.tail
            cells = (r.annotator, r.type, f"{head.label}: {text[head.start:head.end]}",
                     f"{tail.label}: {text[tail.start:tail.end]}", view.status)
            for column, value in enumerate(cells):
                item = read_only_item(value)
                if column in (2, 3):
                    item.setToolTip(value)
                table.setItem(row, column, item)
        table.blockSignals(False)
        ids = [v.relation.id for v in self.relations]
        if kept is not None and kept.relation.id in ids:
            table.selectRow(ids.index(kept.relation.id))
        elif ids:
            table.selectRow(0)
        else:
            table.clearSelection()
        self.relation_heading.setText(
            f"Relations with their head in the unit: {len(self.relations)}")

    def current_relation(self) -> RelationView | None:
        rows = self.relation_table.selectionModel().selectedRows()
        row = rows[0].row() if rows else -1
        return self.relations[row] if 0 <= row < len(self.relations) else None

    def step_relation(self, delta: int) -> None:
        """Select the next (``+1``) or previous (``-1``) relation, wrapping."""
        if self.relations:
            current = self.current_relation()
            row = self.relations.index(current) if current is not None else -1
            self.relation_table.selectRow((row + delta) % len(self.relations))

    def label(self) -> str:
        return self.label_box.currentText()

    def bounds(self) -> tuple[int, int]:
        return self.start_box.value(), self.end_box.value()

    def reason(self) -> str | None:
        return self.reason_box.currentText().strip() or None

    def clear_reason(self) -> None:
        self.reason_box.setCurrentIndex(0)
        self.reason_box.setEditText("")
