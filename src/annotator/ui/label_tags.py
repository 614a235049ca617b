"""Label tags: each span's label drawn on the text, for the visible blocks only.

``LabelTagOverlay`` paints in the text view's viewport right after the text, in the same paint
pass (``AnnotationTextView.add_painter``); it has no widget, so mouse events reach the text as
before. Only the visible blocks are drawn; each block's drawing is kept as an image until its
spans, the focus, the colours or the layout change. Nothing is inserted into the document:
the text, its revision, the modified flag, the selection and the offsets never change.

What it draws, per visible block (line), from the span index:

- **a tag at each span start**: the label name in a small font, on a chip in the label colour,
  sitting on the top edge of the line: four fifths of it over the bottom of the line above,
  a fifth over the top of the span's first glyphs, so the labelled text stays readable. Tags
  starting at the same place (or closer than a tag's width) are put side by side, longest
  span first. A span of another layer (a colleague's, the reviewed layer) has
  an outlined chip with italic text instead of a filled one;
- **stacked underlines** where spans overlap: every span of an overlapping group gets its own
  row under the text (2 px, in its label colour; dotted for another layer), so a span nested
  in another one, and two overlapping spans of the same label, show as separate rows;
- **the focused span**: an outline box around each of its line pieces and a bold tag with a
  dark border.

``drawn`` lists what the last paint drew (for tests): ``(kind, span id, QRectF)`` with kind
``"tag"``, ``"underline"`` or ``"focus"``. Offsets are code points; they are converted to the
document's UTF-16 positions with the view's ``Utf16Map`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPixmap,
    QPen,
    QTextBlock,
    QTextLayout,
    QTextLine,
)

from annotator.domain.span_index import SpanIndex
from annotator.ui.text_view import AnnotationTextView

__all__ = ["LabelTagOverlay", "MAX_TAG_CHARS", "UNDERLINE_ROWS", "tag_text", "underline_rows"]

#: Longer label names are cut (with "…") on the tag; the tooltip has the whole name.
MAX_TAG_CHARS = 12
#: Underline rows drawn under a line; deeper overlaps share the last row.
UNDERLINE_ROWS = 3
#: Width of the stub standing for a further layer's tag of the same range and label.
STUB_WIDTH = 5.0
#: Pixels between underline rows (each row is 2 px thick).
ROW_STEP = 2.5
#: Tag font size relative to the text font.
TAG_SCALE = 0.5


def tag_text(label: str) -> str:
    """What a tag shows for ``label`` (cut to ``MAX_TAG_CHARS``)."""
    return label if len(label) <= MAX_TAG_CHARS else label[: MAX_TAG_CHARS - 1] + "…"


def underline_rows(spans: list[Any]) -> dict[Hashable, int]:
    """Row of every span that overlaps another one of ``spans`` (0 = nearest the text).

    Spans are sorted by start (longer first); each takes the lowest row free at its start, so
    overlapping spans never share a row (up to ``UNDERLINE_ROWS``). Spans overlapping no other
    span get no row: their background says enough.
    """
    order = sorted(spans, key=lambda s: (s.start, -s.end, str(s.id)))
    rows: dict[Hashable, int] = {}
    group: list[Any] = []
    group_end = -1
    row_ends: list[int] = []

    def close() -> None:
        if len(group) > 1:
            for sp, row in group:
                rows[sp.id] = row

    for sp in order:
        if sp.start >= group_end:
            close()
            group, row_ends, group_end = [], [], sp.end
        else:
            group_end = max(group_end, sp.end)
        for row, end in enumerate(row_ends):
            if end <= sp.start:
                row_ends[row] = sp.end
                break
        else:
            row = len(row_ends)
            row_ends.append(sp.end)
        group.append((sp, min(row, UNDERLINE_ROWS - 1)))
    close()
    return rows


def _x(line: QTextLine, pos: int) -> float:
    """``QTextLine.cursorToX`` as a number (PySide6 returns ``(x, pos)`` for the int overload)."""
    x = line.cursorToX(pos)
    return float(x[0] if isinstance(x, tuple) else x)


def _pieces(layout: QTextLayout, a: int, b: int) -> list[tuple[QTextLine, float, float]]:
    """``(line, x1, x2)`` for each wrapped line that block positions ``[a, b)`` cover."""
    out = []
    first = layout.lineForTextPosition(a)
    if not first.isValid():
        return out
    for i in range(first.lineNumber(), layout.lineCount()):
        line = layout.lineAt(i)
        ls, le = line.textStart(), line.textStart() + line.textLength()
        if ls >= b:
            break
        x1 = _x(line, max(a, ls))
        x2 = _x(line, min(b, le))
        if x2 > x1:
            out.append((line, x1, x2))
    return out


class _TagStyle(NamedTuple):
    text: str
    font: QFont
    fill: QColor
    border: QPen
    ink: QPen
    width: float
    height: float
    baseline: float
    under: QPen


#: A block's drawing: (image or None, items in block coordinates, line count, width).
_Entry = tuple[QPixmap | None, list[tuple[str, Hashable, QRectF]], int, float]


def _contrast(color: QColor) -> QColor:
    return QColor("#000000" if color.lightnessF() > 0.55 else "#ffffff")


class LabelTagOverlay(QObject):
    """Paints label tags, stacked underlines and the focused span's outline over ``view``,
    in the viewport's own paint (``AnnotationTextView.add_painter``): no widget of its own, so
    a change repaints the text and its tags once.

    Expects ``index_provider()`` to return the span index being shown (or None) and
    ``color_of(label)`` a ``#rrggbb`` colour. Follows the view's scrolling, resizing and
    repaints by itself (``updateRequest``, the document layout's ``updateBlock`` and
    ``update``: each block's drawing is kept as an image until its spans change). Emits nothing.
    ``set_enabled(on)`` shows or hides it; ``set_focused_span(id)`` marks the focused span.
    """

    def __init__(self, view: AnnotationTextView,
                 index_provider: Callable[[], SpanIndex | None],
                 color_of: Callable[[str], str]) -> None:
        super().__init__(view)
        self.setObjectName("labelTagOverlay")
        self._enabled = False
        self._view = view
        self._index_provider = index_provider
        self._color_of = color_of
        self._focused: Hashable | None = None
        #: block number -> (image or None, items in block coordinates, line count, width)
        self._cache: dict[int, _Entry] = {}
        self._cache_key: object = None
        self._frame: list[tuple[QPointF, list[tuple[str, Hashable, QRectF]]]] = []
        self._margin: float | None = None
        self._styles: dict[tuple[str, int], _TagStyle] = {}
        self._style_key: object = None
        metrics = QFontMetricsF(view.font())
        self._under_top = metrics.ascent() + max(1.0, metrics.underlinePos())
        view.updateRequest.connect(self._follow)
        layout = view.document().documentLayout()
        layout.updateBlock.connect(self._block_changed)
        layout.update.connect(self.invalidate)
        view.add_painter(self._paint)

    @property
    def drawn(self) -> list[tuple[str, Hashable, QRectF]]:
        """What the last paint drew: ``(kind, span id, rect in viewport coordinates)``."""
        return [(kind, sid, rect.translated(origin))
                for origin, items in self._frame for kind, sid, rect in items]

    def invalidate(self, *_: object) -> None:
        """Forget every line's drawing (colours, layout or the whole text changed)."""
        self._cache.clear()
        self._styles.clear()

    def invalidate_blocks(self, numbers: Iterable[int]) -> None:
        """Forget the drawing of blocks ``numbers`` (their spans changed)."""
        for n in numbers:
            self._cache.pop(n, None)

    def _block_changed(self, block: QTextBlock) -> None:
        # The highlighter re-highlights every block whose spans (or focus) change.
        self._cache.pop(block.blockNumber(), None)

    # -- state ------------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """True while tags are shown."""
        return self._enabled

    def set_enabled(self, on: bool) -> None:
        """Show (``True``) or hide the tags (the visible lines are repainted)."""
        if on != self._enabled:
            self._enabled = on
            self._frame = []
            self._view.viewport().update()

    def repaint(self) -> None:
        """Repaint the whole viewport (text and tags) now."""
        self._view.viewport().repaint()

    def set_focused_span(self, span_id: Hashable | None) -> None:
        """Mark the focused span (``None``: none); repaints only the old and new span's lines."""
        if span_id == self._focused:
            return
        old, self._focused = self._focused, span_id
        index = self._index_provider()
        for sid in (old, span_id):
            span = index.get(sid) if index is not None and sid is not None else None
            if span is not None:
                self.invalidate_blocks(index.blocks_of(span.start, span.end))
        if self._enabled:
            for sid in (old, span_id):
                self._update_span(sid)

    def _update_span(self, span_id: Hashable | None) -> None:
        """Schedule a repaint of the visible lines of span ``span_id`` (with tag and rows)."""
        index = self._index_provider()
        span = index.get(span_id) if index is not None and span_id is not None else None
        if span is None:
            return
        view = self._view
        doc = view.document()
        first = view.firstVisibleBlock().blockNumber()
        blocks = index.blocks_of(span.start, span.end)
        lo, hi = max(blocks.start, first), blocks.stop - 1
        if lo > hi:
            return
        offset = view.contentOffset()
        viewport = view.viewport()
        top = view.blockBoundingGeometry(doc.findBlockByNumber(lo)).translated(offset)
        if top.top() > viewport.height():
            return
        bottom = view.blockBoundingGeometry(doc.findBlockByNumber(hi)).translated(offset)
        m = self._tag_margin() + 2
        viewport.update(QRectF(0, top.top() - m, viewport.width(),
                               bottom.bottom() - top.top() + 2 * m).toAlignedRect())

    def _tag_margin(self) -> float:
        """How far tags reach above a line's top (repaints are widened by this)."""
        if self._margin is None:
            self._margin = QFontMetricsF(self._small_font(False)).height()
        return self._margin

    def _follow(self, rect: QRect, dy: int) -> None:
        """The view repaints ``rect`` (a changed block, the cursor): its tags reach into the
        line above and its rows below, so repaint a little more (a scroll repaints all)."""
        if self._enabled and not dy and rect.width() > 0:
            m = int(self._tag_margin()) + 2
            self._view.viewport().update(rect.adjusted(0, -m, 0, m))

    def _small_font(self, bold: bool) -> QFont:
        # The application's font, not the text's: the text view's font may have extra room
        # above its glyphs (furigana), which would make the chips taller.
        small = QFont()
        small.setPointSizeF(max(6.5, self._view.font().pointSizeF() * TAG_SCALE))
        small.setBold(bold)
        return small

    def _style(self, label: str, kind: int) -> _TagStyle:
        """How a tag of ``label`` looks: kind 0 my span, 1 another layer's, 2 the focused."""
        key = (label, kind)
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self._make_style(label, kind)
        return style

    def _make_style(self, label: str, kind: int) -> _TagStyle:
        palette = self._view.palette()
        color = QColor(self._color_of(label))
        font = self._small_font(kind == 2)
        font.setItalic(kind == 1)
        if kind == 1:
            fill = QColor(palette.base().color())
            fill.setAlpha(235)
            border = QPen(color, 1.0, Qt.PenStyle.DotLine)
            ink = color.darker(160) if color.lightnessF() > 0.5 else color
        else:
            fill = QColor(color)
            fill.setAlpha(200)
            border = QPen(color.darker(130), 1.0)
            ink = _contrast(color)
        if kind == 2:
            border = QPen(QColor(palette.text().color()), 1.5)
        metrics = QFontMetricsF(font)
        text = tag_text(label)
        width = metrics.horizontalAdvance(text) + 4.0
        height = metrics.ascent() + metrics.descent() * 0.5
        under = QPen(color, 2.0)
        under.setCapStyle(Qt.PenCapStyle.FlatCap)
        if kind == 1:
            under.setStyle(Qt.PenStyle.DotLine)
        return _TagStyle(text, font, fill, border, QPen(ink), width, height,
                         metrics.ascent() - metrics.descent() * 0.25, under)

    # -- painting ---------------------------------------------------------------------------------

    def _paint(self, painter: QPainter, event: QPaintEvent) -> None:
        """Draws the tags of the visible blocks in ``event``'s area (after the text)."""
        view = self._view
        index = self._index_provider()
        self._frame = []
        if not self._enabled or index is None or not view.canonical_text or not len(index):
            return
        key = (self._color_of, view.font().toString(), view.palette().cacheKey())
        if key != self._style_key:
            self._styles.clear()
            self._cache.clear()
            self._style_key = key
            self._margin = None
            metrics = QFontMetricsF(view.font())
            self._under_top = metrics.ascent() + max(1.0, metrics.underlinePos())
        viewport = view.viewport()
        cache_key = (id(index), id(view.canonical_text), viewport.width())
        if cache_key != self._cache_key:
            self._cache.clear()
            self._cache_key = cache_key
        clip = QRectF(event.rect())
        margin = self._tag_margin() + 2
        cache = self._cache
        block = view.firstVisibleBlock()
        offset = view.contentOffset()
        height = viewport.height()
        while block.isValid():
            geo = view.blockBoundingGeometry(block).translated(offset)
            if geo.top() > height or geo.top() - margin > clip.bottom():
                break
            n = block.blockNumber()
            if block.isVisible() and geo.bottom() + margin >= clip.top() \
                    and n < index.block_count:
                entry = cache.get(n)
                if entry is None or entry[2] != block.layout().lineCount() \
                        or entry[3] != geo.width():
                    entry = cache[n] = self._record_block(index, block, n, geo.width(),
                                                          geo.height(), margin)
                if entry[0] is not None:
                    origin = QPointF(geo.left(), geo.top())
                    painter.drawPixmap(QPointF(geo.left(), geo.top() - margin), entry[0])
                    self._frame.append((origin, entry[1]))
            block = block.next()

    def _record_block(self, index: SpanIndex, block: QTextBlock, n: int, width: float,
                      height: float, margin: float) -> _Entry:
        """Draw block ``n`` into a transparent image reaching ``margin`` above and below it
        (tags sit over the line above, rows under the last line), kept until the block
        changes (``_block_changed``, ``invalidate``): repainting it is a copy."""
        items: list[tuple[str, Hashable, QRectF]] = []
        count = block.layout().lineCount()
        spans = index.spans_in_block(n) if count else []
        if not spans:
            return None, items, count, width
        ratio = self._view.viewport().devicePixelRatioF()
        image = QPixmap(max(1, round(width * ratio)), max(1, round((height + 2 * margin) * ratio)))
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.translate(0, margin)
        self._paint_block(painter, index, block, n, spans, items)
        painter.end()
        return (image if items else None), items, count, width

    def _paint_block(self, painter: QPainter, index: SpanIndex, block: QTextBlock, n: int,
                     spans: list[Any], drawn: list[tuple[str, Hashable, QRectF]]) -> None:
        layout = block.layout()
        offsets = self._view.offsets
        origin = block.position()
        bs, be = index.block_start(n), index.block_end(n)
        if offsets.to_utf16(be) - origin == be - bs:  # no astral character in the block
            def local(cp: int) -> int:
                return cp - bs
        else:
            def local(cp: int) -> int:
                return offsets.to_utf16(cp) - origin
        own = index.own_layer
        left = top = 0.0
        in_block = [sp for sp in spans if sp.start < be and sp.end > bs]
        style_of = self._style
        single = layout.lineCount() == 1
        line0 = layout.lineAt(0)

        def pieces(a: int, b: int) -> list[tuple[QTextLine, float, float]]:
            if single:
                return [(line0, _x(line0, a), _x(line0, b))]
            return _pieces(layout, a, b)

        def kind_of(sp: Any) -> int:
            return 1 if own is not None and getattr(sp, "annotator", own) != own else 0

        # stacked underlines where spans overlap; row 0 where Qt draws an underline (over the
        # highlighter's wave), then downwards
        under_top = self._under_top
        rows = underline_rows(in_block)  # of the whole block: a partial repaint draws the same
        if rows:
            for sp in spans:
                row = rows.get(sp.id)
                if row is None:
                    continue
                painter.setPen(style_of(sp.label, kind_of(sp)).under)
                for line, x1, x2 in pieces(local(max(sp.start, bs)), local(min(sp.end, be))):
                    y = top + line.y() + under_top + row * ROW_STEP
                    painter.drawLine(QPointF(left + x1, y), QPointF(left + x2, y))
                    drawn.append(("underline", sp.id, QRectF(left + x1, y - 1, x2 - x1, 2)))

        # the focused span's outline
        focused = self._focused
        if focused is not None:
            for sp in spans:
                if sp.id != focused:
                    continue
                painter.setPen(QPen(QColor(self._view.palette().text().color()), 2.0))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for line, x1, x2 in pieces(local(max(sp.start, bs)), local(min(sp.end, be))):
                    rect = QRectF(left + x1 - 1, top + line.y(), x2 - x1 + 2, line.height())
                    painter.drawRect(rect)
                    drawn.append(("focus", sp.id, rect))

        # tags at span starts (longest first), side by side where they would overlap
        starting = [sp for sp in spans if sp.start >= bs]
        if not starting:
            return
        # the same range and label in several layers (agreement) is one tag and a narrow stub
        # per further layer, so agreeing annotators do not double the tags
        starting.sort(key=lambda sp: (sp.start, -sp.end, sp.label, kind_of(sp), str(sp.id)))
        seen: set[tuple[int, int, str]] = set()
        right_edge: dict[int, float] = {}
        current_font = None
        first_top = self._view.document().documentMargin() if n == 0 else 0.0
        for sp in starting:
            u = local(sp.start)
            line = line0 if single else layout.lineForTextPosition(u)
            if not line.isValid():
                continue
            style = style_of(sp.label, 2 if sp.id == focused else kind_of(sp))
            number = line.lineNumber()
            x = left + _x(line, u)
            edge = right_edge.get(number)
            if edge is not None and edge > x:
                x = edge
            twin = (sp.start, sp.end, sp.label)
            stub = twin in seen and sp.id != focused
            seen.add(twin)
            width = STUB_WIDTH if stub else style.width
            h = style.height
            # the chip sits on the line's top edge: a fifth of it covers the top of the
            # span's first glyphs, the rest lies over the gap below the line above
            y = top + line.y() - h * 0.8
            if n == 0 and number == 0:  # nothing above the first line: keep the tag whole
                y = max(y, top - first_top)
            rect = QRectF(x, y, width, h)
            right_edge[number] = x + width + 1
            painter.setPen(style.border)
            painter.setBrush(style.fill)
            painter.drawRect(rect)
            drawn.append(("tag", sp.id, rect))
            if stub:
                continue
            if style.font is not current_font:
                painter.setFont(style.font)
                current_font = style.font
            painter.setPen(style.ink)
            painter.drawText(QPointF(x + 2.0, y + style.baseline), style.text)

