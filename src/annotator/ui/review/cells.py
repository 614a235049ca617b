"""Table cells and counted nouns of the review windows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

__all__ = ["counted", "figure_text", "read_only_item"]


def read_only_item(text: str) -> QTableWidgetItem:
    """A selectable, non-editable table cell showing ``text`` (plain text)."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    return item


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``"1 span"``, ``"0 spans"``, ``"36 spans"`` (``plural`` defaults to ``singular + "s"``)."""
    return f"{n} {singular}" if n == 1 else f"{n} {plural or singular + 's'}"


def figure_text(value: float | None, digits: int = 3) -> str:
    """A figure rounded to ``digits`` places; ``"–"`` when undefined. A value that rounds to
    zero reads ``0.000``, never ``-0.000``."""
    if value is None:
        return "–"
    rounded = round(value, digits) or 0.0  # -0.0 is falsy: becomes 0.0
    return f"{rounded:.{digits}f}"
