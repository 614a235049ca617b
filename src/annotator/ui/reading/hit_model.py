"""A table model over search hits: document, position and context, computed lazily per row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from annotator.services.japanese import Hit, context
from annotator.ui.dialogs.messages import shown_text
from annotator.ui.text_view import plain_text_html

__all__ = ["HitModel"]

_HEADERS = ("Document", "Position", "Context")
_Index = QModelIndex | QPersistentModelIndex


class HitModel(QAbstractTableModel):
    """Rows are :class:`Hit` objects (``document`` = document id). ``names`` maps a document
    id to its name and ``text_of(document_id)`` returns its text (for the context column).
    ``set_hits`` resets the model (a new search); ``append_hits`` adds rows at the end (emits
    ``rowsInserted``) as a search streams its hits. Display only
    (plain text: the view shows strings, never markup; tooltips are markup that shows the
    strings literally; control and invisible characters in names are shown escaped)."""

    def __init__(self, names: Callable[[int], str], text_of: Callable[[int], str], parent: Any = None) -> None:
        super().__init__(parent)
        self._names = names
        self._text_of = text_of
        self.hits: list[Hit] = []

    def set_hits(self, hits: Sequence[Hit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def append_hits(self, hits: Sequence[Hit]) -> None:
        """Add rows at the end (a search streaming its hits): rows already shown stay."""
        if not hits:
            return
        first = len(self.hits)
        self.beginInsertRows(QModelIndex(), first, first + len(hits) - 1)
        self.hits.extend(hits)
        self.endInsertRows()

    def hit(self, row: int) -> Hit:
        return self.hits[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.hits)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        hit = self.hits[index.row()]
        column = index.column()
        if column == 0:
            text = shown_text(self._names(hit.document))
        elif column == 1:
            text = f"{hit.start}–{hit.end}"
        else:
            before, match, after = context(self._text_of(hit.document), hit.start, hit.end, 16)
            text = f"{before}【{match}】{after}"
        # A tooltip is rich text whenever it looks like markup: give it markup that shows the
        # name or the text literally.
        return plain_text_html(text) if role == Qt.ItemDataRole.ToolTipRole else text
