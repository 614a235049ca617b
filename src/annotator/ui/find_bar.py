"""The find bar (Ctrl+F): every hit in the current text highlighted, "label all hits" in one step.

Hits are found in the stored canonical text with Python (code points, never Qt's UTF-16
search) and shown as the text view's transient ``"find"`` layer. ``Label all`` pushes one
``Compound`` of ``CreateSpan`` commands (``Session.label_all``): one undo removes them all.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from annotator.ui.session import Session
from annotator.ui.text_view import AnnotationTextView

__all__ = ["FindBar", "MAX_HITS"]

MAX_HITS = 100_000


class FindBar(QWidget):
    """A find field, match-case box, hit counter, next/previous, and a label-all control.

    Emits ``hitsChanged(count)`` after each search and ``closed()`` when hidden by the user.
    Expects ``view`` to show the session's current text.
    """

    hitsChanged = Signal(int)  # noqa: N815
    closed = Signal()

    def __init__(self, session: Session, view: AnnotationTextView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self._session = session
        self._view = view
        self.hits: list[tuple[int, int]] = []
        self.current = -1
        self._fresh = True
        self.edit = QLineEdit(self)
        self.edit.setObjectName("findEdit")
        self.edit.setPlaceholderText("Find in this text")
        self.edit.setClearButtonEnabled(True)
        self.case = QCheckBox("Match case", self)
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.previous_button = QToolButton(self)
        self.previous_button.setText("▲")
        self.previous_button.setToolTip("Previous hit (Shift+F3)")
        self.next_button = QToolButton(self)
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next hit (F3, Enter)")
        self.label_combo = QComboBox(self)
        self.label_combo.setObjectName("findLabel")
        self.label_all_button = QToolButton(self)
        self.label_all_button.setObjectName("labelAllHits")
        self.label_all_button.setText("Label all hits")
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close (Escape)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self.edit, self.case, self.count_label, self.previous_button,
                       self.next_button, QLabel("as", self), self.label_combo,
                       self.label_all_button, self.close_button):
            layout.addWidget(widget)
        layout.setStretch(0, 1)
        self.edit.textChanged.connect(self.search)
        self.edit.returnPressed.connect(self.next_hit)
        self.case.toggled.connect(self.search)
        self.next_button.clicked.connect(self.next_hit)
        self.previous_button.clicked.connect(self.previous_hit)
        self.label_all_button.clicked.connect(self.label_all)
        self.close_button.clicked.connect(self.close_bar)
        session.labelsChanged.connect(self._fill_labels)
        session.documentChanged.connect(lambda *_: self.search())
        self._fill_labels()

    def _fill_labels(self) -> None:
        current = self.label_combo.currentText()
        self.label_combo.clear()
        self.label_combo.addItems([lab.name for lab in self._session.labels])
        if current:
            self.label_combo.setCurrentText(current)

    def open_bar(self) -> None:
        """Show the bar with the selection (if one line) as the search, focused."""
        start, end = self._view.selection_cp()
        selected = self._session.text[start:end]
        if selected and "\n" not in selected:
            self.edit.setText(selected)
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()
        self.search()

    def close_bar(self) -> None:
        self.hide()
        self._view.clear_transient("find")
        self._view.setFocus()
        self.closed.emit()

    def search(self, *_: object) -> None:
        """Find every hit of the field's text in the current text and highlight them all."""
        needle = self.edit.text()
        text = self._session.text
        self.hits = []
        if needle and self.isVisible():
            flags = 0 if self.case.isChecked() else re.IGNORECASE
            for match in re.finditer(re.escape(needle), text, flags):
                self.hits.append((match.start(), match.end()))
                if len(self.hits) >= MAX_HITS:
                    break
        self._view.set_transient("find", self.hits)
        cursor = self._view.cursor_cp()
        self.current = next((i for i, (a, _b) in enumerate(self.hits) if a >= cursor), 0) \
            if self.hits else -1
        self._fresh = True
        self._update_count()
        self.hitsChanged.emit(len(self.hits))

    def _update_count(self) -> None:
        if not self.edit.text():
            self.count_label.setText("")
        elif not self.hits:
            self.count_label.setText("no hits")
        else:
            self.count_label.setText(f"{self.current + 1} of {len(self.hits)}")
        self.label_all_button.setEnabled(bool(self.hits))

    def _go(self, step: int) -> None:
        if not self.hits:
            return
        if self._fresh and step > 0:
            self.current = max(self.current, 0)
        else:
            self.current = (self.current + step) % len(self.hits)
        self._fresh = False
        start, end = self.hits[self.current]
        self._session.reveal(start, end)
        self._update_count()

    def next_hit(self) -> None:
        self._go(1)

    def previous_hit(self) -> None:
        self._go(-1)

    def label_all(self) -> int:
        """Label every hit with the chosen label (one undoable step); returns how many."""
        label = self.label_combo.currentText()
        if not label or not self.hits:
            return 0
        return self._session.label_all(self.hits, label)
