"""The project's documents: name, span count and status, with a filter box.

``DocumentListModel`` is a lazy model over the project file: sorting and filtering are SQL
queries on indexes (``annotator.store.aggregates``), the span counts come from the counts the
file maintains, and only the rows on screen are read, so a corpus of 100,000 documents opens,
sorts and filters without any work per document. Documents added (an import here or
elsewhere) are inserted rows at their place, span-count and status changes are single
``dataChanged`` cells. ``DocumentListPanel`` adds a filter (name or status; ASCII letters
ignore case) and emits ``documentActivated(document_id)``.
"""

from __future__ import annotations

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

from annotator.store import aggregates
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
    """Rows: the project's documents, sorted and filtered in SQL, fetched a page at a time.

    The model holds the ordered ids of its rows (one indexed query:
    :func:`annotator.store.aggregates.document_ids`, no document row read) and a cache of the
    rows on screen (name, status, span count from the maintained counts; :data:`PAGE` rows
    per query). ``sort(column, order)`` and ``set_needle(text)`` re-run the query; a sort keeps
    the selection (``layoutChanged``), a filter resets.

    Expects the session's ``documentsAdded(ids)`` (each new document is an inserted row at its
    place in the order), ``spanCountChanged``, ``spanCountsChanged``, ``documentStatusChanged``
    (one cell ``dataChanged``; when the order or the filter depends on it the rows are put in
    order again :data:`REORDER_MS` later, so an edit paints first) and ``documentChanged`` (the
    current document is shown in bold)."""

    #: Rows fetched per query.
    PAGE = 128
    #: Cached rows kept at most (the cache is dropped beyond this).
    CACHE = 4096
    #: Delay before rows are re-ordered after a change of the sorted column.
    REORDER_MS = 250

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._project = session.project
        self._order = "id"
        self._descending = False
        self._needle = ""
        self._ids: list[int] = aggregates.document_ids(self._project)
        self._rows: dict[int, int] | None = None
        self._searched = False
        self._cache: dict[int, tuple[str, str, int]] = {}
        self._current: int | None = None
        self._reorder = QTimer(self)
        self._reorder.setSingleShot(True)
        self._reorder.setInterval(self.REORDER_MS)
        self._reorder.timeout.connect(self.refresh_order)
        session.documentsAdded.connect(self._on_added)
        session.spanCountChanged.connect(self._on_count)
        session.spanCountsChanged.connect(self._on_counts)
        session.documentStatusChanged.connect(self._on_status)
        session.documentChanged.connect(self._on_current)

    # -- rows ---------------------------------------------------------------------------------

    def _query(self) -> list[int]:
        return aggregates.document_ids(self._project, self._order, self._descending,
                                       self._needle)

    def row_of(self, document_id: int) -> int:
        """The row of a document (-1 if not shown). The first look-up after the rows changed
        searches the list (in C, about a millisecond at 100,000 rows); the next one builds a
        map, so a burst of look-ups (a layout change) stays linear."""
        if self._rows is None:
            if not self._searched:
                self._searched = True
                try:
                    return self._ids.index(document_id)
                except ValueError:
                    return -1
            self._rows = {doc_id: row for row, doc_id in enumerate(self._ids)}
        return self._rows.get(document_id, -1)

    def document_id(self, row: int) -> int:
        return self._ids[row]

    def document_ids(self) -> list[int]:
        """The ids of the rows, in order (a copy)."""
        return list(self._ids)

    def _row_data(self, row: int) -> tuple[str, str, int] | None:
        doc_id = self._ids[row]
        found = self._cache.get(doc_id)
        if found is None:
            if len(self._cache) > self.CACHE:
                self._cache.clear()
            first = row - row % self.PAGE
            page = [i for i in self._ids[first : first + self.PAGE] if i not in self._cache]
            self._cache.update(aggregates.list_rows(self._project, page))
            found = self._cache.get(doc_id)
        return found

    def _set_ids(self, ids: list[int]) -> None:
        self._ids = ids
        self._rows = None
        self._searched = False

    # -- sorting and filtering ----------------------------------------------------------------

    @property
    def needle(self) -> str:
        return self._needle

    def set_needle(self, text: str) -> None:
        """Show only documents whose name or status contains ``text``."""
        needle = text.strip()
        if needle == self._needle:
            return
        self._needle = needle
        self.beginResetModel()
        self._set_ids(self._query())
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._order = ("name", "spans", "status")[column] if 0 <= column < 3 else "id"
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.refresh_order()

    def refresh_order(self) -> None:
        """Put the rows in order again (and in or out of the filter): a layout change when the
        same documents are shown (the selection stays), else a reset."""
        self._reorder.stop()
        fresh = self._query()
        if fresh == self._ids:
            return
        if len(fresh) != len(self._ids) or set(fresh) != set(self._ids):
            self.beginResetModel()
            self._set_ids(fresh)
            self.endResetModel()
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self._ids[index.row()] for index in old]
        self._set_ids(fresh)
        self.changePersistentIndexList(
            old, [self.index(self.row_of(doc_id), index.column())
                  for doc_id, index in zip(ids, old, strict=True)])
        self.layoutChanged.emit()

    def _follow(self, key: str) -> None:
        if self._order == key or (key == "status" and self._needle):
            self._reorder.start()

    # -- changes ------------------------------------------------------------------------------

    def _on_added(self, added: list[int]) -> None:
        fresh = self._query()
        new = set(added)
        if len(added) > 1000 or [i for i in fresh if i not in new] != self._ids:
            self.beginResetModel()
            self._set_ids(fresh)
            self.endResetModel()
            return
        for row, doc_id in enumerate(fresh):
            if doc_id in new:  # ascending rows: everything before ``row`` is in place
                self.beginInsertRows(QModelIndex(), row, row)
                self._ids.insert(row, doc_id)
                self._rows, self._searched = None, False
                self.endInsertRows()

    def _changed(self, document_id: int, first: int, last: int) -> None:
        row = self.row_of(document_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, first), self.index(row, last))

    def _on_count(self, document_id: int, count: int) -> None:
        cached = self._cache.get(document_id)
        if cached is not None:
            self._cache[document_id] = (cached[0], cached[1], count)
        self._changed(document_id, 1, 1)
        self._follow("spans")

    def _on_counts(self) -> None:
        self._cache.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self._ids) - 1, 1))
        self._follow("spans")

    def _on_status(self, document_id: int, status: str) -> None:
        cached = self._cache.get(document_id)
        if cached is not None:
            self._cache[document_id] = (cached[0], status, cached[2])
        self._changed(document_id, 2, 2)
        self._follow("status")

    def _on_current(self, document_id: int) -> None:
        previous, self._current = self._current, document_id
        for doc_id in (previous, document_id):
            if doc_id is not None:
                self._changed(doc_id, 0, len(COLUMNS) - 1)

    # -- Qt's model interface -----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._ids)

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
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == DOCUMENT_ID_ROLE:
            return self._ids[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) \
                if column == 1 else None
        if role == Qt.ItemDataRole.FontRole:
            if self._ids[index.row()] != self._current:
                return None
            font = QFont()
            font.setBold(True)
            return font
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.ForegroundRole):
            return None
        row = self._row_data(index.row())
        if row is None:
            return None
        name, status, spans = row
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
