"""Label tags: each span's label drawn on the text, for the visible blocks only.

``LabelTagOverlay`` paints in the text view's viewport right after the text, in the same paint
pass (``AnnotationTextView.add_painter``); it has no widget, so mouse events reach the text as
before. Only the visible blocks are drawn; each block's drawing is worked out once (a display
list of rectangles, lines and static texts, batched per style) and kept until its spans, the
colours or the layout change (the focus is drawn over it, so moving the focus works out
nothing again); the x position of each character offset asked is kept per block until the
layout changes, so a block whose spans change measures only the new offsets; the blocks of the next and previous page are worked
out from the event loop, so paging finds them ready. Nothing is inserted into the document:
the text, its revision, the modified flag, the selection and the offsets never change.

**Room.** While tags are shown, every line has a band of room above its glyphs for them
(:class:`annotator.ui.line_room.LineRoom`, shared with the furigana, whose band lies between
the tags and the glyphs), so a tag covers neither the line above nor the text it labels.

What it draws, per visible block (line), from the span index:

- **a tag at each span start**: the label name in a small font, on a chip in the label colour,
  in the tags' band above the span's first glyphs. Tags starting at the same place (or closer
  than a tag's width) are put side by side, longest span first. A span of another layer (a
  colleague's, the reviewed layer) has an outlined chip with italic text instead of a filled
  one; where layers agree (same range and label) the further layers get a narrow stub; with
  ``set_suffix_provider`` a short text follows the label (the span's attribute values);
- **stacked underlines** where spans overlap: every span of an overlapping group gets its own
  row under the text (2 px, in its label colour; dotted for another layer), so a span nested
  in another one, and two overlapping spans of the same label, show as separate rows;
- **the focused span**: an outline box around each of its line pieces (its glyphs, not the
  room above them) and its tag drawn over again, opaque and with a border in the text colour
  (a stub of agreeing layers becomes a full tag).

``drawn`` lists what the last paint drew (for tests): ``(kind, span id, QRectF)`` with kind
``"tag"``, ``"underline"`` or ``"focus"``. Offsets are code points; they are converted to the
document's UTF-16 positions with the view's ``Utf16Map`` only. Without the bundled font (no
room can be made) the tags sit on the line's top edge, as small as possible.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple

from PySide6.QtCore import QLineF, QObject, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPen,
    QStaticText,
    QTextBlock,
    QTextLine,
    QTransform,
)

from annotator.domain.span_index import SpanIndex
from annotator.ui.line_room import LineRoom
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
    return x[0] if type(x) is tuple else float(x)


class _Lines:
    """A block's wrapped lines: where a block position is (line, x); each x is asked of Qt
    once (``xs``, which the overlay keeps while the block's lines stay the same)."""

    __slots__ = ("count", "key", "lines", "starts", "ends", "tops", "xs")

    def __init__(self, layout: Any) -> None:
        count = self.count = layout.lineCount()
        lines = self.lines = [layout.lineAt(i) for i in range(count)]
        self.starts = [line.textStart() for line in lines]
        self.ends = [line.textStart() + line.textLength() for line in lines]
        self.tops = [line.y() for line in lines]
        self.key = tuple(self.starts)
        self.xs: dict[int, float] = {}

    def x_at(self, i: int, u: int) -> float:
        """x of block position ``u`` on wrapped line ``i``."""
        key = u * 4096 + i
        x = self.xs.get(key)
        if x is None:
            x = self.xs[key] = _x(self.lines[i], u)
        return x

    def line_of(self, u: int) -> int:
        """The wrapped line holding block position ``u``."""
        return 0 if self.count == 1 else max(0, bisect_right(self.starts, u) - 1)

    def pieces(self, a: int, b: int) -> list[tuple[int, float, float]]:
        """(wrapped line, x1, x2) of block positions ``[a, b)``."""
        x_at = self.x_at
        if self.count == 1:
            return [(0, x_at(0, a), x_at(0, b))]
        starts, ends = self.starts, self.ends
        out = []
        i = self.line_of(a)
        while i < self.count and starts[i] < b:
            x1, x2 = x_at(i, max(a, starts[i])), x_at(i, min(b, ends[i]))
            if x2 > x1:
                out.append((i, x1, x2))
            i += 1
        return out


class _TagStyle(NamedTuple):
    text: str
    font: QFont
    fill: QColor
    border: QPen
    ink: QPen
    width: float
    height: float
    #: where the label's text starts, from the chip's top-left corner
    text_at: QPointF
    static: QStaticText
    under: QPen


class _Entry(NamedTuple):
    """A block's drawing, in block coordinates: computed once, drawn at every paint."""

    lines: int
    width: float
    #: (pen, lines) of the dotted underline rows (other layers')
    unders: list[tuple[QPen, list[QLineF]]]
    #: (colour, 2 px bands) of the solid underline rows (filled rectangles: the raster
    #: engine's fast path, where a 2 px pen is stroked as a path)
    bands: list[tuple[QColor, list[QRectF]]]
    #: (style, chip rectangles, text positions) per tag style
    chips: list[tuple[_TagStyle, list[QRectF], list[QPointF]]]
    #: what it draws, for ``drawn`` (underlines as their lines)
    items: list[tuple[str, Hashable, QRectF | QLineF]]


def _shape_key(item: tuple[str, Hashable, QRectF | QLineF]) -> tuple[Any, ...]:
    """A drawn item as ``(kind, span id, x, y, width, height)`` (an underline: its band)."""
    kind, sid, shape = item
    if isinstance(shape, QLineF):
        return (kind, sid, shape.x1(), shape.y1() - 1.0, shape.x2() - shape.x1(), 2.0)
    return (kind, sid, shape.x(), shape.y(), shape.width(), shape.height())


def _contrast(color: QColor) -> QColor:
    return QColor("#000000" if color.lightnessF() > 0.55 else "#ffffff")


class LabelTagOverlay(QObject):
    """Paints label tags, stacked underlines and the focused span's outline over ``view``,
    in the viewport's own paint (``AnnotationTextView.add_painter``): no widget of its own, so
    a change repaints the text and its tags once.

    Expects ``index_provider()`` to return the span index being shown (or None) and
    ``color_of(label)`` a ``#rrggbb`` colour. Follows the view's scrolling, resizing and
    repaints by itself (``updateRequest``, the document layout's ``updateBlock`` and
    ``update``: each block's drawing is kept until its spans change). Emits ``tagsMoved``.
    ``set_enabled(on)`` shows or hides it (and asks the view's :class:`LineRoom` for the tags'
    band above every line, or gives it back); ``set_focused_span(id)`` marks the focused span.

    After a paint, the lines of the page below and the page above are laid out and their
    drawing prepared from the event loop, a few milliseconds at a time (``PREPARE_BUDGET``),
    so paging through the text finds them ready; ``prepare_pending()`` does it at once.
    """

    #: Milliseconds of preparing per turn of the event loop.
    PREPARE_BUDGET = 0.004

    #: ``changed_rect`` found these spans' tags moved, appeared or went (span ids): what is
    #: anchored on them (relation arcs) is drawn anew.
    tagsMoved = Signal(list)  # noqa: N815

    def __init__(self, view: AnnotationTextView,
                 index_provider: Callable[[], SpanIndex | None],
                 color_of: Callable[[str], str]) -> None:
        super().__init__(view)
        self.setObjectName("labelTagOverlay")
        self._enabled = False
        self._view = view
        self._room = LineRoom.of(view)
        self._index_provider = index_provider
        self._color_of = color_of
        #: ``suffix_of(span)``: a short text after the label on the span's tag ("" none)
        self._suffix_of: Callable[[Any], str] | None = None
        self._focused: Hashable | None = None
        #: block number -> its drawing
        self._cache: dict[int, _Entry] = {}
        #: block number -> its drawing before its spans changed (until the next paint)
        self._stale: dict[int, _Entry] = {}
        #: block number -> (width, line starts, {offset * 4096 + line: x}): the x positions
        #: asked of the block's layout, kept while its lines stay as they were
        self._xs: dict[int, tuple[float, tuple[int, ...], dict[int, float]]] = {}
        #: (block number, focused id, entry) -> the focused span's boxes in that block
        self._focus_boxes: dict[tuple[int, Hashable, int], list[QRectF]] = {}
        self._cache_key: object = None
        self._frame: list[tuple[QPointF, list[tuple[str, Hashable, QRectF | QLineF]]]] = []
        self._tags: dict[Hashable, tuple[QPointF, QRectF | QLineF]] = {}
        self._tags_of: object = None
        self._margin: float | None = None
        self._styles: dict[tuple[str, int, str], _TagStyle] = {}
        self._style_key: object = None
        self._geometry: tuple[float, float, float] | None = None
        self._prepare: list[int] = []
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(0)
        self._prepare_timer.timeout.connect(self._prepare_some)
        view.updateRequest.connect(self._follow)
        layout = view.document().documentLayout()
        layout.updateBlock.connect(self._block_changed)
        layout.update.connect(self.invalidate)
        self._room.changed.connect(self.invalidate)
        view.add_painter(self._paint)

    @property
    def drawn(self) -> list[tuple[str, Hashable, QRectF]]:
        """What the last paint drew: ``(kind, span id, rect in viewport coordinates)``."""
        out = []
        for origin, items in self._frame:
            for kind, sid, shape in items:
                if isinstance(shape, QLineF):  # an underline row: its 2 px band
                    shape = QRectF(shape.x1(), shape.y1() - 1, shape.x2() - shape.x1(), 2)
                out.append((kind, sid, shape.translated(origin)))
        return out

    def tag_rect(self, span_id: Hashable) -> QRectF | None:
        """Where the last paint drew the tag of ``span_id`` (viewport coordinates), or None
        (not on a line that paint drew): for drawings anchored on tags (relation arcs)."""
        frame = self._frame
        if self._tags_of is not frame:
            self._tags = {sid: (origin, shape) for origin, items in frame
                          for kind, sid, shape in items if kind == "tag"}
            self._tags_of = frame
        found = self._tags.get(span_id)
        return None if found is None else found[1].translated(found[0])  # type: ignore[union-attr]

    def invalidate(self, *_: object) -> None:
        """Forget every line's drawing (colours, layout or the whole text changed)."""
        self._cache.clear()
        self._stale.clear()
        self._xs.clear()
        self._focus_boxes.clear()
        self._styles.clear()
        self._geometry = None
        self._margin = None

    def invalidate_blocks(self, numbers: Iterable[int]) -> None:
        """Forget the drawing of blocks ``numbers`` (their spans changed)."""
        for n in numbers:
            self._cache.pop(n, None)

    def _block_changed(self, block: QTextBlock) -> None:
        # The highlighter re-highlights every block whose spans change; the old drawing is
        # kept until the next paint for ``changed_rect``.
        n = block.blockNumber()
        old = self._cache.pop(n, None)
        if old is not None:
            self._stale[n] = old

    def changed_rect(self, numbers: Iterable[int]) -> QRect:
        """The viewport area where the drawing of blocks ``numbers`` (told about since the
        last paint) differs from what was drawn: each changed tag and underline row, before
        and after; a visible block drawn for the first time, whole. Works the new drawings
        out now (the next paint uses them)."""
        out = QRect()
        moved: set[Hashable] = set()
        index = self._index_provider()
        view = self._view
        if not self._enabled or index is None or not view.canonical_text:
            return out
        self._check_keys(index)
        doc, offset = view.document(), view.contentOffset()
        height = view.viewport().height()
        m = int(self._tag_margin()) + 2
        for n in numbers:
            block = doc.findBlockByNumber(n)
            if not block.isValid() or not block.isVisible() or n >= index.block_count:
                continue
            geo = view.blockBoundingGeometry(block).translated(offset)
            if geo.bottom() + m < 0 or geo.top() - m > height:
                continue
            old = self._stale.pop(n, None)
            new = self._entry(index, block, n, geo.width())
            if old is None or old.lines != new.lines or old.width != new.width:
                out |= geo.toAlignedRect().adjusted(0, -m, 0, m)
                continue
            before, after = set(map(_shape_key, old.items)), set(map(_shape_key, new.items))
            for kind, sid, x, y, w, h in before ^ after:
                out |= QRectF(x + geo.left(), y + geo.top(), w, h).toAlignedRect().adjusted(
                    -2, -2, 2, 2)
                if kind == "tag":
                    moved.add(sid)
        if moved:
            self.tagsMoved.emit(sorted(moved, key=str))
        return out

    # -- state ------------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """True while tags are shown."""
        return self._enabled

    def set_enabled(self, on: bool) -> None:
        """Show (``True``) or hide the tags (the visible lines are repainted); while shown,
        every line has the tags' band of room above its glyphs."""
        if on != self._enabled:
            self._enabled = on
            self._frame = []
            self._prepare = []
            self._room.request("tags", self.band_em() if on else 0)
            self._view.viewport().update()

    def band_em(self) -> float:
        """The room the tags need above a line, in em of the text font (a chip and 2 px)."""
        plain = self._room.plain_font
        pixels = plain.pixelSize()
        if pixels <= 0:
            pixels = plain.pointSizeF() * self._view.logicalDpiY() / 72.0
        metrics = QFontMetricsF(self._small_font(True))
        return (metrics.ascent() + metrics.descent() * 0.5 + 2.0) / max(1.0, pixels)

    def repaint(self) -> None:
        """Repaint the whole viewport (text and tags) now."""
        self._view.viewport().repaint()

    def set_focused_span(self, span_id: Hashable | None) -> None:
        """Mark the focused span (``None``: none); repaints only the old and new span's lines
        (the blocks' drawings stay: the focus is drawn over them)."""
        if span_id == self._focused:
            return
        old, self._focused = self._focused, span_id
        self._focus_boxes.clear()
        if self._enabled:
            for sid in (old, span_id):
                self._update_span(sid)

    def _update_span(self, span_id: Hashable | None) -> None:
        """Schedule a repaint of the visible lines of span ``span_id`` (its tag, its outline
        and its rows lie on them, within the drawing's margin)."""
        index = self._index_provider()
        span = index.get(span_id) if index is not None and span_id is not None else None
        if span is None:
            return
        rect = self._view.lines_rect([(span.start, span.end)], self.margin())
        if not rect.isEmpty():
            self._view.viewport().update(rect)

    def margin(self) -> int:
        """How far (px) a line's drawing reaches above and below the line, while shown."""
        return int(self._tag_margin()) + 2 if self._enabled else 0

    def _tag_margin(self) -> float:
        """How far a block's drawing reaches beyond its lines: the underline rows below it,
        and without room above the lines the tags over the line above."""
        if self._margin is None:
            rows = ROW_STEP * UNDERLINE_ROWS + 1
            if self._room.band("tags")[1] > 0:
                self._margin = rows
            else:
                self._margin = max(rows, QFontMetricsF(self._small_font(False)).height())
        return self._margin

    def _follow(self, rect: QRect, dy: int) -> None:
        """The view repaints ``rect`` (a changed block, the cursor): its drawing reaches a
        little beyond its lines, so repaint a little more (a scroll repaints all)."""
        if self._enabled and not dy and rect.width() > 0:
            m = int(self._tag_margin()) + 2
            self._view.viewport().update(rect.adjusted(0, -m, 0, m))

    def _small_font(self, bold: bool) -> QFont:
        # The text's family without the room above its glyphs (furigana, tags), which would
        # make the chips taller; every attribute set, so the painter resolves nothing from the
        # view's (roomy) font.
        plain = self._room.plain_font
        small = QFont(plain)
        small.setFamilies(plain.families() or [plain.family()])
        small.setPointSizeF(max(6.5, plain.pointSizeF() * TAG_SCALE))
        small.setBold(bold)
        small.setItalic(False)
        return small

    def set_suffix_provider(self, suffix_of: Callable[[Any], str] | None) -> None:
        """Show ``suffix_of(span)`` after the label on each tag (e.g. the span's attribute
        values in short; "" for none). Lines drawn already are drawn anew."""
        self._suffix_of = suffix_of
        self.invalidate()
        self._view.viewport().update()

    def _style(self, label: str, kind: int, suffix: str = "") -> _TagStyle:
        """How a tag of ``label`` looks: kind 0 my span, 1 another layer's, 2 my focused span,
        3 another layer's focused span."""
        key = (label, kind, suffix)
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self._make_style(label, kind, suffix)
        return style

    def _make_style(self, label: str, kind: int, suffix: str = "") -> _TagStyle:
        palette = self._view.palette()
        color = QColor(self._color_of(label))
        other = kind in (1, 3)
        # a focused tag has its unfocused twin's font, so it is as wide and covers it exactly
        font = self._small_font(False)
        font.setItalic(other)
        if kind == 1:
            fill = QColor(palette.base().color())
            fill.setAlpha(235)
            border = QPen(color, 1.0, Qt.PenStyle.DotLine)
            ink = color.darker(160) if color.lightnessF() > 0.5 else color
        else:
            fill = QColor(color)
            fill.setAlpha(255 if kind >= 2 else 200)
            border = QPen(color.darker(130), 1.0)
            ink = _contrast(color)
        if kind >= 2:
            border = QPen(QColor(palette.text().color()), 1.5)
        metrics = QFontMetricsF(font)
        text = tag_text(label) + (f" · {suffix}" if suffix else "")
        width = metrics.horizontalAdvance(text) + 4.0
        height = metrics.ascent() + metrics.descent() * 0.5
        under = QPen(color, 2.0)
        under.setCapStyle(Qt.PenCapStyle.FlatCap)
        if other:
            under.setStyle(Qt.PenStyle.DotLine)
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
        static.prepare(QTransform(), font)
        # the text's baseline three quarters of the descent above the chip's bottom
        text_at = QPointF(2.0, -metrics.descent() * 0.25)
        return _TagStyle(text, font, fill, border, QPen(ink), width, height, text_at, static,
                         under)

    # -- painting ---------------------------------------------------------------------------------

    def _check_keys(self, index: SpanIndex) -> None:
        view = self._view
        key = (self._color_of, view.font().toString(), view.palette().cacheKey())
        if key != self._style_key:
            self._styles.clear()
            self._cache.clear()
            self._xs.clear()
            self._focus_boxes.clear()
            self._style_key = key
            self._margin = None
            self._geometry = None
        cache_key = (id(index), id(view.canonical_text), view.viewport().width())
        if cache_key != self._cache_key:
            self._cache.clear()
            self._xs.clear()
            self._focus_boxes.clear()
            self._cache_key = cache_key
        if self._geometry is None:
            metrics = QFontMetricsF(view.font())
            tag_top, tag_height = self._room.band("tags")
            self._geometry = (metrics.ascent() + max(1.0, metrics.underlinePos()),
                              self._room.room(), tag_top + tag_height if tag_height else 0.0)

    def _entry(self, index: SpanIndex, block: QTextBlock, n: int, width: float) -> _Entry:
        entry = self._cache.get(n)
        if entry is None or entry.lines != block.layout().lineCount() or entry.width != width:
            entry = self._cache[n] = self._record_block(index, block, n, width)
        return entry

    def _paint(self, painter: QPainter, event: QPaintEvent) -> None:
        """Draws the tags of the visible blocks in ``event``'s area (after the text), then the
        focused span over them."""
        view = self._view
        index = self._index_provider()
        self._frame = []
        if not self._enabled or index is None or not view.canonical_text or not len(index):
            return
        self._check_keys(index)
        self._stale.clear()
        clip = QRectF(event.rect())
        margin = self._tag_margin() + 2
        block = view.firstVisibleBlock()
        offset = view.contentOffset()
        height = view.viewport().height()
        first = last = block.blockNumber()
        focused = index.get(self._focused) if self._focused is not None else None
        in_focus = index.blocks_of(focused.start, focused.end) if focused is not None \
            else range(0)
        while block.isValid():
            geo = view.blockBoundingGeometry(block).translated(offset)
            if geo.top() > height:
                break
            n = last = block.blockNumber()
            if geo.top() - margin <= clip.bottom() and block.isVisible() \
                    and geo.bottom() + margin >= clip.top() and n < index.block_count:
                entry = self._entry(index, block, n, geo.width())
                items = entry.items
                if items:
                    self._draw(painter, entry, geo.left(), geo.top())
                if n in in_focus:
                    boxes, tag, style = self._focus_in(index, block, n, entry, geo.width(),
                                                       focused)
                    self._draw_focus(painter, boxes, tag, style, geo.left(), geo.top())
                    sid = focused.id  # type: ignore[union-attr]
                    items = [item for item in items if item[1] != sid or item[0] != "tag"]
                    items += [("focus", sid, box) for box in boxes]
                    if tag is not None:
                        items.append(("tag", sid, tag))
                if items:
                    self._frame.append((QPointF(geo.left(), geo.top()), items))
            block = block.next()
        self._plan_prepare(first, last)

    def _draw(self, painter: QPainter, entry: _Entry, x: float, y: float) -> None:
        painter.translate(x, y)
        try:
            if entry.bands:
                painter.setPen(Qt.PenStyle.NoPen)
                for color, rects in entry.bands:
                    painter.setBrush(color)
                    painter.drawRects(rects)
            for pen, lines in entry.unders:
                painter.setPen(pen)
                painter.drawLines(lines)
            for style, rects, texts in entry.chips:
                painter.setPen(style.border)
                painter.setBrush(style.fill)
                painter.drawRects(rects)
                if texts:
                    painter.setPen(style.ink)
                    painter.setFont(style.font)
                    static = style.static
                    for at in texts:
                        painter.drawStaticText(at, static)
        finally:
            painter.translate(-x, -y)

    # -- preparing the next pages -------------------------------------------------------------

    def _plan_prepare(self, first: int, last: int) -> None:
        """After a paint: the blocks of a page below and a page above, nearest first."""
        index = self._index_provider()
        if index is None:
            return
        page = max(1, last - first + 1)
        below = range(last + 1, min(index.block_count, last + 1 + page))
        above = range(first - 1, max(-1, first - 1 - page), -1)
        todo = [n for n in (*below, *above) if n not in self._cache]
        self._prepare = todo
        if todo:
            self._prepare_timer.start()

    def _prepare_some(self, budget: float | None = None) -> None:
        index = self._index_provider()
        if not self._enabled or index is None or not self._prepare:
            self._prepare = []
            return
        self._check_keys(index)
        view, doc = self._view, self._view.document()
        deadline = time.perf_counter() + (self.PREPARE_BUDGET if budget is None else budget)
        while self._prepare:
            n = self._prepare.pop(0)
            block = doc.findBlockByNumber(n)
            if n in self._cache or not block.isValid() or not block.isVisible() \
                    or n >= index.block_count:
                continue
            width = view.blockBoundingRect(block).width()  # lays the block out if needed
            self._entry(index, block, n, width)
            if time.perf_counter() > deadline:
                break
        if self._prepare:
            self._prepare_timer.start()

    def prepare_pending(self) -> None:
        """Prepare now what the event loop would (for tests and benchmarks)."""
        self._prepare_timer.stop()
        self._prepare_some(budget=float("inf"))

    def discard_pending(self) -> None:
        """Forget what was to be prepared (benchmarks: measure lines never prepared)."""
        self._prepare_timer.stop()
        self._prepare = []

    @property
    def pending(self) -> int:
        """How many blocks are waiting to be prepared."""
        return len(self._prepare)

    def is_prepared(self, block_number: int) -> bool:
        """True when the drawing of block ``block_number`` is ready."""
        return block_number in self._cache

    def _record_block(self, index: SpanIndex, block: QTextBlock, n: int,
                      width: float) -> _Entry:
        """Work out block ``n``'s drawing (kept until the block changes: ``_block_changed``,
        ``invalidate``)."""
        count = block.layout().lineCount()
        spans = index.spans_in_block(n) if count else []
        if not spans:
            return _Entry(count, width, [], [], [], [])
        return self._layout_block(index, block, n, spans, count, width)

    def _lines(self, index: SpanIndex, block: QTextBlock, n: int,
               width: float) -> tuple[_Lines, Callable[[int], int]]:
        """Block ``n``'s wrapped lines (with the x positions asked of them before, while they
        are the same lines) and the conversion of a code point to a block position."""
        lines = _Lines(block.layout())
        kept = self._xs.get(n)
        if kept is not None and kept[0] == width and kept[1] == lines.key:
            lines.xs = kept[2]
        else:
            self._xs[n] = (width, lines.key, lines.xs)
        offsets = self._view.offsets
        origin = block.position()
        bs, be = index.block_start(n), index.block_end(n)
        if offsets.to_utf16(be) - origin == be - bs:  # no astral character in the block
            def local(cp: int) -> int:
                return cp - bs
        else:
            def local(cp: int) -> int:
                return offsets.to_utf16(cp) - origin
        return lines, local

    def _layout_block(self, index: SpanIndex, block: QTextBlock, n: int, spans: list[Any],
                      count: int, width: float) -> _Entry:
        lines, local = self._lines(index, block, n, width)
        pieces, line_of, x_at = lines.pieces, lines.line_of, lines.x_at
        starts, ends, tops = lines.starts, lines.ends, lines.tops
        bs, be = index.block_start(n), index.block_end(n)
        own = index.own_layer
        items: list[tuple[str, Hashable, QRectF | QLineF]] = []
        in_block = [sp for sp in spans if sp.start < be and sp.end > bs]

        styles = self._styles
        suffix_of = self._suffix_of

        def style_of(label: str, kind: int) -> _TagStyle:
            style = styles.get((label, kind, ""))
            return style if style is not None else self._style(label, kind)

        def kind_of(sp: Any) -> int:
            return 1 if own is not None and getattr(sp, "annotator", own) != own else 0

        under_top, _room, tag_floor = self._geometry or (0.0, 0.0, 0.0)

        # stacked underlines where spans overlap; row 0 where Qt draws an underline (over the
        # highlighter's wave), then downwards
        unders: dict[int, tuple[QPen, list[QLineF]]] = {}
        bands: dict[int, tuple[QColor, list[QRectF]]] = {}
        rows = underline_rows(in_block)  # of the whole block: a partial repaint draws the same
        if rows:
            for sp in spans:
                row = rows.get(sp.id)
                if row is None:
                    continue
                pen = style_of(sp.label, kind_of(sp)).under
                solid = pen.style() == Qt.PenStyle.SolidLine
                if solid:
                    band = bands.get(id(pen))
                    if band is None:
                        band = bands[id(pen)] = (pen.color(), [])
                else:
                    group = unders.get(id(pen))
                    if group is None:
                        group = unders[id(pen)] = (pen, [])
                below = under_top + row * ROW_STEP
                for i, x1, x2 in pieces(local(max(sp.start, bs)), local(min(sp.end, be))):
                    y = tops[i] + below
                    underline = QLineF(x1, y, x2, y)
                    if solid:
                        band[1].append(QRectF(x1, y - 1.0, x2 - x1, 2.0))
                    else:
                        group[1].append(underline)
                    items.append(("underline", sp.id, underline))

        # tags at span starts (longest first), side by side where they would overlap
        chips: dict[int, tuple[_TagStyle, list[QRectF], list[QPointF]]] = {}
        starting = [sp for sp in spans if sp.start >= bs]
        if starting:
            # the same range and label in several layers (agreement) is one tag and a narrow
            # stub per further layer, so agreeing annotators do not double the tags
            starting.sort(key=lambda sp: (sp.start, -sp.end, sp.label, kind_of(sp), str(sp.id)))
            seen: set[tuple[int, int, str]] = set()
            right_edge: dict[int, float] = {}
            first_top = self._view.document().documentMargin() if n == 0 else 0.0
            for sp in starting:
                u = local(sp.start)
                number = line_of(u)
                if not starts[number] <= u < max(ends[number], starts[number] + 1):
                    continue
                kind = kind_of(sp)
                suffix = suffix_of(sp) if suffix_of is not None else ""
                style = style_of(sp.label, kind) if not suffix else self._style(
                    sp.label, kind, suffix)
                x = x_at(number, u)
                edge = right_edge.get(number)
                if edge is not None and edge > x:
                    x = edge
                twin = (sp.start, sp.end, sp.label)
                stub = twin in seen
                seen.add(twin)
                w = STUB_WIDTH if stub else style.width
                h = style.height
                if tag_floor:
                    # in the tags' band above the line's glyphs (and above the readings'
                    # band): the line above and this line's glyphs stay uncovered
                    y = tops[number] + max(0.0, tag_floor - h - 1.0)
                else:
                    # no room (a text font other than the bundled one): on the line's top
                    # edge, a fifth of the chip over the top of the span's first glyphs
                    y = tops[number] - h * 0.8
                    if n == 0 and number == 0:  # nothing above the first line: keep it whole
                        y = max(y, -first_top)
                rect = QRectF(x, y, w, h)
                right_edge[number] = x + w + 1
                group = chips.get(id(style))
                if group is None:
                    group = chips[id(style)] = (style, [], [])
                group[1].append(rect)
                if not stub:
                    group[2].append(QPointF(x + style.text_at.x(), y + style.text_at.y()))
                items.append(("tag", sp.id, rect))
        return _Entry(count, width, list(unders.values()), list(bands.values()),
                      list(chips.values()), items)

    # -- the focused span, drawn over its blocks' drawings -----------------------------------------

    def _focus_in(self, index: SpanIndex, block: QTextBlock, n: int, entry: _Entry,
                  width: float, span: Any) -> tuple[list[QRectF], QRectF | None, _TagStyle]:
        """The focused ``span``'s boxes in block ``n``, its tag there (None: it starts in
        another block) and the style of its focused tag."""
        key = (n, span.id, id(entry))
        boxes = self._focus_boxes.get(key)
        if boxes is None:
            lines, local = self._lines(index, block, n, width)
            room = self._geometry[1] if self._geometry else 0.0
            bs, be = index.block_start(n), index.block_end(n)
            boxes = [QRectF(x1 - 1, lines.tops[i] + room, x2 - x1 + 2,
                            lines.lines[i].height() - room)
                     for i, x1, x2 in lines.pieces(local(max(span.start, bs)),
                                                   local(min(span.end, be)))]
            self._focus_boxes[key] = boxes
        own = index.own_layer
        other = own is not None and getattr(span, "annotator", own) != own
        suffix = self._suffix_of(span) if self._suffix_of is not None else ""
        style = self._style(span.label, 3 if other else 2, suffix)
        tag = None
        if span.start >= index.block_start(n):
            for kind, sid, shape in entry.items:
                if kind == "tag" and sid == span.id:
                    tag = QRectF(shape.x(), shape.y(), style.width, style.height)  # type: ignore[union-attr]
                    break
        return boxes, tag, style

    def _draw_focus(self, painter: QPainter, boxes: list[QRectF], tag: QRectF | None,
                    style: _TagStyle, x: float, y: float) -> None:
        painter.translate(x, y)
        try:
            if boxes:
                painter.setPen(QPen(QColor(self._view.palette().text().color()), 2.0))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRects(boxes)
            if tag is not None:
                painter.setPen(style.border)
                painter.setBrush(style.fill)
                painter.drawRect(tag)
                painter.setPen(style.ink)
                painter.setFont(style.font)
                painter.drawStaticText(QPointF(tag.x() + style.text_at.x(),
                                               tag.y() + style.text_at.y()), style.static)
        finally:
            painter.translate(-x, -y)
