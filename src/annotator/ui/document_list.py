"""The project's documents: name, span count and status, with a filter box.

``DocumentListModel`` is a lazy model over the project file: sorting and filtering are SQL
queries on indexes (``annotator.store.document_rows``: a filter is answered from the trigram
index of the names when it is selective), the span counts come from the counts the file
maintains, and only the rows on screen are read, so a corpus of 100,000 documents opens,
sorts and filters without any work per document. Documents added (an import here or
elsewhere) are inserted rows at their place, span-count and status changes are single
``dataChanged`` cells. ``DocumentListPanel`` adds a filter (name or status; ASCII letters
ignore case) and emits ``documentActivated(document_id)``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.store import ProjectBusyError, document_rows
from annotator.ui.session import Session
from annotator.ui.text_view import plain_text_html

__all__ = ["DOCUMENT_ID_ROLE", "DocumentListModel", "DocumentListPanel"]

COLUMNS = ("Document", "Spans", "Status")
DOCUMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_COLORS = {"new": "#808080", "in progress": "#d08a00", "done": "#2e8b3a"}

_Index = QModelIndex | QPersistentModelIndex
#: Width of the Status column: a mark per status (its name in the tooltip), so the names get
#: the room.
STATUS_WIDTH = 26


class DocumentListModel(QAbstractTableModel):
    """Rows: the project's documents, sorted and filtered in SQL, read a page at a time.

    The model holds the list's plan (:func:`annotator.store.document_rows.plan`: its number
    of rows when known) and a cache of the pages read (:data:`PAGE` rows of name, status and
    span count per query), never the ids of every row. Unfiltered, or with a filter answered
    from the name index, the number of rows is known and any page is read on demand (the
    scroll bar spans the list). A filter that matches many documents reads its rows as the
    view asks for them (``canFetchMore``/``fetchMore``, like the span table). ``sort(column,
    order)`` and ``set_needle(text)`` make a new plan; a sort keeps the selection
    (``layoutChanged``), a filter resets.

    Expects the session's ``documentsAdded(ids)`` (each new document is an inserted row at its
    place in the order), ``spanCountChanged``, ``spanCountsChanged``, ``documentStatusChanged``
    (one cell ``dataChanged``; when the order or the filter depends on it the rows are put in
    order again :data:`REORDER_MS` later, so an edit paints first) and ``documentChanged`` (the
    current document is shown in bold)."""

    #: Rows per query.
    PAGE = 128
    #: Cached rows kept at most (the cache is dropped beyond this).
    CACHE = 4096
    #: Delay before rows are re-ordered after a change of the sorted column.
    REORDER_MS = 250
    #: More documents added at once than this reset the list instead of inserting rows.
    INSERTS = 100
    #: Delay before the names of documents added are indexed (then a slice per turn of the
    #: event loop, :data:`INDEX_YIELD_MS` apart).
    INDEX_MS = 1000
    #: Names indexed per turn, in one short transaction (about a millisecond: a turn never
    #: delays a key press noticeably).
    INDEX_SLICE = 256
    #: Pause between two slices.
    INDEX_YIELD_MS = 5
    #: After a switch, an edit, a filter or a sort, no slice runs for this long (the window
    #: is busy: its work comes first).
    INDEX_QUIET_MS = 400
    #: Delay before trying again when another program holds the write lock.
    BUSY_RETRY_MS = 2000

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._project = session.project
        self._order = "id"
        self._descending = False
        self._needle = ""
        self._pages: dict[int, list[document_rows.Row]] = {}
        self._where: dict[int, int] = {}
        self._plan = self._new_plan()
        self._rows = 0
        self._fetching = False
        self._set_plan(self._plan)
        self._current: int | None = None
        self._reorder = QTimer(self)
        self._reorder.setSingleShot(True)
        self._reorder.setInterval(self.REORDER_MS)
        self._reorder.timeout.connect(self.refresh_order)
        self._indexer = QTimer(self)
        self._indexer.setSingleShot(True)
        self._indexer.timeout.connect(self._index_names)
        self._quiet_until = 0.0
        self._schedule_index()
        session.documentsAdded.connect(self._on_added)
        session.spanCountChanged.connect(self._on_count)
        session.spanCountsChanged.connect(self._on_counts)
        session.documentStatusChanged.connect(self._on_status)
        session.documentChanged.connect(self._on_current)
        for signal in (session.documentChanged, session.commandFinished,
                       session.documentStatusChanged):
            signal.connect(self._busy)

    # -- rows ---------------------------------------------------------------------------------

    def _new_plan(self) -> document_rows.Plan:
        return document_rows.plan(self._project, self._order, self._descending, self._needle)

    def _set_plan(self, plan: document_rows.Plan) -> None:
        """Use ``plan``, with an empty cache (a list of unknown length reads its first page)."""
        self._plan = plan
        self._drop_cache()
        if plan.total is not None:
            self._rows = plan.total
        else:
            self._rows = len(self._page(0))
            if self._rows < self.PAGE:
                self._plan = replace(plan, total=self._rows)

    def _drop_cache(self) -> None:
        self._pages.clear()
        self._where.clear()

    def _page(self, number: int) -> list[document_rows.Row]:
        page = self._pages.get(number)
        if page is None:
            if sum(len(p) for p in self._pages.values()) >= self.CACHE:
                self._drop_cache()
            page = document_rows.rows(self._project, self._plan, number * self.PAGE, self.PAGE)
            self._pages[number] = page
            first = number * self.PAGE
            self._where.update((row[0], first + at) for at, row in enumerate(page))
        return page

    def _row_data(self, row: int) -> document_rows.Row | None:
        page = self._page(row // self.PAGE)
        at = row % self.PAGE
        return page[at] if at < len(page) else None

    def row_of(self, document_id: int) -> int:
        """The row of a document (-1 if not shown): from the rows read, else counted in SQL
        (a list of unknown length only knows the rows read)."""
        row = self._where.get(document_id)
        if row is not None:
            return row
        if self._plan.total is None:
            return -1
        found = document_rows.position(self._project, self._plan, document_id)
        return found if found < self._rows else -1

    def document_id(self, row: int) -> int:
        found = self._row_data(row)
        if found is None:
            raise IndexError(row)
        return found[0]

    def _reset(self, plan: document_rows.Plan | None = None) -> None:
        self.beginResetModel()
        self._set_plan(plan if plan is not None else self._new_plan())
        self.endResetModel()

    # -- sorting and filtering ----------------------------------------------------------------

    @property
    def needle(self) -> str:
        return self._needle

    def set_needle(self, text: str) -> None:
        """Show only documents whose name or status contains ``text``."""
        needle = text.strip()
        self._busy()
        if needle == self._needle:
            return
        self._needle = needle
        self._reset()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._busy()
        self._order = ("name", "spans", "status")[column] if 0 <= column < 3 else "id"
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.refresh_order()

    def refresh_order(self) -> None:
        """Put the rows in order again (and in or out of the filter): a layout change when the
        number of rows is known and stays (the selection stays), else a reset."""
        self._reorder.stop()
        fresh = self._new_plan()
        if fresh.total is None or self._plan.total is None or fresh.total != self._rows:
            self._reset(fresh)
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        # Only the rows read know their document: a page read now would be in the new order.
        # An index on a row not read is dropped (the panel selects the current document again).
        ids = [self._read_id(index.row()) for index in old]
        self._plan = fresh
        self._drop_cache()
        rows = {doc_id: self.row_of(doc_id) for doc_id in set(ids) if doc_id is not None}
        self.changePersistentIndexList(old, [
            self.index(rows[doc_id], index.column())
            if doc_id is not None and rows[doc_id] >= 0 else QModelIndex()
            for doc_id, index in zip(ids, old, strict=True)])
        self.layoutChanged.emit()

    def _read_id(self, row: int) -> int | None:
        page = self._pages.get(row // self.PAGE)
        at = row % self.PAGE
        return page[at][0] if page is not None and at < len(page) else None

    def _follow(self, key: str) -> None:
        if self._order == key or (key == "status" and self._plan.statuses):
            self._reorder.start()

    # -- the name index -----------------------------------------------------------------------

    def _schedule_index(self, delay_ms: int | None = None) -> None:
        if not self._indexer.isActive() and not self._project.closed \
                and document_rows.names_pending(self._project, 1):
            self._indexer.start(self.INDEX_MS if delay_ms is None else delay_ms)

    def _busy(self, *_args: object) -> None:
        """The window is busy (a switch, an edit, a filter, a sort): the name index waits."""
        self._quiet_until = time.monotonic() + self.INDEX_QUIET_MS / 1000

    def _index_names(self) -> None:
        """Index the names of the next documents added (one slice, one short transaction,
        without waiting for another program's write lock), so that filters are answered from
        the index again; then the next slice a moment later. Until then a filter walks the
        names; its rows are the same. Held back while the window is busy."""
        from annotator.ui.reading.indexer import without_waiting

        if self._project.closed:  # the window was closed
            return
        wait = self._quiet_until - time.monotonic()
        if wait > 0:
            self._indexer.start(int(wait * 1000) + 1)
            return
        try:
            with without_waiting(self._project), self._project.atomic():
                added = document_rows.index_names(self._project, self.INDEX_SLICE)
        except ProjectBusyError:
            self._indexer.start(self.BUSY_RETRY_MS)
            return
        if added:
            self._schedule_index(self.INDEX_YIELD_MS)

    # -- changes ------------------------------------------------------------------------------

    def _on_added(self, added: list[int]) -> None:
        self._schedule_index()
        fresh = self._new_plan()
        if len(added) > self.INSERTS or fresh.total is None or self._plan.total is None:
            self._reset(fresh)
            return
        rows = sorted(r for r in (document_rows.position(self._project, fresh, doc_id)
                                  for doc_id in added) if r >= 0)
        if fresh.total != self._rows + len(rows):
            self._reset(fresh)
            return
        self._plan = fresh
        for row in rows:  # ascending rows: everything before ``row`` is in place
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows += 1
            self._drop_cache()
            self.endInsertRows()

    def _changed(self, document_id: int, first: int, last: int) -> None:
        row = self._where.get(document_id)  # a row not read is not on screen
        if row is not None:
            self.dataChanged.emit(self.index(row, first), self.index(row, last))

    def _update(self, document_id: int, status: str | None, spans: int | None) -> None:
        row = self._where.get(document_id)
        if row is None:
            return
        page = self._pages.get(row // self.PAGE)
        if page is not None and row % self.PAGE < len(page):
            doc_id, name, was, count = page[row % self.PAGE]
            page[row % self.PAGE] = (doc_id, name, status if status is not None else was,
                                     spans if spans is not None else count)

    def _on_count(self, document_id: int, count: int) -> None:
        self._update(document_id, None, count)
        self._changed(document_id, 1, 1)
        self._follow("spans")

    def _on_counts(self) -> None:
        self._drop_cache()
        if self._rows:
            self.dataChanged.emit(self.index(0, 1), self.index(self._rows - 1, 1))
        self._follow("spans")

    def _on_status(self, document_id: int, status: str) -> None:
        self._update(document_id, status, None)
        self._changed(document_id, 2, 2)
        self._follow("status")

    def _on_current(self, document_id: int) -> None:
        previous, self._current = self._current, document_id
        for doc_id in (previous, document_id):
            if doc_id is not None:
                self._changed(doc_id, 0, len(COLUMNS) - 1)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._plan.total is None

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: N802, B008
        if not self.canFetchMore(parent) or self._fetching:
            return
        page = self._page(self._rows // self.PAGE)
        if len(page) < self.PAGE:
            self._plan = replace(self._plan, total=self._rows + len(page))
        if page:
            self._fetching = True  # a view asking for more while the rows go in gets none
            try:
                self.beginInsertRows(QModelIndex(), self._rows, self._rows + len(page) - 1)
                self._rows += len(page)
                self.endInsertRows()
            finally:
                self._fetching = False

    # -- Qt's model interface -----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if section == 2 else COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == 2:
            return plain_text_html("Status: ring = new, half = in progress, full = done")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._rows:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) \
                if column == 1 else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole,
                        DOCUMENT_ID_ROLE):
            return None
        row = self._row_data(index.row())
        if row is None:
            return None
        doc_id, name, status, spans = row
        if role == DOCUMENT_ID_ROLE:
            return doc_id
        if role == Qt.ItemDataRole.FontRole:
            if doc_id != self._current:
                return None
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(STATUS_COLORS.get(status, "#808080")) if column == 2 else None
        if column == 0:
            return name if role == Qt.ItemDataRole.DisplayRole else plain_text_html(name)
        if column == 1:
            return spans
        return status


class StatusMark(QStyledItemDelegate):
    """Paints a document's status as a mark in its colour: a ring (new), a half-filled
    circle (in progress), a full circle (done); the cell's text stays the status name (the
    filter and the tooltip use it)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        status = str(index.data() or "")
        color = QColor(STATUS_COLORS.get(status, "#808080"))
        size = min(opt.rect.height() - 8, 11)
        center = opt.rect.center()
        rect = QRectF(center.x() - size / 2 + 0.5, center.y() - size / 2 + 0.5, size, size)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color, 1.6))
        painter.setBrush(QBrush(color) if status == "done" else Qt.BrushStyle.NoBrush)
        painter.drawEllipse(rect)
        if status == "in progress":
            painter.setBrush(QBrush(color))
            painter.drawPie(rect, 90 * 16, 180 * 16)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(STATUS_WIDTH, super().sizeHint(option, index).height())


class DocumentListPanel(QWidget):
    """Filter box + table of documents. Emits ``documentActivated(document_id)`` when the user
    picks a document (click, Enter, or moving the current row by keyboard in the list).

    The columns have fixed widths (the name stretches): nothing is measured from the rows, so
    a change in one row never re-reads the others."""

    documentActivated = Signal(int)  # noqa: N815

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentList")
        self._session = session
        self.model = DocumentListModel(session, self)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter documents (name or status)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.set_filter)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # A long name keeps its start and its end (…_60e0.txt); the tooltip has it whole.
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        digits = self.view.fontMetrics().horizontalAdvance("000000")
        header.resizeSection(1, max(digits, header.fontMetrics().horizontalAdvance("Spans")) + 12)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(2, STATUS_WIDTH)
        self.status_mark = StatusMark(self.view)
        self.view.setItemDelegateForColumn(2, self.status_mark)
        self.view.activated.connect(self._activate)
        self.view.clicked.connect(self._activate)
        self.view.selectionModel().currentRowChanged.connect(self._moved)
        self.model.modelReset.connect(self._after_reset)
        self.model.layoutChanged.connect(self._after_layout)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view)
        session.documentChanged.connect(self.show_document)

    def set_filter(self, text: str) -> None:
        """Show the documents whose name or status contains ``text`` (one SQL query)."""
        self.model.set_needle(text)

    def _moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.view.hasFocus() and current.isValid():  # the user moved it (keys in the list)
            self._activate(current)

    def _after_reset(self) -> None:
        if self._session.document is not None:
            self.show_document(self._session.document.id)

    def _after_layout(self) -> None:
        """The rows were put in another order: the current document's row is current again
        (when its index was on a row not read), where the list was scrolled to."""
        bar = self.view.verticalScrollBar()
        value = bar.value()
        self._after_reset()
        bar.setValue(value)

    def _activate(self, index: QModelIndex) -> None:
        document_id = index.data(DOCUMENT_ID_ROLE)
        if document_id is not None and (
            self._session.document is None or self._session.document.id != document_id
        ):
            self.documentActivated.emit(int(document_id))

    def show_document(self, document_id: int) -> None:
        """Make the row of ``document_id`` current (without activating it again)."""
        row = self.model.row_of(document_id)
        if row < 0:
            return
        selection = self.view.selectionModel()
        index = self.model.index(row, 0)
        if selection.currentIndex() != index:
            selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect
                                      | selection.SelectionFlag.Rows)

    def neighbour(self, step: int) -> int | None:
        """The id of the document ``step`` rows away from the current one in the visible
        (filtered, sorted) list."""
        current = self._session.document
        rows = self.model.rowCount()
        if rows == 0:
            return None
        row = self.model.row_of(current.id) if current is not None else -1
        target = min(max(row + step, 0), rows - 1)
        return self.model.document_id(target)
