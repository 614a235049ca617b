"""The read-only, selectable text of the annotation window, speaking code points.

Qt counts UTF-16 units; everything this widget emits or accepts is a code-point position of
the canonical text it was given (``set_text``), converted by ``annotator.domain.offsets``.

Label keys are not handled here: keys this widget does not use (digits, letters) propagate to
the window. **Input methods:** while an input method is composing (a ``QInputMethodEvent`` with
a non-empty preedit string), ``is_composing()`` is true; the key or commit that ends a
composition must never create a span, so the window checks ``is_composing()`` and ignores
``QInputMethodEvent`` commit strings entirely. (Qt disables input methods on read-only widgets
by default, so normally no composition reaches this widget at all.)
"""

from __future__ import annotations

import html
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QInputMethodEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLine,
)
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QTextEdit, QToolTip, QWidget

from annotator.domain.offsets import Utf16Map
from annotator.domain.span_index import SpanIndex

__all__ = ["AnnotationTextView", "plain_text_html"]

#: Order in which transient layers are stacked (later ones paint over earlier ones).
TRANSIENT_ORDER = ("find", "hover", "focus")


def _stack_key(kind: str) -> tuple[int, str]:
    return (TRANSIENT_ORDER.index(kind) + 1 if kind in TRANSIENT_ORDER else 0, kind)


def plain_text_html(text: str) -> str:
    """Rich-text markup that shows ``text`` literally (for tooltips: never interpret HTML)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text).replace("\n", "<br>") + "</p>"


def default_transient_format(kind: str) -> QTextCharFormat:
    """Look of a transient layer: find hits yellow, focus outlined, others light grey."""
    fmt = QTextCharFormat()
    if kind == "find":
        fmt.setBackground(QColor(255, 221, 0, 160))
    elif kind == "focus":
        fmt.setProperty(QTextFormat.Property.OutlinePen, QPen(QColor("#202020"), 2))
    else:
        fmt.setBackground(QColor(128, 128, 128, 70))
    return fmt


class AnnotationTextView(QPlainTextEdit):
    """Read-only ``QPlainTextEdit`` holding the canonical text; positions in code points.

    Signals (all positions are code points):

    - ``selectionChangedCp(start, end)``: the selection (or the bare cursor, start == end)
      changed, by mouse, keyboard or ``select_cp``;
    - ``hoveredPositionChanged(cp)``: the character under the mouse changed (-1: none);
    - ``hoveredSpansChanged(spans)``: the spans under the mouse changed (list in paint order;
      needs ``set_span_index``);
    - ``clickedCp(cp)``: a left click without a drag on character ``cp`` (-1: not on text);
    - ``compositionChanged(composing)``: an input-method composition started or ended.

    The text is set once and never read back for storage; copying yields the exact slice of the
    canonical text. Transient decorations (find hits, hover, focused span) are
    ``ExtraSelection`` layers set with ``set_transient``; only those in and near the visible
    area are handed to Qt, so thousands of find hits cost nothing while scrolling.
    """

    selectionChangedCp = Signal(int, int)  # noqa: N815 (Qt signal naming)
    hoveredPositionChanged = Signal(int)  # noqa: N815
    hoveredSpansChanged = Signal(list)  # noqa: N815
    clickedCp = Signal(int)  # noqa: N815
    compositionChanged = Signal(bool)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.viewport().setMouseTracking(True)
        self._text = ""
        self._offsets = Utf16Map("")
        self._index: SpanIndex | None = None
        self._composing = False
        self._setting = False
        self._last_selection = (0, 0)
        self._hover_cp = -1
        self._hover_ids: list[Any] = []
        self._press: QPoint | None = None
        self._tooltip_provider: Callable[[int], str | None] = self._default_tooltip
        self._word_finder: Callable[[int], tuple[int, int]] | None = None
        # kind -> (ranges sorted, format, longest range length)
        self._transient: dict[str, tuple[list[tuple[int, int]], QTextCharFormat, int]] = {}
        self._painters: list[Callable[[QPainter, QPaintEvent], None]] = []
        self._before_paint: Callable[[QRect], None] | None = None
        #: Qt's text control inside the view (a QWidgetTextControl; see ``announce_blocks``)
        self._control: QObject | None = next(
            (c for c in self.children()
             if c.metaObject().className() in ("QPlainTextEditControl", "QWidgetTextControl")),
            None)
        self.selectionChanged.connect(self._emit_selection)
        self.cursorPositionChanged.connect(self._emit_selection)
        self.verticalScrollBar().valueChanged.connect(self._refresh_transient)

    # -- text -----------------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        """Show ``text`` (canonical: no BOM, ``\\r`` or U+2029; else ``ValueError``)."""
        offsets = Utf16Map(text)
        self._transient.clear()
        self.setExtraSelections([])
        self._text, self._offsets = text, offsets
        self._setting = True
        try:
            self.setPlainText(text)
        finally:
            self._setting = False
        doc = self.document()
        if doc.characterCount() != offsets.utf16_length + 1 or doc.blockCount() != (
            text.count("\n") + 1
        ):
            self._text, self._offsets = "", Utf16Map("")
            self.setPlainText("")
            raise ValueError("text is not canonical (BOM, \\r or U+2029): canonicalise it first")
        self._emit_selection()

    @property
    def canonical_text(self) -> str:
        """The text exactly as given to ``set_text``."""
        return self._text

    @property
    def offsets(self) -> Utf16Map:
        """Offset conversions for the current text."""
        return self._offsets

    def set_span_index(self, index: SpanIndex | None) -> None:
        """Spans used for hover signals and the default tooltip (``None``: no spans)."""
        self._index = index

    def set_tooltip_provider(self, provider: Callable[[int], str | None]) -> None:
        """``provider(cp)`` returns the tooltip for a character as plain text (or ``None``)."""
        self._tooltip_provider = provider

    def set_word_finder(self, finder: Callable[[int], tuple[int, int]] | None) -> None:
        """``finder(cp)`` returns the word ``(start, end)`` a double-click on character ``cp``
        selects (code points); None: Qt's own word selection."""
        self._word_finder = finder

    # -- selection ------------------------------------------------------------------------------

    def selection_cp(self) -> tuple[int, int]:
        """The selection as code points ``(start, end)``, widened over half-selected pairs."""
        cur = self.textCursor()
        return self._offsets.to_codepoint_range(cur.selectionStart(), cur.selectionEnd())

    def cursor_cp(self) -> int:
        """The cursor position in code points."""
        return self._offsets.to_codepoint(self.textCursor().position())

    def select_cp(self, start: int, end: int, *, ensure_visible: bool = True) -> None:
        """Select ``[start, end)`` (code points); the cursor ends up at ``end``.

        Qt keeps the cursor (``end``) visible; ``ensure_visible`` also brings ``start`` into view.
        """
        cur = QTextCursor(self.document())
        cur.setPosition(self._offsets.to_utf16(start))
        cur.setPosition(self._offsets.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cur)
        if ensure_visible:
            self.ensure_visible_cp(start)

    def _emit_selection(self) -> None:
        if self._setting:
            return
        sel = self.selection_cp()
        if sel != self._last_selection:
            self._last_selection = sel
            self.selectionChangedCp.emit(*sel)

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 (Qt override)
        """Copies the exact slice of the canonical text (Qt would give U+2029 and spaces)."""
        start, end = self.selection_cp()
        data = QMimeData()
        data.setText(self._text[start:end])
        return data

    # -- scrolling --------------------------------------------------------------------------------

    def ensure_visible_cp(self, cp: int) -> None:
        """Scroll (if needed) so the line holding ``cp`` is visible, a third from the top when a
        jump is needed. Does not move the cursor or the selection."""
        u = self._offsets.to_utf16(cp)
        cur = QTextCursor(self.document())
        cur.setPosition(u)
        block = cur.block()
        height = self.viewport().height()
        spacing = max(1, self.fontMetrics().lineSpacing())
        visible_lines = max(1, height // spacing)
        first = self.firstVisibleBlock().blockNumber()
        if first <= block.blockNumber() <= first + visible_lines:
            rect = self.cursorRect(cur)  # lays out only the blocks from the top one to it
            if rect.top() >= 0 and rect.bottom() <= height:
                return
        layout = block.layout()
        if layout.lineCount() == 0:
            self.document().documentLayout().blockBoundingRect(block)  # lays the block out
        line = layout.lineForTextPosition(u - block.position())
        line_no = block.firstLineNumber() + (line.lineNumber() if line.isValid() else 0)
        self.verticalScrollBar().setValue(max(0, line_no - visible_lines // 3))

    def ensure_span_visible(self, span: Any) -> None:
        """Bring the first line of ``span`` (anything with ``start``) into view."""
        self.ensure_visible_cp(span.start)

    # -- repainting part of a block ------------------------------------------------------------

    def announce_blocks(self, numbers: Iterable[int]) -> None:
        """Emit the document layout's ``updateBlock`` for blocks ``numbers``, so that whatever
        keeps a drawing of them (label tags, relation arcs) forgets it, without this view
        repainting the whole blocks: the caller repaints what changed (``lines_rect``).

        Qt's text control repaints a block it is told about in full; its signals are held
        back meanwhile (without that control, as in another Qt, the blocks are repainted
        whole: slower, never wrong)."""
        doc = self.document()
        layout = doc.documentLayout()
        control = self._control
        blocked = control.blockSignals(True) if control is not None else False
        try:
            for n in numbers:
                block = doc.findBlockByNumber(n)
                if block.isValid():
                    layout.updateBlock.emit(block)
        finally:
            if control is not None:
                control.blockSignals(blocked)

    def lines_rect(self, ranges: Iterable[tuple[int, int]], margin: int = 0) -> QRect:
        """The viewport rectangle (full width) of the lines holding the code-point ranges, grown
        by ``margin`` pixels above and below; empty when none of them is on screen."""
        doc, to16 = self.document(), self._offsets.to_utf16
        offset = self.contentOffset()
        viewport = self.viewport().rect()
        out = QRect()
        for start, end in ranges:
            a, b = to16(start), to16(max(start, end - 1))
            first, last = doc.findBlock(a), doc.findBlock(b)
            if not first.isValid() or not last.isValid():
                continue
            top_geo = self.blockBoundingGeometry(first).translated(offset)
            bottom_geo = top_geo if last == first else \
                self.blockBoundingGeometry(last).translated(offset)
            if bottom_geo.bottom() < 0 or top_geo.top() > viewport.height():
                continue
            line = first.layout().lineForTextPosition(a - first.position())
            top = top_geo.top() + (line.y() if line.isValid() else 0.0)
            line = last.layout().lineForTextPosition(b - last.position())
            bottom = bottom_geo.top() + (line.y() + line.height() if line.isValid()
                                         else bottom_geo.height())
            out |= QRect(0, int(top) - margin, viewport.width(),
                         int(bottom - top + 1) + 2 * margin)
        return out & viewport

    # -- hit testing ------------------------------------------------------------------------------

    def char_at(self, point: QPoint | QPointF) -> int:
        """Code point of the character under ``point`` (viewport coordinates), or -1."""
        p = QPointF(point)
        cur = self.cursorForPosition(p.toPoint())
        block = cur.block()
        if not self._text or not block.isValid():
            return -1
        geo = self.blockBoundingGeometry(block).translated(self.contentOffset())
        x, y = p.x() - geo.left(), p.y() - geo.top()
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            if line.y() <= y < line.y() + line.height():
                break
        else:
            return -1
        if not line.x() <= x < line.x() + line.naturalTextWidth():
            return -1
        pos = line.xToCursor(x, QTextLine.CursorPosition.CursorOnCharacter)
        if not line.textStart() <= pos < line.textStart() + line.textLength():
            return -1
        return self._offsets.to_codepoint(block.position() + pos)

    def spans_at(self, cp: int) -> list[Any]:
        """Spans of the span index covering ``cp`` (empty without an index)."""
        return self._index.spans_at(cp) if self._index is not None and cp >= 0 else []

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        super().mouseMoveEvent(event)
        self._set_hover(self.char_at(event.position()))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        pos = event.position().toPoint()
        if (
            event.button() == Qt.MouseButton.LeftButton
            and press is not None
            and (pos - press).manhattanLength() < QApplication.startDragDistance()
        ):
            self.clickedCp.emit(self.char_at(pos))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        """Selects the word under the mouse with the word finder (see ``set_word_finder``)."""
        if self._word_finder is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        event.accept()
        cp = self.char_at(event.position())
        if cp < 0:
            return
        start, end = self._word_finder(cp)
        if start < end:
            self.select_cp(start, end, ensure_visible=False)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().leaveEvent(event)
        self._set_hover(-1)

    def _set_hover(self, cp: int) -> None:
        if cp == self._hover_cp:
            return
        self._hover_cp = cp
        self.hoveredPositionChanged.emit(cp)
        spans = self.spans_at(cp)
        ids = [sp.id for sp in spans]
        if ids != self._hover_ids:
            self._hover_ids = ids
            self.hoveredSpansChanged.emit(spans)

    def _default_tooltip(self, cp: int) -> str | None:
        lines = []
        for sp in self.spans_at(cp):
            snippet = self._text[sp.start : sp.end]
            if len(snippet) > 40:
                snippet = snippet[:39] + "…"
            lines.append(f"{sp.label}: {snippet}")
        return "\n".join(lines) or None

    def tooltip_html_at(self, cp: int) -> str | None:
        """The tooltip markup for character ``cp``: the provider's plain text, escaped."""
        text = self._tooltip_provider(cp) if cp >= 0 else None
        return plain_text_html(text) if text else None

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_html_at(self.char_at(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    # -- input methods ----------------------------------------------------------------------------

    def is_composing(self) -> bool:
        """True while an input method has uncommitted preedit text."""
        return self._composing

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802 (Qt override)
        """Tracks composition; inserts nothing (read-only) and never creates spans."""
        self._set_composing(bool(event.preeditString()))
        event.accept()

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self._set_composing(False)

    def _set_composing(self, composing: bool) -> None:
        if composing != self._composing:
            self._composing = composing
            self.compositionChanged.emit(composing)

    # -- transient layers (ExtraSelections) -----------------------------------------------------

    def set_transient(
        self, kind: str, ranges: Iterable[tuple[int, int]], fmt: QTextCharFormat | None = None
    ) -> None:
        """Show code-point ranges as layer ``kind`` ("find", "hover", "focus" or any name),
        replacing that layer. Later kinds in ``TRANSIENT_ORDER`` paint over earlier ones."""
        spans = sorted(ranges)
        longest = max((end - start for start, end in spans), default=0)
        self._transient[kind] = (spans, fmt or default_transient_format(kind), longest)
        self._refresh_transient()

    def clear_transient(self, kind: str | None = None) -> None:
        """Remove one layer, or all layers."""
        if kind is None:
            self._transient.clear()
        else:
            self._transient.pop(kind, None)
        self._refresh_transient()

    def transient_ranges(self, kind: str) -> list[tuple[int, int]]:
        """The ranges of layer ``kind`` (all of them, not only the visible ones)."""
        layer = self._transient.get(kind)
        return list(layer[0]) if layer else []

    def _refresh_transient(self, *_: object) -> None:
        if not self._transient:
            if self.extraSelections():
                self.setExtraSelections([])
            return
        lo, hi = self._window_cp()
        doc, to16 = self.document(), self._offsets.to_utf16
        selections = []
        for kind in sorted(self._transient, key=_stack_key):
            ranges, fmt, longest = self._transient[kind]
            i = bisect_left(ranges, (lo - longest, -1))
            while i < len(ranges) and ranges[i][0] <= hi:
                start, end = ranges[i]
                i += 1
                if end < lo:
                    continue
                sel = QTextEdit.ExtraSelection()
                cur = QTextCursor(doc)
                cur.setPosition(to16(start))
                cur.setPosition(to16(end), QTextCursor.MoveMode.KeepAnchor)
                sel.cursor, sel.format = cur, fmt
                selections.append(sel)
        self.setExtraSelections(selections)

    def _window_cp(self) -> tuple[int, int]:
        """Code-point range of the visible blocks plus a screenful before and after."""
        doc = self.document()
        lines = max(1, self.viewport().height() // max(1, self.fontMetrics().lineSpacing()))
        first = self.firstVisibleBlock().blockNumber()
        top = doc.findBlockByNumber(max(0, first - lines))
        bottom = doc.findBlockByNumber(min(doc.blockCount() - 1, first + 2 * lines + 1))
        lo = self._offsets.to_codepoint(top.position())
        hi = self._offsets.to_codepoint(bottom.position() + bottom.length() - 1)
        return lo, hi

    # -- drawing over the text -----------------------------------------------------------------

    def add_painter(self, paint: Callable[[QPainter, QPaintEvent], None]) -> None:
        """Call ``paint(painter, event)`` after the text of every viewport paint, with a painter
        on the viewport (clipped to the event's region): an overlay drawn in the same pass as the
        text, without a widget of its own. It must not change the document."""
        self._painters.append(paint)

    def set_before_paint(self, prepare: Callable[[QRect], None] | None) -> None:
        """Call ``prepare(rect)`` with the viewport rectangle a paint is about to draw, before
        it draws it (e.g. to highlight blocks still pending; see :meth:`blocks_in`)."""
        self._before_paint = prepare

    def blocks_in(self, rect: QRect) -> tuple[int, int]:
        """The first and last block numbers a viewport rectangle shows."""
        first = self.cursorForPosition(rect.topLeft()).blockNumber()
        last = self.cursorForPosition(rect.bottomRight()).blockNumber()
        return first, max(first, last)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self._before_paint is not None:
            self._before_paint(event.rect())
        super().paintEvent(event)
        if self._painters:
            painter = QPainter(self.viewport())
            try:
                for paint in self._painters:
                    paint(painter, event)
            finally:
                painter.end()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._refresh_transient()
