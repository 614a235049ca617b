"""The alias editor: the project's table of search aliases (``Putin`` -> ``プーチン``).

Each add or remove is one committed project call with a history row (aliases are user data);
it is not on the annotation undo stack, because it changes no span.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.guarded import USER_ERRORS
from annotator.ui.session import Session

__all__ = ["AliasEditor"]


class AliasEditor(QDialog):
    """A non-modal dialog listing ``term -> surface`` rows, with fields to add one and a
    button to remove the selected rows. Emits ``aliasesChanged()`` after every change.
    Open it with ``show()`` (never ``exec()``)."""

    aliasesChanged = Signal()  # noqa: N815

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aliasEditor")
        self.setWindowTitle("Search aliases")
        self.session = session
        intro = QLabel("A search for a term also finds each way it is written in the texts "
                       "(for names readings miss: Putin → プーチン, Kim Jong Un → 金正恩).", self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("aliasTable")
        self.table.setHorizontalHeaderLabels(["Term", "Written as"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.term_edit = QLineEdit(self)
        self.term_edit.setObjectName("aliasTerm")
        self.term_edit.setPlaceholderText("Term, e.g. Putin")
        self.surface_edit = QLineEdit(self)
        self.surface_edit.setObjectName("aliasSurface")
        self.surface_edit.setPlaceholderText("Written as, e.g. プーチン")
        self.add_button = QPushButton("Add", self)
        self.remove_button = QPushButton("Remove selected", self)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        for w in (self.term_edit, self.surface_edit, self.add_button):
            row.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.remove_button)
        layout.addWidget(self.message)
        self.add_button.clicked.connect(self.add_from_fields)
        self.surface_edit.returnPressed.connect(self.add_from_fields)
        self.remove_button.clicked.connect(self.remove_selected)
        self.resize(460, 360)
        self.reload()

    def rows(self) -> list[tuple[str, str]]:
        return [(term, surface) for term, surfaces in self.session.project.aliases().items() for surface in surfaces]

    def reload(self) -> None:
        rows = self.rows()
        self.table.setRowCount(len(rows))
        for r, (term, surface) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(term))
            self.table.setItem(r, 1, QTableWidgetItem(surface))

    def add(self, term: str, surface: str) -> bool:
        """Add ``term -> surface`` to the project; False (with a message) when refused."""
        try:
            added = self.session.project.add_alias(term, surface, who=self.session.annotator)
        except USER_ERRORS as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText("" if added else "That alias is already there.")
        if added:
            self.reload()
            self.aliasesChanged.emit()
        return added

    def add_from_fields(self) -> bool:
        if self.add(self.term_edit.text(), self.surface_edit.text()):
            self.term_edit.clear()
            self.surface_edit.clear()
            self.term_edit.setFocus()
            return True
        return False

    def remove_selected(self) -> int:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        pairs = [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in rows]
        removed = 0
        for term, surface in pairs:
            try:
                removed += self.session.project.remove_alias(term, surface, who=self.session.annotator)
            except USER_ERRORS as exc:
                self.message.setText(str(exc))
        if removed:
            self.reload()
            self.aliasesChanged.emit()
        return removed
