"""The "Spans here" panel: every span covering one character, so overlaps are reachable.

The window sets the position (the character under the mouse, else at the cursor) with
``set_position``; clicking a row focuses that span (``Session.focus_span``). Rows are plain
text: label, range in code points, the text, annotator and note. They come innermost first
(shortest, then the one starting last), like the editor's click cycle; at equal nesting the
user's own layer comes before the others.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from annotator.domain.spans import Span
from annotator.ui.label_palette import swatch
from annotator.ui.session import Session
from annotator.ui.text_view import plain_text_html

__all__ = ["SpansHerePanel", "innermost_first"]

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def innermost_first(spans: Iterable[Span], own_layer: str) -> list[Span]:
    """``spans`` innermost first: shortest, then the one starting last; at equal range the
    spans of ``own_layer`` first; then by id (a stable order)."""
    return sorted(spans, key=lambda s: (s.end - s.start, -s.start, s.annotator != own_layer,
                                        s.id))


class SpansHerePanel(QListWidget):
    """Lists the spans at a code-point position, innermost first (see :func:`innermost_first`).

    Expects the session's span and focus signals; emits only ``QListWidget`` signals. A click on
    a row focuses its span."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spansHere")
        self._session = session
        self._position = -1
        #: (span id, row text, colour) of the rows shown
        self._shown: list[tuple[str, str, str]] = []
        self._swatches: dict[str, QIcon] = {}
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # every row is two lines (label, range and text; layer and note, both cut with "…";
        # the whole text and note are in the row's tooltip), wrapped to the panel's width: one
        # row height for all, so a rebuild measures one row, not each
        self.setWordWrap(True)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._clicked)
        for signal in (session.spansReset, session.documentChanged, session.labelsChanged):
            signal.connect(lambda *_: self.refresh())
        #: A change of a span here is shown from the event loop, after the edit that made it
        #: (which often moves the position too: one rebuild, not two).
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.refresh)
        session.spanAdded.connect(self._span_changed)
        session.spanRemoved.connect(self._span_changed)
        session.spanUpdated.connect(self._span_changed)
        session.focusedSpanChanged.connect(lambda *_: self._mark_focus())

    @property
    def position(self) -> int:
        return self._position

    def set_position(self, cp: int) -> None:
        """Show the spans covering character ``cp`` (-1: none)."""
        if cp != self._position:
            self._position = cp
            self.refresh()

    def _span_changed(self, *spans: Span) -> None:
        """A span was added, removed or changed (``spans``: it, or its old and new state): the
        list changes only if one of them covers the position."""
        cp = self._position
        if any(span.start <= cp < span.end for span in spans):
            self._later.start()

    def span_ids(self) -> list[str]:
        return [self.item(i).data(ID_ROLE) for i in range(self.count())]

    def refresh(self) -> None:
        """Rebuild the rows (nothing is rebuilt when they would come out the same)."""
        self._later.stop()
        session = self._session
        spans = session.index.spans_at(self._position) if self._position >= 0 else []
        spans = innermost_first(spans, session.annotator)
        colors = session.colors()
        rows = []
        for span in spans:
            snippet = session.text[span.start : span.end]
            if len(snippet) > 40:
                snippet = snippet[:39] + "…"
            snippet = snippet.replace("\n", " ⏎ ")
            text = f"{span.label}  [{span.start}, {span.end})  {snippet}\n{span.annotator}"
            if span.note:
                note = span.note.replace("\n", " ⏎ ")
                text += " — " + (note if len(note) <= 40 else note[:39] + "…")
            rows.append((span.id, text, colors.get(span.label, "#9e9e9e"), span))
        shown = [row[:3] for row in rows]
        if shown != self._shown:
            self._shown = shown
            self.clear()
            for span_id, text, color, span in rows:
                icon = self._swatches.get(color)
                if icon is None:
                    icon = self._swatches[color] = swatch(color)
                item = QListWidgetItem(icon, text)
                item.setData(ID_ROLE, span_id)
                item.setToolTip(plain_text_html(
                    f"{span.label}: {session.text[span.start:span.end]}"
                    + (f"\nNote: {span.note}" if span.note else "")))
                self.addItem(item)
        self._mark_focus()

    def _mark_focus(self) -> None:
        focused = self._session.focused_span_id
        for i in range(self.count()):
            item = self.item(i)
            selected = item.data(ID_ROLE) == focused
            if item.isSelected() != selected:
                item.setSelected(selected)

    def _clicked(self, item: QListWidgetItem) -> None:
        self._session.focus_span(item.data(ID_ROLE))
