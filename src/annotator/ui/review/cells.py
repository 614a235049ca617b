"""Table cells of the review windows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem


def read_only_item(text: str) -> QTableWidgetItem:
    """A selectable, non-editable table cell showing ``text`` (plain text)."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    return item
