"""Lanes: one read-only text view per annotator, plus the reviewed layer, on the same text.

The lanes are stacked in a vertical splitter, so they share one width, wrap identically, and
a scroll position means the same lines in every lane: scrolling one scrolls them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from annotator.domain.span_index import SpanIndex
from annotator.ui.fonts import text_font
from annotator.ui.highlighter import SpanHighlighter
from annotator.ui.review.marks import KindHighlighter, LaneSpan
from annotator.ui.text_view import AnnotationTextView

__all__ = ["Lane", "ReviewLanes"]


class Lane(QWidget):
    """A title and a read-only ``AnnotationTextView`` (``view``) for one layer."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.view = AnnotationTextView()
        self.view.setObjectName("lane")
        self.view.setFont(text_font())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.view)


class ReviewLanes(QSplitter):
    """One :class:`Lane` per chosen annotator (drawn by agreement kind) and the reviewed lane
    (drawn by label, like the annotation window), scrolled together.

    Signals: ``selectionChangedCp(start, end)`` when the selection changes in any lane;
    ``clickedCp(annotator, cp)`` on a click without drag in a lane (``annotator`` is the lane's
    layer name).
    """

    selectionChangedCp = Signal(int, int)  # noqa: N815
    clickedCp = Signal(str, int)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setChildrenCollapsible(False)
        self.lanes: dict[str, Lane] = {}
        self.reviewed: Lane | None = None
        self.reviewed_highlighter: SpanHighlighter | None = None
        self._highlighters: list[KindHighlighter] = []
        self._syncing = False

    def build(self, text: str, annotators: Sequence[str], marks: dict[str, list[LaneSpan]],
              layer: str, reviewed: Iterable[object], colors: dict[str, str]) -> None:
        """Replace every lane: ``marks`` per annotator, ``reviewed`` the reviewed layer's spans."""
        for lane in [*self.lanes.values(), *([self.reviewed] if self.reviewed else [])]:
            lane.setParent(None)
            lane.deleteLater()
        self.lanes, self._highlighters = {}, []
        for name in [*annotators, layer]:
            spans = marks.get(name, []) if name != layer else list(reviewed)
            title = f"{name} — {len(spans)} span(s)" if name != layer else (
                f"{name} (reviewed layer, editable) — {len(spans)} span(s)")
            lane = Lane(title)
            view = lane.view
            view.set_text(text)
            index = SpanIndex(text, spans)
            view.set_span_index(index)
            if name == layer:
                self.reviewed = lane
                self.reviewed_highlighter = SpanHighlighter(view.document(), index,
                                                            view.offsets, colors)
            else:
                self.lanes[name] = lane
                self._highlighters.append(
                    KindHighlighter(view.document(), index, view.offsets, colors))
                view.set_tooltip_provider(self._tooltip(view))
            view.verticalScrollBar().valueChanged.connect(self._sync_scroll)
            view.selectionChangedCp.connect(self.selectionChangedCp)
            view.clickedCp.connect(lambda cp, n=name: self.clickedCp.emit(n, cp))
            self.addWidget(lane)

    @staticmethod
    def _tooltip(view: AnnotationTextView):  # noqa: ANN205
        def provider(cp: int) -> str | None:
            lines = [f"{s.label} [{s.start}, {s.end}): {view.canonical_text[s.start:s.end]} — "
                     f"{s.kind.value}" for s in view.spans_at(cp)]
            return "\n".join(lines) or None
        return provider

    def views(self) -> list[AnnotationTextView]:
        """Every lane's view, annotators first, the reviewed lane last."""
        lanes = [*self.lanes.values(), *([self.reviewed] if self.reviewed else [])]
        return [lane.view for lane in lanes]

    def _sync_scroll(self, value: int) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for view in self.views():
                view.verticalScrollBar().setValue(value)
        finally:
            self._syncing = False

    def show_range(self, start: int, end: int) -> None:
        """Mark ``[start, end)`` in every lane (a transient outline) and scroll to it."""
        views = self.views()
        for view in views:
            view.set_transient("focus", [(start, end)])
        if views:
            views[0].ensure_visible_cp(start)
            self._sync_scroll(views[0].verticalScrollBar().value())

    def select_in(self, layer: str, start: int, end: int) -> None:
        """Select ``[start, end)`` in the lane of ``layer`` (keeps the lanes aligned)."""
        lane = self.reviewed if self.reviewed is not None and layer not in self.lanes else (
            self.lanes.get(layer))
        if lane is not None:
            lane.view.select_cp(start, end)
            self._sync_scroll(lane.view.verticalScrollBar().value())
