"""The project's documents: name, span count and status, with a filter box.

``DocumentListModel`` adapts the session's document list (rows follow ``Session.documents``):
documents added (an import here or elsewhere) are inserted rows, span-count and status changes
are single ``dataChanged`` cells; only a list that changed otherwise is a reset. ``DocumentListPanel`` adds a
filter (name or status, case-insensitive) and emits ``documentActivated(document_id)``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
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
    """Rows: the session's documents in import order. Expects the session's
    ``documentsChanged`` (new rows at the end, or a reset if the list changed otherwise),
    ``spanCountChanged``, ``documentStatusChanged`` and ``documentChanged`` (the current
    document is shown in bold). Holds its own copy of the list, so rows change only between
    the model's begin/end signals."""

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._docs = list(session.documents)
        self._rows: dict[int, int] = {}
        self._reindex()
        session.documentsChanged.connect(self._on_documents)
        session.spanCountChanged.connect(self._on_count)
        session.documentStatusChanged.connect(self._on_status)
        session.documentChanged.connect(self._on_current)
        self._current: int | None = None

    def _reindex(self) -> None:
        self._rows = {doc.id: row for row, doc in enumerate(self._docs)}

    def _on_documents(self) -> None:
        fresh = list(self._session.documents)
        n = len(self._docs)
        if len(fresh) >= n and [d.id for d in fresh[:n]] == [d.id for d in self._docs]:
            for row, doc in enumerate(fresh[:n]):
                if doc != self._docs[row]:
                    self._docs[row] = doc
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            if len(fresh) > n:
                self.beginInsertRows(QModelIndex(), n, len(fresh) - 1)
                self._docs = fresh
                self._reindex()
                self.endInsertRows()
            return
        self.beginResetModel()
        self._docs = fresh
        self._reindex()
        self.endResetModel()

    def row_of(self, document_id: int) -> int:
        """The row of a document (-1 if unknown)."""
        return self._rows.get(document_id, -1)

    def document_id(self, row: int) -> int:
        return self._docs[row].id

    def _changed(self, document_id: int, column: int) -> None:
        row = self._rows.get(document_id)
        if row is not None:
            index = self.index(row, column)
            self.dataChanged.emit(index, index)

    def _on_count(self, document_id: int, _count: int) -> None:
        self._changed(document_id, 1)

    def _on_status(self, document_id: int, _status: str) -> None:
        row = self._rows.get(document_id)
        doc = self._session.document_by_id(document_id)
        if row is not None and doc is not None:
            self._docs[row] = doc
        self._changed(document_id, 2)

    def _on_current(self, document_id: int) -> None:
        previous, self._current = self._current, document_id
        for doc_id in (previous, document_id):
            row = self._rows.get(doc_id) if doc_id is not None else None
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._docs)

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
        if not index.isValid() or not 0 <= index.row() < len(self._docs):
            return None
        doc = self._docs[index.row()]
        column = index.column()
        if role == DOCUMENT_ID_ROLE:
            return doc.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                display = role == Qt.ItemDataRole.DisplayRole
                return doc.name if display else plain_text_html(doc.name)
            if column == 1:
                return self._session.span_counts.get(doc.id, 0)
            return doc.status
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return QColor(STATUS_COLORS.get(doc.status, "#808080"))
        if role == Qt.ItemDataRole.FontRole and doc.id == self._current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


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


class DocumentFilter(QSortFilterProxyModel):
    """Keeps rows whose name or status contains the filter text (case-insensitive)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""

    def set_needle(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = text.casefold().strip()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:  # noqa: N802
        if not self._needle:
            return True
        model = self.sourceModel()
        return any(
            self._needle in str(model.data(model.index(row, column, parent)) or "").casefold()
            for column in (0, 2)
        )


class DocumentListPanel(QWidget):
    """Filter box + table of documents. Emits ``documentActivated(document_id)`` when the user
    picks a document (click, Enter, or moving the current row by keyboard)."""

    documentActivated = Signal(int)  # noqa: N815

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentList")
        self._session = session
        self.model = DocumentListModel(session, self)
        self.proxy = DocumentFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter documents (name or status)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_needle)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view)
        session.documentChanged.connect(self.show_document)

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
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index, self.view.selectionModel().SelectionFlag.ClearAndSelect
                | self.view.selectionModel().SelectionFlag.Rows)

    def neighbour(self, step: int) -> int | None:
        """The id of the document ``step`` rows away from the current one in the visible
        (filtered, sorted) list."""
        current = self._session.document
        rows = self.proxy.rowCount()
        if rows == 0:
            return None
        row = -1
        if current is not None:
            index = self.proxy.mapFromSource(self.model.index(self.model.row_of(current.id), 0))
            row = index.row() if index.isValid() else -1
        target = min(max(row + step, 0), rows - 1)
        return int(self.proxy.index(target, 0).data(DOCUMENT_ID_ROLE))
