"""Furigana: hiragana readings drawn above kanji words, for the visible blocks only.

``FuriganaOverlay`` is a transparent child widget covering the text view's viewport; it paints
after the text (children paint over their parent) and lets every mouse event through. Nothing
is inserted into the document: the stored text, the offsets, the selection and the undo state
never change (Qt rich text has no ruby anyway). Readings are pykakasi's guesses, drawn small
and in a muted colour; the words of each visible block come from the document's reading
index when it is ready, else from the block's line read on the fly (cached per block).

**Line height.** While shown, the readings have their own band of half an em (``ROOM``) in the
room above each line (:class:`annotator.ui.line_room.LineRoom`, shared with the label tags,
which stand above the readings; a plain text view cannot change its line height otherwise),
right above the glyphs, so they never collide with the line above or with a tag. The font the
view had comes back when furigana and tags are off. With a text font of another family there
is no room and the readings sit on the line's top edge.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QTextLine
from PySide6.QtWidgets import QWidget

from annotator.services.japanese import ReadingIndex, Token
from annotator.services.japanese.chars import KANJI_CLASS
from annotator.services.japanese.local_tokens import tokens_covering
from annotator.ui.line_room import LineRoom
from annotator.ui.reading.ruby_font import ROOM
from annotator.ui.text_view import AnnotationTextView

__all__ = ["FuriganaOverlay", "has_kanji"]

_KANJI = re.compile(f"[{KANJI_CLASS}]")
#: Blocks longer than this are not read on the fly (the index covers them once built).
MAX_LIVE_BLOCK = 4000


def has_kanji(s: str) -> bool:
    """True when ``s`` holds at least one kanji (only such words get furigana)."""
    return _KANJI.search(s) is not None


def _x(line: QTextLine, pos: int) -> float:
    """``QTextLine.cursorToX`` as a number (PySide6 returns ``(x, pos)`` for the int overload)."""
    x = line.cursorToX(pos)
    return float(x[0] if isinstance(x, tuple) else x)


class FuriganaOverlay(QWidget):
    """Paints readings over kanji words of the visible blocks of ``view`` while shown.

    Expects ``index_provider()`` to return the current document's index or None. Follows
    the view's scrolling, resizing and text changes by itself (``updateRequest`` and an event
    filter on the viewport). ``set_enabled(on)`` shows or hides it. Emits nothing.
    """

    def __init__(self, view: AnnotationTextView, index_provider: Callable[[], ReadingIndex | None]) -> None:
        super().__init__(view.viewport())
        self.setObjectName("furiganaOverlay")
        self._view = view
        self._index_provider = index_provider
        self._cache: dict[tuple[int, int], list[Token]] = {}
        self._cache_text = ""
        self.drawn: list[tuple[int, int, str]] = []  # (start, end, reading) painted last time
        #: Rectangles of the readings painted last time (viewport coordinates), as ``drawn``.
        self.drawn_rects: list[QRectF] = []
        self._line_room = LineRoom.of(view)
        self._band = (0.0, 0.0)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        view.viewport().installEventFilter(self)
        view.updateRequest.connect(self._follow)
        self.hide()

    def set_enabled(self, on: bool) -> None:
        view = self._view
        if on:
            self._line_room.request("furigana", ROOM)
            self.setGeometry(view.viewport().rect())
            self.show()
            self.raise_()
            self.update()
        else:
            self.hide()
            self.drawn, self.drawn_rects = [], []
            self._line_room.request("furigana", 0)

    def room(self) -> float:
        """Pixels of the readings' band above each line's glyphs (0 without room)."""
        return self._line_room.band("furigana")[1]

    def _follow(self, *_: object) -> None:
        if self.isVisible():
            if self.geometry() != self._view.viewport().rect():
                self.setGeometry(self._view.viewport().rect())
            self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self._view.viewport().rect())
        return False

    # -- words ------------------------------------------------------------------------------------

    def _block_tokens(self, start: int, end: int) -> list[Token]:
        text = self._view.canonical_text
        if text is not self._cache_text:
            self._cache, self._cache_text = {}, text
        index = self._index_provider()
        if index is not None and (index.text is text or index.text == text):
            return tokens_covering(text, start, end, index) if start < end else []
        if end - start > MAX_LIVE_BLOCK or start >= end:
            return []
        key = (start, end)
        if key not in self._cache:
            self._cache[key] = tokens_covering(text, start, end)
        return self._cache[key]

    # -- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        view = self._view
        text = view.canonical_text
        self.drawn, self.drawn_rects = [], []
        if not text:
            return
        offsets = view.offsets
        base = self._line_room.plain_font
        self._band = self._line_room.band("furigana")
        small = QFont(base)
        small.setPointSizeF(max(5.0, base.pointSizeF() * 0.5))
        metrics = QFontMetricsF(small)
        painter = QPainter(self)
        painter.setFont(small)
        color = QColor(view.palette().text().color())
        color.setAlpha(150)
        painter.setPen(color)
        block = view.firstVisibleBlock()
        offset = view.contentOffset()
        height = self.height()
        while block.isValid():
            geo = view.blockBoundingGeometry(block).translated(offset)
            if geo.top() > height:
                break
            if block.isVisible() and geo.bottom() >= 0:
                self._paint_block(painter, metrics, block, geo, offsets)
            block = block.next()
        painter.end()

    def _paint_block(self, painter: QPainter, metrics: QFontMetricsF, block, geo, offsets) -> None:  # type: ignore[no-untyped-def]
        u_start = block.position()
        start = offsets.to_codepoint(u_start)
        end = offsets.to_codepoint(u_start + block.length() - 1)
        layout = block.layout()
        for token in self._block_tokens(start, end):
            if token.kind != "word" or token.end <= start or token.start >= end:
                continue
            if not has_kanji(token.surface) or token.hira == token.surface:
                continue
            a = offsets.to_utf16(max(token.start, start)) - u_start
            b = offsets.to_utf16(min(token.end, end)) - u_start
            line = layout.lineForTextPosition(a)
            if not line.isValid():
                continue
            x1 = _x(line, a)
            same_line = layout.lineForTextPosition(max(a, b - 1)).lineNumber() == line.lineNumber()
            x2 = _x(line, b) if same_line else line.x() + line.naturalTextWidth()
            top = geo.top() + line.y()
            width = max(x2 - x1, metrics.horizontalAdvance(token.hira))
            band_top, room = self._band
            # In its band right above the glyphs when there is room, else on the line's top edge.
            y = (top + band_top + max(0.0, room - metrics.height()) if room
                 else top - metrics.ascent() * 0.55)
            rect = QRectF(geo.left() + (x1 + x2) / 2 - width / 2, y, width, metrics.height())
            painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, token.hira)
            self.drawn.append((token.start, token.end, token.hira))
            self.drawn_rects.append(rect)
