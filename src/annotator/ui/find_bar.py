"""The find bar (Ctrl+F): every hit in the current text highlighted, "label all hits" in one step.

Hits are found in the stored canonical text with Python (code points, never Qt's UTF-16
search) and shown as the text view's transient ``"find"`` layer. ``Label all`` pushes one
``Compound`` of ``CreateSpan`` commands (``Session.label_all``): one undo removes them all.

**Width.** The field is never narrower than ``FIELD_MIN`` (200 px). The bar is one row when
its parent is wide enough, else two (field and hit buttons; then match case and label all);
its minimum width is that of the two-row form and never changes (the hit counter and the
label list have fixed widths), so opening the bar never widens the panes around it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from annotator.ui.session import Session
from annotator.ui.text_view import AnnotationTextView

__all__ = ["FIELD_MIN", "FindBar", "MAX_HITS"]

MAX_HITS = 100_000
#: The find field's minimum width in pixels.
FIELD_MIN = 200


class FindBar(QWidget):
    """A find field, match-case box, hit counter, next/previous, and a label-all control.

    Emits ``hitsChanged(count)`` after each search, ``closed()`` when hidden by the user and
    ``message(text)`` for the status bar (what "Label all hits" did). Expects ``view`` to show
    the session's current text.
    """

    hitsChanged = Signal(int)  # noqa: N815
    closed = Signal()
    message = Signal(str)

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
        self.edit.setMinimumWidth(FIELD_MIN)
        self.case = QToolButton(self)
        self.case.setObjectName("matchCase")
        self.case.setText("Aa")
        self.case.setCheckable(True)
        self.case.setToolTip("Match case")
        self.case.setAccessibleName("Match case")
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count_label.setFixedWidth(self.fontMetrics().horizontalAdvance("100000 of 100000") + 2)
        self.previous_button = QToolButton(self)
        self.previous_button.setText("▲")
        self.previous_button.setToolTip("Previous hit (Shift+F3)")
        self.next_button = QToolButton(self)
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next hit (F3, Enter)")
        self.label_combo = QComboBox(self)
        self.label_combo.setObjectName("findLabel")
        self.label_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.label_combo.setMinimumContentsLength(8)
        self.label_all_button = QToolButton(self)
        self.label_all_button.setObjectName("labelAllHits")
        self.label_all_button.setText("Label all hits")
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close (Escape)")
        self.options = QWidget(self)
        self.options.setObjectName("findOptions")
        options = QHBoxLayout(self.options)
        options.setContentsMargins(0, 0, 0, 0)
        for widget in (self.case, QLabel("as", self), self.label_combo, self.label_all_button):
            options.addWidget(widget)
        options.addStretch(1)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 2, 4, 2)
        self._grid.setVerticalSpacing(2)
        self._grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        for column, widget in enumerate((self.edit, self.count_label, self.previous_button,
                                         self.next_button)):
            self._grid.addWidget(widget, 0, column)
        self._grid.setColumnStretch(0, 1)
        self._one_row: bool | None = None
        self._arrange(one_row=False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
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

    # -- layout -----------------------------------------------------------------------------------

    def _row_width(self) -> int:
        """Width of the first row at its minimum (field at ``FIELD_MIN``)."""
        margins = self._grid.contentsMargins()
        spacing = max(0, self._grid.horizontalSpacing())
        widgets = (self.edit, self.count_label, self.previous_button, self.next_button,
                   self.close_button)
        return (margins.left() + margins.right() + spacing * (len(widgets) - 1)
                + sum(max(w.minimumSizeHint().width(), w.minimumWidth()) for w in widgets))

    def _arrange(self, *, one_row: bool) -> None:
        if one_row == self._one_row:
            return
        self._one_row = one_row
        self._grid.removeWidget(self.options)
        self._grid.removeWidget(self.close_button)
        if one_row:  # field, hits, options, close
            self._grid.addWidget(self.options, 0, 4)
            self._grid.addWidget(self.close_button, 0, 5)
        else:  # field, hits, close / options
            self._grid.addWidget(self.close_button, 0, 4)
            self._grid.addWidget(self.options, 1, 0, 1, 5)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """The two-row form's minimum: the same whether the bar shows one row or two."""
        margins = self._grid.contentsMargins()
        width = max(self._row_width(), self.options.minimumSizeHint().width()
                    + margins.left() + margins.right())
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        spacing = max(0, self._grid.horizontalSpacing())
        wide = event.size().width() >= (self._row_width() + spacing
                                        + self.options.sizeHint().width())
        self._arrange(one_row=wide)
        super().resizeEvent(event)

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
        session = self._session
        mine = {(s.start, s.end) for s in session.index
                if s.label == label and s.annotator == session.annotator}
        hits = len(self.hits)
        needle = self.edit.text()
        if all(hit in mine for hit in self.hits):
            self.message.emit(f"Nothing labelled: every hit of “{needle}” already has a "
                              f"{label!r} span of yours.")
            return 0
        count = session.label_all(self.hits, label)
        if count:
            rest = f"; {hits - count} already had the label" if count < hits else ""
            self.message.emit(f"Labelled {_plural(count, 'hit')} of “{needle}” as {label!r}"
                              f"{rest} (one step: Ctrl+Z undoes it).")
        return count


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
