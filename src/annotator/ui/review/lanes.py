"""Lanes: one read-only text view per annotator, plus the reviewed layer, on the same text.

The lanes are stacked in a vertical splitter, so they share one width, wrap identically, and
a scroll position means the same lines in every lane: scrolling one scrolls them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from annotator.domain.span_index import SpanIndex
from annotator.ui.fonts import text_font
from annotator.ui.highlighter import SpanHighlighter
from annotator.ui.review.cells import counted
from annotator.ui.review.marks import KindHighlighter, LaneSpan
from annotator.ui.text_view import AnnotationTextView

__all__ = ["Lane", "ReviewLanes"]


class Lane(QWidget):
    """A title counting the layer's spans and a read-only ``AnnotationTextView`` (``view``).

    The title never widens the window: a long one is cut at the lane's edge (the full title
    is its tooltip)."""

    def __init__(self, name: str, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name, self.caption, self.count = name, caption, 0
        self.title = QLabel()
        self.title.setObjectName("laneTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.view = AnnotationTextView()
        self.view.setObjectName("lane")
        self.view.setFont(text_font())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.view)

    def set_count(self, count: int) -> None:
        """Show ``count`` spans in the title ("alice — 1 span", "reviewed (…) — 36 spans")."""
        self.count = count
        text = f"{self.name}{self.caption} — {counted(count, 'span')}"
        self.title.setText(text)
        self.title.setToolTip(text)


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
            lane = Lane(name, " (reviewed layer, editable)" if name == layer else "")
            lane.set_count(len(spans))
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

    def count_reviewed(self) -> None:
        """Bring the reviewed lane's title up to date with its highlighter's spans."""
        if self.reviewed is not None and self.reviewed_highlighter is not None:
            self.reviewed.set_count(len(self.reviewed_highlighter.index))

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
