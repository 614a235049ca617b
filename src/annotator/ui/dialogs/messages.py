"""Error and information messages shown in the window without blocking it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["show_message"]


def show_message(parent: QWidget, title: str, text: str, *, error: bool = True) -> QMessageBox:
    """Open a window-modal message (plain text, never HTML) with ``open()`` and return it."""
    box = QMessageBox(QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information,
                      title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorMessage" if error else "infoMessage")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
