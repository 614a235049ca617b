"""How the review lanes look: one colour per agreement kind, a legend, and the lane highlighter.

In an annotator's lane each span's background is the colour of its :class:`Kind` (how the
other chosen annotators relate to it) and its underline is the colour of its label; where that
annotator's own spans overlap, the underline is dashed. Labels are named in the unit table and
the tooltips.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from annotator.domain.offsets import Utf16Map
from annotator.domain.span_index import SpanIndex
from annotator.services.review.alignment import Kind

__all__ = ["KIND_COLORS", "KindHighlighter", "LaneSpan", "Legend"]

KIND_COLORS: dict[Kind, str] = {
    Kind.AGREE: "#7fd17f",
    Kind.LABEL_DIFFERS: "#f5d742",
    Kind.BOUNDARIES_DIFFER: "#f5a142",
    Kind.LABEL_AND_BOUNDARIES_DIFFER: "#f06a5a",
    Kind.ONLY_SOME: "#8fb4f0",
}


class LaneSpan(NamedTuple):
    """A span as drawn in a lane: its own fields plus its agreement kind."""

    id: str
    start: int
    end: int
    label: str
    annotator: str
    kind: Kind


class KindHighlighter(QSyntaxHighlighter):
    """Draws ``LaneSpan``s of ``index`` on ``document``: background by kind, underline by label.

    Expects ``document`` to hold exactly the text ``index`` and ``offsets`` were built from.
    Emits nothing. ``label_colors``: label -> ``#rrggbb``.
    """

    def __init__(self, document: QTextDocument, index: SpanIndex, offsets: Utf16Map,
                 label_colors: dict[str, str]) -> None:
        super().__init__(document)
        self._index = index
        self._offsets = offsets
        self._label_colors = label_colors
        self._formats: dict[tuple[Kind, str, bool], QTextCharFormat] = {}
        if not document.isEmpty():
            self.rehighlight()

    def _format(self, kind: Kind, label: str, overlapped: bool) -> QTextCharFormat:
        key = (kind, label, overlapped)
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            background = QColor(KIND_COLORS[kind])
            background.setAlpha(150)
            fmt.setBackground(background)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline if overlapped
                                  else QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(QColor(self._label_colors.get(label, "#606060")))
            self._formats[key] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        """Called by Qt for one block; the index knows the spans."""
        n = self.currentBlock().blockNumber()
        index = self._index
        if n < 0 or n >= index.block_count:
            return
        origin = self.currentBlock().position()
        to16 = self._offsets.to_utf16
        for seg in index.segments(n):
            primary = seg.spans[0]
            a = to16(seg.start)
            self.setFormat(a - origin, to16(seg.end) - a,
                           self._format(primary.kind, primary.label, len(seg.spans) > 1))


class Legend(QWidget):
    """A row of colour swatches naming each kind (plain text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for kind, color in KIND_COLORS.items():
            swatch = QLabel()
            swatch.setFixedSize(14, 14)
            swatch.setAutoFillBackground(True)
            swatch.setStyleSheet(f"background-color: {color}; border: 1px solid #606060;")
            name = QLabel(kind.value)
            name.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(swatch)
            layout.addWidget(name)
        layout.addStretch(1)
