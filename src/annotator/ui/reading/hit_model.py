"""A table model over search hits: document, position and context, computed lazily per row;
the hits held a document at a time (a million of them are a few thousand lists)."""

from __future__ import annotations

from bisect import bisect_right
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
    """Rows are search hits (``document`` = document id), held a document at a time: per
    document the sequence of ``(start, end)`` the search gave (a slice of its arrays, which
    makes a pair only when asked for), and the running row count, so a million hits are a few
    thousand small sequences, and a row's :class:`Hit` (and its context) is made only when the
    view asks for it. ``names`` maps a document id to its name and ``text_of(document_id)``
    returns its text. ``set_hits`` resets the model (a new search); ``append_groups`` (or
    ``append_hits``) adds rows at the end (emits ``rowsInserted``) as a search streams its
    hits. Display only (plain text: the view shows strings, never markup; tooltips are markup
    that shows the strings literally; control and invisible characters in names are shown
    escaped)."""

    def __init__(self, names: Callable[[int], str], text_of: Callable[[int], str], parent: Any = None) -> None:
        super().__init__(parent)
        self._names = names
        self._text_of = text_of
        self._docs: list[int] = []
        self._spans: list[Sequence[tuple[int, int]]] = []
        self._firsts: list[int] = []  # the row of each document's first hit
        self._count = 0

    # -- contents ---------------------------------------------------------------------------------

    def _clear(self) -> None:
        self._docs, self._spans, self._firsts, self._count = [], [], [], 0

    def _add(self, document_id: int, spans: Sequence[tuple[int, int]]) -> None:
        if self._docs and self._docs[-1] == document_id:
            self._spans[-1] = [*self._spans[-1], *spans]
        else:
            self._docs.append(document_id)
            # kept as given: a search's spans make a pair only when a row is shown
            self._spans.append(spans if isinstance(spans, Sequence) else list(spans))
            self._firsts.append(self._count)
        self._count += len(spans)

    def set_hits(self, hits: Sequence[Hit]) -> None:
        self.beginResetModel()
        self._clear()
        for doc_id, spans in _grouped(hits):
            self._add(doc_id, spans)
        self.endResetModel()

    def append_groups(self, groups: Sequence[tuple[int, Sequence[tuple[int, int]]]]) -> None:
        """Add the hits of ``(document id, [(start, end), ...])`` groups at the end (a search
        streaming its hits): one ``rowsInserted`` for all of them; rows already shown stay."""
        added = sum(len(spans) for _d, spans in groups)
        if not added:
            return
        first = self._count
        self.beginInsertRows(QModelIndex(), first, first + added - 1)
        for doc_id, spans in groups:
            if spans:
                self._add(doc_id, spans)
        self.endInsertRows()

    def append_hits(self, hits: Sequence[Hit]) -> None:
        """Add rows at the end (a search streaming its hits): rows already shown stay."""
        self.append_groups(_grouped(hits))

    @property
    def hits(self) -> list[Hit]:
        """Every hit, as :class:`Hit` objects (made now: for a few thousand, not a million)."""
        out: list[Hit] = []
        for doc_id, spans in zip(self._docs, self._spans, strict=True):
            text = self._text_of(doc_id)
            out += [Hit(doc_id, s, e, text[s:e]) for s, e in spans]
        return out

    def hit_count(self) -> int:
        return self._count

    def document_count(self) -> int:
        """How many documents the hits are in."""
        return len(self._docs)

    def hit(self, row: int) -> Hit:
        if not 0 <= row < self._count:
            raise IndexError(row)
        g = bisect_right(self._firsts, row) - 1
        doc_id = self._docs[g]
        s, e = self._spans[g][row - self._firsts[g]]
        return Hit(doc_id, s, e, self._text_of(doc_id)[s:e])

    # -- Qt's model interface ---------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else self._count

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
        hit = self.hit(index.row())
        column = index.column()
        if column == 0:
            text = shown_text(self._names(hit.document))  # type: ignore[arg-type]
        elif column == 1:
            text = f"{hit.start}–{hit.end}"
        else:
            before, match, after = context(self._text_of(hit.document), hit.start, hit.end, 16)  # type: ignore[arg-type]
            text = f"{before}【{match}】{after}"
        # A tooltip is rich text whenever it looks like markup: give it markup that shows the
        # name or the text literally.
        return plain_text_html(text) if role == Qt.ItemDataRole.ToolTipRole else text


def _grouped(hits: Sequence[Hit]) -> list[tuple[int, list[tuple[int, int]]]]:
    groups: list[tuple[int, list[tuple[int, int]]]] = []
    for hit in hits:
        if not groups or groups[-1][0] != hit.document:
            groups.append((hit.document, []))  # type: ignore[arg-type]
        groups[-1][1].append((hit.start, hit.end))
    return groups
