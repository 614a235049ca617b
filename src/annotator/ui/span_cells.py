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

The view paints its cells itself (:func:`paint_table`, the loop of ``QTableView.paintEvent``),
so a kept cell costs a dictionary look-up and a copy, without three calls from Qt into Python:
a full repaint of the table went from about 2.5 to 1.0 ms CPU. A row whose every column is
repainted (the repaint after an edit) is copied whole: each row look (its cells' looks, sizes
and states) is kept as one pixmap composed of the kept cells, so the repaint costs a look-up
and a copy per row, not per cell.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

__all__ = ["OTHER_COLOR", "RIGHT", "SpanCellDelegate", "paint_table"]

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
#: Whole rows kept at most (a screenful is about 25).
_KEPT_ROWS = 300
#: The view's changes after which no kept cell is valid any more.
_RESTYLE = frozenset({QEvent.Type.FontChange, QEvent.Type.PaletteChange,
                      QEvent.Type.StyleChange, QEvent.Type.LocaleChange,
                      QEvent.Type.DevicePixelRatioChange, QEvent.Type.ScreenChangeInternal})


class _Cells(Protocol):
    def cell(self, row: int, column: int) -> tuple[Any, QColor | None, bool] | None: ...

    def row_looks(self, row: int) -> tuple[Any, ...] | None: ...


class SpanCellDelegate(QStyledItemDelegate):
    """Draws ``model``'s cells as the standard delegate does (other models' cells too, through
    the standard path), asking ``model.cell(row, column)`` once per cell drawn (and
    ``model.row_looks(row)``, the looks of all of a row's cells in one call, for whether a cell
    is drawn already) and copying a cell drawn before with the same look instead of drawing it
    again."""

    def __init__(self, model: _Cells, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._italic: tuple[QFont, QFont, QFontMetrics] | None = None
        self._icons: dict[tuple[int, int, int], QIcon] = {}
        self._kept: dict[tuple[Any, ...], QPixmap] = {}
        #: whole rows, composed of kept cells (see ``paint_table``)
        self._rows: dict[tuple[Any, ...], QPixmap] = {}
        self._ratio = 0.0
        if parent is not None:
            parent.installEventFilter(self)

    def forget(self) -> None:
        """Drop every kept cell (the next repaint draws them all)."""
        self._kept.clear()
        self._rows.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _RESTYLE:
            self.forget()
        return False

    def row(self, row: int) -> tuple[Any, ...] | None:
        """What decides the look of the model's cells of ``row`` (for ``kept``)."""
        return self._model.row_looks(row)

    def kept(self, looks: tuple[Any, ...] | None, column: int, width: int, height: int,
             state: int, features: int) -> QPixmap | None:
        """The kept drawing of cell ``column`` of a row of ``looks`` (``row(row)``) at that
        size, state and features (the option's flag values), or None when it must be
        drawn."""
        return self._kept.get(self._key(looks, column, width, height, state, features))

    def kept_row(self, key: tuple[Any, ...]) -> QPixmap | None:
        """The kept drawing of a whole row (``paint_table``'s key), or None."""
        return self._rows.get(key)

    def keep_row(self, key: tuple[Any, ...], pixmap: QPixmap) -> None:
        if len(self._rows) >= _KEPT_ROWS:
            self._rows.clear()
        self._rows[key] = pixmap

    @staticmethod
    def _key(looks: tuple[Any, ...] | None, column: int, width: int, height: int,
             state: int, features: int) -> tuple[Any, ...]:
        return (looks[column] if looks is not None else (None,), column, width, height,
                state, features)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if index.model() is not self._model:
            super().paint(painter, option, index)
            return
        rect = option.rect
        width, height = rect.width(), rect.height()
        key = self._key(self._model.row_looks(index.row()), index.column(), width, height,
                        option.state.value, option.features.value)
        pixmap = self._kept.get(key)
        if pixmap is None:
            if width <= 0 or height <= 0:
                return
            ratio = painter.device().devicePixelRatio()
            if ratio != self._ratio:  # another screen: the kept cells are of the old one
                self.forget()
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


_SELECTED = QStyle.StateFlag.State_Selected.value
_MOUSE_OVER = QStyle.StateFlag.State_MouseOver.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value


def _state(base: int, row: int, column: int, chosen: bool,
           selection: list[tuple[int, int, int, int]], hover_at: tuple[int, int] | None,
           focus_at: tuple[int, int] | None) -> int:
    """A cell's state flags (selected, hovered, focused) as ``QTableView.paintEvent`` sets them."""
    state = base
    if chosen and any(a <= row <= b and c <= column <= d for a, b, c, d in selection):
        state |= _SELECTED
    if hover_at == (row, column):
        state |= _MOUSE_OVER
    if focus_at == (row, column):
        state |= _HAS_FOCUS
    return state


def _compose_row(delegate: SpanCellDelegate, option: QStyleOptionViewItem, model: Any,
                 row: int, looks: tuple[Any, ...] | None, places: list[tuple[int, int, int]],
                 height: int, states: tuple[int, ...], features: int,
                 target: QPainter) -> QPixmap:
    """A whole row drawn from its cells (kept ones copied, the others drawn by the delegate)
    on the view's background; the grid lines between the cells are drawn over it after."""
    x0 = places[0][1]
    width = places[-1][1] + places[-1][2] - x0
    ratio = target.device().devicePixelRatio()
    pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(option.palette.color(_BASE))
    drawing = QPainter(pixmap)
    try:
        for (column, x, cell_width), state in zip(places, states, strict=True):
            kept = delegate.kept(looks, column, cell_width, height, state, features)
            if kept is not None:
                drawing.drawPixmap(x - x0, 0, kept)
                continue
            cell = QStyleOptionViewItem(option)
            cell.rect = QRect(x - x0, 0, cell_width, height)
            cell.state = QStyle.StateFlag(state)
            delegate.paint(drawing, cell, model.index(row, column))
    finally:
        drawing.end()
    return pixmap


def paint_table(view: QTableView, delegate: SpanCellDelegate, event: QPaintEvent,
                hover: QPersistentModelIndex) -> bool:
    """Paint ``view``'s cells for ``event`` as ``QTableView.paintEvent`` does (the same cell
    rectangles, states and grid), copying each kept cell without a call per cell from Qt:
    an edit's repaint of about 140 cells then costs a loop here instead of three calls into
    Python per cell (the model's row and column counts, the delegate). Only the cells not
    kept go through ``delegate.paint``. ``hover``: the index under the mouse (as the view
    tracks it). Returns False (nothing painted) for what it does not do the same way: right
    to left, alternating colours, hidden or moved sections, spanned cells; the caller then
    paints through Qt."""
    hh, vh = view.horizontalHeader(), view.verticalHeader()
    model = view.model()
    if (view.isRightToLeft() or view.alternatingRowColors() or hh.sectionsHidden()
            or vh.sectionsHidden() or hh.sectionsMoved() or vh.sectionsMoved()
            or view.rowSpan(0, 0) != 1 or view.columnSpan(0, 0) != 1):
        return False
    rows, columns = vh.count(), hh.count()
    if rows == 0 or columns == 0:
        return True
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    base_state, features = option.state.value, option.features.value
    grid = 1 if view.showGrid() else 0
    selection = [(r.top(), r.bottom(), r.left(), r.right())
                 for r in view.selectionModel().selection()]
    current = view.currentIndex()
    focus_at = (current.row(), current.column()) if current.isValid() and (
        view.hasFocus() or view.viewport().hasFocus()) else None
    hover_at = (hover.row(), hover.column()) if hover.isValid() else None
    x_end = hh.length() - hh.offset() - 1
    y_end = vh.length() - vh.offset() - 1
    painter = QPainter(view.viewport())
    try:
        for dirty in event.region():
            dirty.setBottom(min(dirty.bottom(), y_end))
            dirty.setRight(min(dirty.right(), x_end))
            if not dirty.isValid():
                continue
            left = max(0, hh.visualIndexAt(dirty.left()))
            right = hh.visualIndexAt(dirty.right())
            right = columns - 1 if right < 0 else right
            top = vh.visualIndexAt(dirty.top())
            bottom = vh.visualIndexAt(dirty.bottom())
            bottom = rows - 1 if bottom < 0 else bottom
            if top < 0 or top > bottom:
                continue
            places = [(c, view.columnViewportPosition(c), view.columnWidth(c) - grid)
                      for c in range(left, right + 1)]
            # rows whose every column is repainted are copied whole (one kept pixmap per row
            # look); the others cell by cell
            whole = left == 0 and right == columns - 1
            x0 = places[0][1]
            shape = tuple((x - x0, width) for _column, x, width in places)
            plain = (base_state,) * len(places)
            lines = []
            for row in range(top, bottom + 1):
                y = view.rowViewportPosition(row)
                height = view.rowHeight(row) - grid
                lines.append(y + height)
                chosen = any(a <= row <= b for a, b, _l, _r in selection)
                looks = delegate.row(row)
                if chosen or (hover_at is not None and hover_at[0] == row) or (
                        focus_at is not None and focus_at[0] == row):
                    states = tuple(_state(base_state, row, column, chosen, selection,
                                          hover_at, focus_at) for column, _x, _w in places)
                else:
                    states = plain
                if whole:
                    key = (looks, shape, height, states, features)
                    pixmap = delegate.kept_row(key)
                    if pixmap is None:
                        pixmap = _compose_row(delegate, option, model, row, looks, places,
                                              height, states, features, painter)
                        delegate.keep_row(key, pixmap)
                    painter.drawPixmap(x0, y, pixmap)
                    continue
                for (column, x, width), state in zip(places, states, strict=True):
                    pixmap = delegate.kept(looks, column, width, height, state, features)
                    if pixmap is not None:
                        painter.drawPixmap(x, y, pixmap)
                        continue
                    cell = QStyleOptionViewItem(option)
                    cell.rect = QRect(x, y, width, height)
                    cell.state = QStyle.StateFlag(state)
                    delegate.paint(painter, cell, model.index(row, column))
            if grid:
                color = QColor.fromRgba(view.style().styleHint(
                    QStyle.StyleHint.SH_Table_GridLineColor, option, view) & 0xFFFFFFFF)
                if view.gridStyle() == Qt.PenStyle.SolidLine:
                    # the same pixels as 1 px lines, as filled rectangles in one call (the
                    # raster engine's fast path; a line is blended pixel by pixel)
                    l, t, w, h = dirty.left(), dirty.top(), dirty.width(), dirty.height()
                    bars = [QRect(l, y, w, 1) for y in lines]
                    bars += [QRect(x + width, t, 1, h) for _column, x, width in places]
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(color)
                    painter.drawRects(bars)
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.setPen(QPen(color, 1, view.gridStyle()))
                else:
                    painter.setPen(QPen(color, 1, view.gridStyle()))
                    for y in lines:
                        painter.drawLine(dirty.left(), y, dirty.right(), y)
                    for _column, x, width in places:
                        painter.drawLine(x + width, dirty.top(), x + width, dirty.bottom())
                if view.style().styleHint(
                        QStyle.StyleHint.SH_Table_AlwaysDrawLeftTopGridLines, option, view):
                    if hh.isHidden():
                        y = view.rowViewportPosition(top) - 1
                        painter.drawLine(dirty.left(), y, dirty.right(), y)
                    if vh.isHidden():
                        x = view.columnViewportPosition(left) - 1
                        painter.drawLine(x, dirty.top(), x, dirty.bottom())
    finally:
        painter.end()
    return True
