"""The spans of the current document as a table: a lazy model over the session's span index.

``SpanTableModel`` holds only span ids (and their sort keys); cells are rendered from the
session's ``SpanIndex`` when Qt asks for them, so 100,000 spans cost two lists. One edit is one
``beginInsertRows``/``beginRemoveRows`` (a move is a remove then an insert), never a reset; a
reset happens only when another document is opened, on a label rename, or on sorting. Rows are
handed to the view in chunks (``canFetchMore``/``fetchMore``), so the view's header never holds
100,000 sections unless the user scrolls that far.

**Layers.** Rows are the spans of the visible layers (the session's ``index``). The Layer
column names each span's layer; rows of other layers (read-only here) are shown in italics and
grey, with a tooltip saying so. Showing a layer merges its spans (sorted alone) into the sorted
rows, hiding one filters them out: both linear, then one reset.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from itertools import compress
from operator import itemgetter, not_
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QWidget,
)

from annotator.domain.spans import Span
from annotator.ui.session import Session
from annotator.ui.span_cells import OTHER_COLOR as _OTHER_COLOR
from annotator.ui.span_cells import RIGHT as _RIGHT
from annotator.ui.span_cells import SpanCellDelegate, paint_table
from annotator.ui.text_view import plain_text_html

__all__ = ["COLUMNS", "SpanTableModel", "SpanTableView", "SPAN_ID_ROLE"]

COLUMNS = ("Label", "Text", "Start", "End", "Layer", "Note")
SPAN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SNIPPET = 60
#: Rows handed to the view at a time (``fetchMore`` as the user scrolls).
FETCH_CHUNK = 500
#: Rows whose cells ``SpanTableModel`` keeps worked out (a few screens of rows; ``row_looks``).
ROW_CELLS_KEPT = 4096

_Index = QModelIndex | QPersistentModelIndex
# Roles as plain ints: Qt passes ints, and ``data`` runs for every role of every visible cell.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_SPAN_ID = int(SPAN_ID_ROLE)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ROLES = frozenset({_DISPLAY, _DECORATION, _TOOLTIP, _ALIGNMENT, _SPAN_ID, _FONT, _FOREGROUND})
#: The span id at the end of a sort key.
_LAST = itemgetter(-1)


class SpanTableModel(QAbstractTableModel):
    """Rows are the spans of ``session``'s current document, sorted by one column.

    Expects the session's signals (``documentChanged``, ``spanAdded``, ``spanRemoved``,
    ``spanUpdated``, ``spansReset``, ``labelsChanged``); emits the standard model signals,
    row by row. ``SPAN_ID_ROLE`` gives a row's span id.
    """

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._column = 2
        self._descending = False
        #: Sort keys of the rows, ascending; each ends with the span id.
        self._keys: list[tuple[Any, ...]] = []
        #: layer -> ((sort column, text, the layer's generation), its sorted keys, the rows
        #: before it was hidden, ``_version`` right after) while it is hidden.
        self._stash: dict[str, tuple[Any, list[tuple[Any, ...]], list[tuple[Any, ...]], int]] = {}
        #: Changes whenever the rows change (an edit, a layer, a reload).
        self._version = 0
        #: layer -> (token, the rows before it was shown, its sorted keys, ``_version`` right
        #: after) since it was shown again: hidden again unchanged, those rows come back.
        self._shown_again: dict[str, tuple[Any, list[tuple[Any, ...]], list[tuple[Any, ...]],
                                           int]] = {}
        self._fetched = 0
        self._fetching = False
        #: True while an updated span's row moves (removed, then inserted at its new place).
        self.moving = False
        self._colors_of: dict[str, str] | None = None
        #: span id -> (the span, its row's cells, their looks): see ``row_looks``
        self._cells: dict[str, tuple[Span, tuple[tuple[Any, QColor | None, bool], ...],
                                     tuple[Any, ...]]] = {}
        self._cells_of: dict[str, str] | None = None
        self._swatches: dict[str, QColor] = {}
        self._italic = QFont()
        self._italic.setItalic(True)
        session.documentChanged.connect(self.reload)
        session.layerVisibilityChanged.connect(self._on_layer)
        session.annotatorChanged.connect(self._on_annotator)
        session.spansReset.connect(self.reload)
        session.spanAdded.connect(self._on_added)
        session.spanRemoved.connect(self._on_removed)
        session.spanUpdated.connect(self._on_updated)
        session.labelsChanged.connect(self._on_labels)
        self.reload()

    # -- keys -------------------------------------------------------------------------------------

    def _key_function(self) -> Callable[[Span], tuple[Any, ...]]:
        text = self._session.text
        column = self._column
        if column == 0:
            return lambda s: (s.label, s.start, -s.end, s.id)
        if column == 1:
            return lambda s: (text[s.start : s.start + SNIPPET], s.start, -s.end, s.id)
        if column == 3:
            return lambda s: (s.end, s.start, s.id)
        if column == 4:
            return lambda s: (s.annotator, s.start, -s.end, s.id)
        if column == 5:
            return lambda s: (s.note or "", s.start, -s.end, s.id)
        return lambda s: (s.start, -s.end, s.id)

    def reload(self, *_: object) -> None:
        """Re-read every span of the current document (a reset)."""
        self.beginResetModel()
        key = self._key_function()
        self._keys = sorted(key(s) for s in self._session.index)  # each key ends with the id
        self._version += 1
        self._stash.clear()
        self._shown_again.clear()
        self._cells.clear()
        self._fetched = min(len(self._keys), FETCH_CHUNK)
        self.endResetModel()

    def _row(self, i: int) -> int:
        return len(self._keys) - 1 - i if self._descending else i

    def _find(self, span: Span) -> int:
        i = bisect_left(self._keys, self._key_function()(span))
        if i >= len(self._keys) or self._keys[i][-1] != span.id:
            raise KeyError(span.id)
        return i

    # -- updates from the session (rows beyond the fetched ones change silently) -----------------

    def _on_added(self, span: Span) -> None:
        key = self._key_function()(span)
        i = bisect_left(self._keys, key)
        row = len(self._keys) - i if self._descending else i
        shown = row <= self._fetched and (row < self._fetched or self._fetched == len(self._keys))
        if shown:
            self.beginInsertRows(QModelIndex(), row, row)
        self._keys.insert(i, key)
        self._version += 1
        if shown:
            self._fetched += 1
            self.endInsertRows()

    def _on_removed(self, span: Span) -> None:
        i = self._find(span)
        row = self._row(i)
        shown = row < self._fetched
        if shown:
            self.beginRemoveRows(QModelIndex(), row, row)
        del self._keys[i]
        self._version += 1
        if shown:
            self._fetched -= 1
            self.endRemoveRows()

    def _on_updated(self, old: Span, new: Span) -> None:
        key = self._key_function()
        new_key = key(new)
        i = self._find(old)
        keys = self._keys
        stays = keys[i] == new_key or (
            (i == 0 or keys[i - 1] < new_key) and (i + 1 == len(keys) or new_key < keys[i + 1]))
        if stays:  # the row stays where it is (a nudge, mostly): only its cells change
            if keys[i] != new_key:
                keys[i] = new_key
                self._version += 1
            row = self._row(i)
            if row < self._fetched:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        self.moving = True
        try:
            self._on_removed(old)
            self._on_added(new)
        finally:
            self.moving = False

    def _on_layer(self, name: str, visible: bool, spans: list[Span], _blocks: object) -> None:
        """A layer was shown (its spans merged into the rows) or hidden (filtered out).

        Every sort key ends with the span id, so keys are unique and name their row. A hidden
        layer's sorted keys are kept: shown again unchanged (the index's generation of the layer
        and the sort column the same), they are merged without sorting the layer again, and when
        no row changed meanwhile the rows from before it was hidden come back as they were (and
        the same for a layer hidden again right after it was shown)."""
        self.beginResetModel()
        session = self._session
        token = (self._column, session.text, session.index.layer_generation(name))
        if visible:
            stash = self._stash.pop(name, None)
            before = self._keys
            if stash is not None and stash[0] == token and stash[3] == self._version:
                layer_keys = stash[1]
                self._keys = stash[2]  # nothing changed since it was hidden: the rows then
            else:
                if stash is not None and stash[0] == token:
                    layer_keys = stash[1]
                else:
                    key = self._key_function()
                    layer_keys = sorted(key(s) for s in spans)
                merged = before + layer_keys
                merged.sort()  # two sorted runs: a linear merge
                self._keys = merged
            self._version += 1
            self._shown_again[name] = (token, before, layer_keys, self._version)
        else:
            keys = self._keys
            again = self._shown_again.pop(name, None)
            if again is not None and again[0] == token and again[3] == self._version:
                kept, dropped = again[1], again[2]  # hidden again with nothing changed between
            else:  # one membership test per row, all of it in C
                gone = list(map(session.index.layer_ids(name).__contains__, map(_LAST, keys)))
                kept, dropped = list(compress(keys, map(not_, gone))), list(compress(keys, gone))
            self._keys = kept
            self._version += 1
            self._stash[name] = (token, dropped, keys, self._version)
        self._fetched = min(len(self._keys), max(self._fetched, FETCH_CHUNK))
        self.endResetModel()

    def _on_annotator(self, _name: str) -> None:
        if self._fetched:
            self.dataChanged.emit(self.index(0, 0), self.index(self._fetched - 1, len(COLUMNS) - 1))

    def _on_labels(self) -> None:
        if self._fetched:
            self.dataChanged.emit(self.index(0, 0), self.index(self._fetched - 1, 0))

    # -- queries ----------------------------------------------------------------------------------

    def span_id(self, row: int) -> str:
        """The id of the span on ``row``."""
        return self._keys[len(self._keys) - 1 - row if self._descending else row][-1]

    def row_of(self, span_id: str, *, fetch: bool = True) -> int:
        """The row showing ``span_id`` (-1 when it is not in the table). With ``fetch``, rows
        up to it are fetched so that it can be shown."""
        span = self._session.index.get(span_id)
        if span is None:
            return -1
        try:
            row = self._row(self._find(span))
        except KeyError:
            return -1
        if row >= self._fetched:
            if not fetch:
                return -1
            self._fetch_to(row + 1)
        return row

    def total(self) -> int:
        """Number of spans (rows fetched or not)."""
        return len(self._keys)

    def _fetch_to(self, count: int) -> None:
        count = min(count, len(self._keys))
        if count > self._fetched and not self._fetching:
            self._fetching = True  # views may ask for more while rows are being inserted
            try:
                self.beginInsertRows(QModelIndex(), self._fetched, count - 1)
                self._fetched = count
                self.endInsertRows()
            finally:
                self._fetching = False

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and not self._fetching and self._fetched < len(self._keys)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: N802, B008
        if not parent.isValid():
            self._fetch_to(self._fetched + FETCH_CHUNK)

    # -- Qt model ---------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._fetched

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if role not in _ROLES:
            return None
        row = index.row()  # -1 for an invalid index
        if not 0 <= row < self._fetched:
            return None
        column = index.column()
        if role == _ALIGNMENT:
            return _RIGHT if column == 2 or column == 3 else None
        if role == _DECORATION and column != 0:
            return None
        if role == _FONT or role == _FOREGROUND:
            span = self._session.index.get(self.span_id(row))
            if span is None or self._session.is_own(span):
                return None
            return self._italic if role == _FONT else _OTHER_COLOR
        keys = self._keys
        span_id = (keys[len(keys) - 1 - row] if self._descending else keys[row])[-1]
        if role == _SPAN_ID:
            return span_id
        session = self._session
        span = session.index.get(span_id)
        if span is None:
            return None
        if role == _DISPLAY:
            return self._display(span, column)
        if role == _TOOLTIP:
            if column == 1 or column == 5:
                full = session.text[span.start : span.end] if column == 1 else span.note
                return plain_text_html(full) if full else None
            if column == 4:
                return plain_text_html(
                    "My layer" if session.is_own(span) else
                    f"{span.annotator}'s layer: read-only here (Span > Copy into My Layer)")
            return None
        return self._color(span.label)  # decoration of the label column

    def cell(self, row: int, column: int) -> tuple[Any, QColor | None, bool] | None:
        """What a cell shows, in one call: ``(display value, decoration colour or None, True
        for a span of my layer)``; None outside the fetched rows (see :class:`SpanCellDelegate`)."""
        kept = self._row_entry(row)
        return None if kept is None else kept[1][column]

    def row_looks(self, row: int) -> tuple[Any, ...] | None:
        """What decides the look of ``row``'s cells, hashable (``(value, mine, colour as
        rgba or None)`` per column): rows with equal looks are drawn alike. A row's cells are
        worked out once per span (kept while the index holds the same span and the colours
        are the same): a repaint after an edit, which shifts the rows below it, looks up each
        row's span once."""
        kept = self._row_entry(row)
        return None if kept is None else kept[2]

    def _row_entry(self, row: int) -> tuple[Span, tuple[tuple[Any, QColor | None, bool], ...],
                                            tuple[Any, ...]] | None:
        if not 0 <= row < self._fetched:
            return None
        session = self._session
        span = session.index.get(self.span_id(row))
        if span is None:
            return None
        colors = session.colors()
        if colors is not self._cells_of:
            self._cells.clear()
            self._cells_of = colors
        kept = self._cells.get(span.id)
        if kept is not None and kept[0] is span:
            return kept
        own = session.is_own(span)
        cells = tuple((self._display(span, column),
                       self._color(span.label) if column == 0 else None, own)
                      for column in range(len(COLUMNS)))
        looks = tuple((value, own, None if color is None else color.rgba())
                      for value, color, own in cells)
        if len(self._cells) >= ROW_CELLS_KEPT:
            self._cells.clear()
        kept = self._cells[span.id] = (span, cells, looks)
        return kept

    def _color(self, label: str) -> QColor:
        colors = self._session.colors()
        if colors is not self._colors_of:
            self._colors_of, self._swatches = colors, {}
        color = self._swatches.get(label)
        if color is None:
            color = self._swatches[label] = QColor(colors.get(label, "#9e9e9e"))
        return color

    def _display(self, span: Span, column: int) -> Any:
        if column == 0:
            return span.label
        if column == 1:
            snippet = self._session.text[span.start : min(span.end, span.start + SNIPPET)]
            more = "…" if span.end - span.start > SNIPPET else ""
            return snippet.replace("\n", " ⏎ ") + more
        if column == 2:
            return span.start
        if column == 3:
            return span.end
        if column == 4:
            return span.annotator
        return (span.note or "").replace("\n", " ⏎ ")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` (a reset: sorting is a view change, not an edit)."""
        if not 0 <= column < len(COLUMNS):
            return
        self._column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()


class SpanTableView(QTableView):
    """A sortable table of ``SpanTableModel``; selecting a row focuses its span (the window
    then scrolls the text to it).

    Keeps its selection on the session's focused span, and its scroll position on the span
    at the top when rows are inserted or removed above it or the model is reset (changes made
    elsewhere must not move the table under the user's eyes). Emits the standard view signals.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spanTable")
        self._session = session
        self.span_model = SpanTableModel(session, self)
        self.setModel(self.span_model)
        self.setItemDelegate(SpanCellDelegate(self.span_model, self))
        self._hover = QPersistentModelIndex()
        self.setSortingEnabled(True)
        self.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        # Whole rows are selected, so every column would be highlighted (its title in bold)
        # whenever a span is focused and plain when none is: that says nothing, and the
        # header, sharing the table's selection, would repaint on every focus change (every
        # edit). It gets a selection of its own, never used.
        header.setHighlightSections(False)
        header.setSelectionModel(QItemSelectionModel(self.span_model, header))
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # Text takes the rest
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.fit_columns()
        session.labelsChanged.connect(self.fit_columns)
        self._syncing = False
        self._anchor: tuple[str, int, int] | None = None
        model = self.span_model
        for about in (model.rowsAboutToBeInserted, model.rowsAboutToBeRemoved):
            about.connect(lambda *_: self._keep_anchor())
        model.modelAboutToBeReset.connect(self._keep_anchor)
        for done in (model.rowsInserted, model.rowsRemoved):
            done.connect(lambda *_: self._restore_anchor())
        model.modelReset.connect(self._restore_anchor)
        self.selectionModel().currentRowChanged.connect(self._on_current)
        session.focusedSpanChanged.connect(self.show_span)
        self.span_model.modelReset.connect(lambda: self.show_span(session.focused_span_id))
        # A moved row (a re-sorted key) loses its selection: put it back on the focused span.
        # (Not scrolled to when the change came from elsewhere: the table stays where it is.)
        session.spanUpdated.connect(
            lambda _old, new: new.id == session.focused_span_id and self.show_span(
                new.id, scroll=not session.applying_history))

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind in (QEvent.Type.HoverMove, QEvent.Type.HoverEnter):  # as the view tracks it
            self._hover = QPersistentModelIndex(
                self.indexAt(event.position().toPoint()))  # type: ignore[attr-defined]
        elif kind in (QEvent.Type.HoverLeave, QEvent.Type.Leave):
            self._hover = QPersistentModelIndex()
        return super().viewportEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        delegate = self.itemDelegate()
        if not (isinstance(delegate, SpanCellDelegate)
                and paint_table(self, delegate, event, self._hover)):
            super().paintEvent(event)

    def fit_columns(self) -> None:
        """Columns as wide as their content needs, measured from the font (never from the rows:
        100,000 of them): the label names, six-digit offsets, a short layer name and "Note";
        the Text column stretches over the rest, so nothing scrolls sideways in the side
        column (longer layer names and notes are cut, with the whole value in the tooltip)."""
        fm = self.fontMetrics()
        header = self.horizontalHeader()
        hfm = header.fontMetrics()
        pad = 14  # cell margins and the grid line
        sort_room = 10  # the header's sort arrow

        def title(column: int) -> int:
            return hfm.horizontalAdvance(COLUMNS[column]) + pad + sort_room

        names = [lab.name for lab in self._session.labels] or ["label"]
        icon = self.iconSize().width() if self.iconSize().width() > 0 else 16
        label = max(fm.horizontalAdvance(n) for n in names) + icon + pad + 6
        number = fm.horizontalAdvance("000000") + pad
        widths = {0: min(max(label, title(0)), 120), 2: max(number, title(2)),
                  3: max(number, title(3)), 4: max(fm.horizontalAdvance("reviewer"), title(4)),
                  5: title(5)}
        for column, width in widths.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(column, width)

    def fixed_width(self) -> int:
        """Width of every column but Text (the least the table needs besides its text)."""
        return sum(self.columnWidth(c) for c in range(len(COLUMNS)) if c != 1)

    def _keep_anchor(self) -> None:
        top = self.rowAt(0)
        bar = self.verticalScrollBar()
        self._anchor = None
        if top >= 0 and bar.value() > 0 and top < self.span_model.rowCount():
            self._anchor = (self.span_model.span_id(top), top, self.rowViewportPosition(top))

    def _restore_anchor(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None:
            return
        span_id, _old_row, offset = anchor
        row = self.span_model.row_of(span_id, fetch=False)
        if row < 0 or row == self.rowAt(0):
            return
        self.updateGeometries()
        bar = self.verticalScrollBar()
        if self.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            bar.setValue(row)
        else:
            bar.setValue(bar.value() + self.rowViewportPosition(row) - offset)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if (self._syncing or not current.isValid() or self._session.applying_history
                or self.span_model.moving):
            return  # (a row removed by a change made elsewhere, or moving, passes no focus on)
        self._session.focus_span(self.span_model.span_id(current.row()))

    def show_span(self, span_id: str | None, *, scroll: bool = True) -> None:
        """Select (without re-emitting a focus change) the row of ``span_id``, scrolled into
        view unless ``scroll`` is False."""
        row = self.span_model.row_of(span_id) if span_id else -1
        self._syncing = True
        try:
            if row < 0:
                self.clearSelection()
                return
            index = self.span_model.index(row, 0)
            if not scroll:  # select only: moving the current index would auto-scroll
                self.selectionModel().select(
                    index, self.selectionModel().SelectionFlag.ClearAndSelect
                    | self.selectionModel().SelectionFlag.Rows)
                return
            self.setCurrentIndex(index)
            self.scrollTo(index)
        finally:
            self._syncing = False
