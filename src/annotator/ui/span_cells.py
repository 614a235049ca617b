"""How the span table draws its cells: one model call per cell, and each drawn cell kept.

After an edit the span table repaints every visible row (a new or removed row moves the rows
below it), which is about 140 cells. Qt's standard delegate asks the model seven times per cell
and lays out, elides and draws each cell's text through the style: about 5 ms at 1280×800,
most of an edit's frame. :class:`SpanCellDelegate` asks the model once per cell
(``SpanTableModel.cell``) and keeps each drawn cell as a pixmap keyed by everything its look
depends on (what it shows, its size, its state: selected, focused, hovered, the window active;
all are forgotten when the view's font, palette, style, locale or screen changes), so a repaint draws only the cells that changed and
copies the others. The pixmaps are drawn by the standard path onto the view's background, so
the table looks exactly as Qt's standard delegate draws it (a test compares the pixels).
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

__all__ = ["OTHER_COLOR", "RIGHT", "SpanCellDelegate"]

#: Text colour of the rows of other layers (read-only here).
OTHER_COLOR = QColor("#7a7a7a")
#: Alignment of the offset columns, as an int (a Qt role value).
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

_Index = QModelIndex | QPersistentModelIndex
_RIGHT_FLAG = Qt.AlignmentFlag(RIGHT)
_HAS_DECORATION = QStyleOptionViewItem.ViewItemFeature.HasDecoration
_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_TEXT = QPalette.ColorRole.Text
_BASE = QPalette.ColorRole.Base
#: Cells kept at most (a screenful is about 150; scrolling far forgets them all at once).
_KEPT = 1500
#: The view's changes after which no kept cell is valid any more.
_RESTYLE = frozenset({QEvent.Type.FontChange, QEvent.Type.PaletteChange,
                      QEvent.Type.StyleChange, QEvent.Type.LocaleChange,
                      QEvent.Type.DevicePixelRatioChange, QEvent.Type.ScreenChangeInternal})


class _Cells(Protocol):
    def cell(self, row: int, column: int) -> tuple[Any, QColor | None, bool] | None: ...


class SpanCellDelegate(QStyledItemDelegate):
    """Draws ``model``'s cells as the standard delegate does (other models' cells too, through
    the standard path), asking ``model.cell(row, column)`` once per cell and copying a cell
    drawn before with the same look instead of drawing it again."""

    def __init__(self, model: _Cells, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._italic: tuple[QFont, QFont, QFontMetrics] | None = None
        self._icons: dict[tuple[int, int, int], QIcon] = {}
        self._kept: dict[tuple[Any, ...], QPixmap] = {}
        self._ratio = 0.0
        if parent is not None:
            parent.installEventFilter(self)

    def forget(self) -> None:
        """Drop every kept cell (the next repaint draws them all)."""
        self._kept.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _RESTYLE:
            self.forget()
        return False

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if index.model() is not self._model:
            super().paint(painter, option, index)
            return
        column = index.column()
        cell = self._model.cell(index.row(), column)
        rect = option.rect
        width, height = rect.width(), rect.height()
        if cell is None:
            look: tuple[Any, ...] = (None,)
        else:
            value, color, own = cell
            look = (value, own, None if color is None else color.rgba())
        key = (look, column, width, height, option.state.value, option.features.value)
        pixmap = self._kept.get(key)
        if pixmap is None:
            if width <= 0 or height <= 0:
                return
            ratio = painter.device().devicePixelRatio()
            if ratio != self._ratio:  # another screen: the kept cells are of the old one
                self._kept.clear()
                self._ratio = ratio
            pixmap = QPixmap(round(width * ratio), round(height * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(option.palette.color(_BASE))
            drawing = QPainter(pixmap)
            local = QStyleOptionViewItem(option)
            local.rect = QRect(0, 0, width, height)
            super().paint(drawing, local, index)
            drawing.end()
            if len(self._kept) >= _KEPT:
                self._kept.clear()
            self._kept[key] = pixmap
        painter.drawPixmap(rect.topLeft(), pixmap)

    def initStyleOption(self, option: QStyleOptionViewItem, index: _Index) -> None:  # noqa: N802
        if index.model() is not self._model:
            super().initStyleOption(option, index)
            return
        column = index.column()
        cell = self._model.cell(index.row(), column)
        if cell is None:
            return
        value, color, own = cell
        if not own:
            base = option.font
            italic = self._italic
            if italic is None or italic[0] != base:
                font = QFont(base)
                font.setItalic(True)
                italic = self._italic = (QFont(base), font, QFontMetrics(font))
            option.font, option.fontMetrics = italic[1], italic[2]
            option.palette.setColor(_TEXT, OTHER_COLOR)
        if column == 2 or column == 3:
            option.displayAlignment = _RIGHT_FLAG
        if color is not None:
            size = option.decorationSize
            icon_key = (color.rgba(), size.width(), size.height())
            icon = self._icons.get(icon_key)
            if icon is None:
                pixmap = QPixmap(size)
                pixmap.fill(color)
                icon = self._icons[icon_key] = QIcon(pixmap)
            option.features |= _HAS_DECORATION
            option.icon = icon
        if value is not None and value != "":
            option.features |= _HAS_DISPLAY
            option.text = self.displayText(value, option.locale)
