"""The label palette: each label's colour, key, name and description; a click applies it.

Expects the session's ``labelsChanged``; emits ``labelClicked(name)``. Every string is shown as
plain text (item views never interpret HTML; tooltips are escaped).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from annotator.ui.session import Session
from annotator.ui.text_view import plain_text_html

__all__ = ["LabelPalette", "swatch"]

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


def swatch(color: str, size: int = 14) -> QIcon:
    """A square icon filled with ``color``."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class LabelPalette(QListWidget):
    """One row per label (``key  name`` over its description). Clicking or pressing Enter on a
    row emits ``labelClicked(name)``; the window labels the selection or relabels the focused
    span with it. The palette never takes focus from the text by a click."""

    labelClicked = Signal(str)  # noqa: N815

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelPalette")
        self._session = session
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setIconSize(QSize(14, 14))
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setUniformItemSizes(False)
        self.itemClicked.connect(self._clicked)
        session.labelsChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the rows from the session's label set."""
        self.clear()
        for label in self._session.labels:
            key = label.key if label.key is not None else " "
            text = f"{key}  {label.name}"
            if label.description:
                text += f"\n{label.description}"
            item = QListWidgetItem(swatch(label.color), text)
            item.setData(NAME_ROLE, label.name)
            tip = f"{label.name} (key {label.key or 'none'})\n{label.description}".strip()
            item.setToolTip(plain_text_html(tip))
            self.addItem(item)

    def names(self) -> list[str]:
        """Label names in palette order."""
        return [self.item(i).data(NAME_ROLE) for i in range(self.count())]

    def item_for(self, name: str) -> QListWidgetItem | None:
        return next((self.item(i) for i in range(self.count())
                     if self.item(i).data(NAME_ROLE) == name), None)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.labelClicked.emit(item.data(NAME_ROLE))
