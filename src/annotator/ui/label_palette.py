"""The label palette: each label's colour, key and name on one line (the description is the
row's tooltip), so the whole default set fits the side column; a click applies a label.

Expects the session's ``labelsChanged`` (rows are reconciled in place: a label added, changed,
moved or removed here or elsewhere touches its own row only); emits ``labelClicked(name)``.
Every string is shown as plain text (item views never interpret HTML; tooltips are escaped).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from annotator.domain.labels import Label
from annotator.ui.session import Session
from annotator.ui.text_view import plain_text_html

__all__ = ["LabelPalette", "swatch"]

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
LABEL_ROLE = Qt.ItemDataRole.UserRole + 2
#: Pixels around each row (a comfortable click target).
ROW_GAP = 2


def swatch(color: str, size: int = 14) -> QIcon:
    """A square icon filled with ``color``."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class LabelPalette(QListWidget):
    """One row per label (``key  name``; the description in its tooltip). Clicking or pressing
    Enter on a row emits ``labelClicked(name)``; the window labels the selection or relabels
    the focused span with it. The palette never takes focus from the text by a click."""

    labelClicked = Signal(str)  # noqa: N815

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelPalette")
        self._session = session
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setIconSize(QSize(14, 14))
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setUniformItemSizes(True)
        self.setSpacing(ROW_GAP)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._clicked)
        session.labelsChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Bring the rows in line with the session's label set: unchanged rows stay as they
        are, a changed label updates its row, new, moved and removed labels insert, move and
        remove single rows."""
        labels = self._session.labels
        names = {label.name for label in labels}
        for row, label in enumerate(labels):
            item = self.item(row)
            if item is not None and item.data(NAME_ROLE) not in names:
                item.setData(NAME_ROLE, label.name)  # renamed (or replaced): same row
            elif item is None or item.data(NAME_ROLE) != label.name:
                found = self.item_for(label.name)
                if found is not None:
                    item = self.takeItem(self.row(found))
                else:
                    item = QListWidgetItem()
                    item.setData(NAME_ROLE, label.name)
                self.insertItem(row, item)
            self._fill(item, label)
        while self.count() > len(labels):
            self.takeItem(self.count() - 1)

    @staticmethod
    def _fill(item: QListWidgetItem, label: Label) -> None:
        if item.data(LABEL_ROLE) == label:
            return
        key = label.key if label.key is not None else " "
        item.setText(f"{key}  {label.name}")
        item.setIcon(swatch(label.color))
        item.setData(LABEL_ROLE, label)
        tip = f"{label.name} (key {label.key or 'none'})\n{label.description}".strip()
        item.setToolTip(plain_text_html(tip))

    def rows_height(self, rows: int | None = None) -> int:
        """Height showing ``rows`` rows (default: every label) without a scroll bar."""
        count = self.count() if rows is None else rows
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height() + 6
        return max(1, count) * (max(row, 1) + 2 * ROW_GAP) + 2 * self.frameWidth() + 2

    def names(self) -> list[str]:
        """Label names in palette order."""
        return [self.item(i).data(NAME_ROLE) for i in range(self.count())]

    def item_for(self, name: str) -> QListWidgetItem | None:
        return next((self.item(i) for i in range(self.count())
                     if self.item(i).data(NAME_ROLE) == name), None)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.labelClicked.emit(item.data(NAME_ROLE))
