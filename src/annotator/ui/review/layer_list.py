"""The review window's layer list: the same layer rules as the annotation window's.

One row per layer of the document: every annotator with spans in it (read-only here; checked:
compared, with a lane of its own) and, last, the reviewed layer (the layer this window edits:
always shown, its box checked and disabled). Each row has the layer's span count in the
document, drawn at the row's right edge and kept up to date, and a sample of how its spans are
drawn: an annotator's lane colours its spans by agreement (the legend's colours), the reviewed
lane by label. The item's text is the layer's name, so ``findItems(name)`` finds its row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from annotator.ui.review.cells import counted
from annotator.ui.review.marks import KIND_COLORS
from annotator.ui.text_view import plain_text_html

__all__ = ["COUNT_ROLE", "REVIEWED_ROLE", "ReviewLayerList", "lane_sample"]

COUNT_ROLE = Qt.ItemDataRole.UserRole + 1
REVIEWED_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex


def lane_sample(colors: Iterable[str], width: int = 26, height: int = 14,
                dotted: bool = False) -> QPixmap:
    """A small picture of a lane's spans: stripes of ``colors``; a dotted underline marks a
    read-only layer."""
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    stripes = list(colors) or ["#4e79a7"]
    step = width / len(stripes)
    for i, color in enumerate(stripes):
        fill = QColor(color)
        fill.setAlpha(150)
        painter.fillRect(QRect(round(i * step), 1, round(step + 0.5), height - 4), fill)
    if dotted:
        painter.setPen(QPen(QColor("#505050"), 2, Qt.PenStyle.DotLine))
        painter.drawLine(0, height - 2, width, height - 2)
    painter.end()
    return pixmap


class _CountDelegate(QStyledItemDelegate):
    """Draws a row as usual, with its ``COUNT_ROLE`` right-aligned in the row."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        count = index.data(COUNT_ROLE)
        if count is None:
            super().paint(painter, option, index)
            return
        text = str(count)
        width = option.fontMetrics.horizontalAdvance(text) + 8
        narrow = QStyleOptionViewItem(option)
        narrow.rect = option.rect.adjusted(0, 0, -width, 0)
        super().paint(painter, narrow, index)
        painter.save()
        selected = option.state & QStyle.StateFlag.State_Selected
        role = option.palette.ColorRole.HighlightedText if selected else \
            option.palette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        painter.drawText(option.rect.adjusted(0, 0, -4, 0),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()


class ReviewLayerList(QListWidget):
    """The layers of the review window's document (see the module docstring).

    ``set_layers(names, chosen, reviewed)`` fills it; ``set_counts(counts)`` updates the
    counts without emitting ``itemChanged`` (only a check box the user toggles emits it);
    ``annotators()`` lists the checked annotators in row order.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotatorList")
        self.setItemDelegate(_CountDelegate(self))
        self._annotator_icon = QIcon(lane_sample(KIND_COLORS.values(), dotted=True))
        self._reviewed_icon = QIcon(lane_sample(["#4e79a7", "#f28e2b", "#59a14f"]))
        self._reviewed = ""

    def _item(self, name: str, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setIcon(self._annotator_icon)
        item.setData(COUNT_ROLE, 0)
        return item

    def set_layers(self, names: Iterable[str], chosen: Iterable[str], reviewed: str) -> None:
        """One row per annotator ``names`` (checked: in ``chosen``), then the reviewed layer."""
        chosen = set(chosen)
        self.blockSignals(True)
        try:
            self.clear()
            for name in names:
                self.addItem(self._item(name, name in chosen))
            self._reviewed = reviewed
            item = QListWidgetItem(reviewed)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # always shown: its box cannot be cleared
            item.setCheckState(Qt.CheckState.Checked)
            item.setIcon(self._reviewed_icon)
            item.setData(REVIEWED_ROLE, True)
            item.setData(COUNT_ROLE, 0)
            self.addItem(item)
        finally:
            self.blockSignals(False)

    def add_annotator(self, name: str) -> None:
        """List an annotator who has just got spans in the document (unchecked), above the
        reviewed layer."""
        if self.findItems(name, Qt.MatchFlag.MatchExactly):
            return
        self.blockSignals(True)
        try:
            self.insertItem(max(0, self.count() - 1) if self._reviewed else self.count(),
                            self._item(name, False))
        finally:
            self.blockSignals(False)

    def annotator_items(self) -> list[QListWidgetItem]:
        return [self.item(i) for i in range(self.count())
                if not self.item(i).data(REVIEWED_ROLE)]

    def annotators(self) -> list[str]:
        """The checked annotators, in row order (never the reviewed layer)."""
        return [item.text() for item in self.annotator_items()
                if item.checkState() == Qt.CheckState.Checked]

    def set_checked(self, names: Iterable[str]) -> None:
        """Check exactly ``names`` among the annotators (no ``itemChanged``)."""
        names = set(names)
        self.blockSignals(True)
        try:
            for item in self.annotator_items():
                item.setCheckState(Qt.CheckState.Checked if item.text() in names
                                   else Qt.CheckState.Unchecked)
        finally:
            self.blockSignals(False)

    def set_counts(self, counts: Mapping[str, int]) -> None:
        """Show each layer's span count (``counts``: name -> spans in the document)."""
        self.blockSignals(True)
        try:
            for i in range(self.count()):
                item = self.item(i)
                name = item.text()
                count = int(counts.get(name, 0))
                item.setData(COUNT_ROLE, count)
                if item.data(REVIEWED_ROLE):
                    what = ("The reviewed layer: the layer this window edits (accept, add, "
                            "delete); always shown.")
                else:
                    what = (f"{name}'s layer: read-only here (no key changes its spans). "
                            "Checked: compared, with a lane coloured by agreement.")
                item.setToolTip(plain_text_html(f"{what}\n{counted(count, 'span')} in this "
                                                "document."))
        finally:
            self.blockSignals(False)
        self.viewport().update()

    def counts(self) -> dict[str, int]:
        """The counts shown, by layer name."""
        return {self.item(i).text(): int(self.item(i).data(COUNT_ROLE) or 0)
                for i in range(self.count())}
