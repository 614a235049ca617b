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

What a block's drawing is made of, and how it is worked out, is in
:mod:`annotator.ui.tag_layout`; this module keeps, draws and repaints it.

``drawn`` lists what the last paint drew (for tests): ``(kind, span id, QRectF)`` with kind
``"tag"``, ``"underline"`` or ``"focus"``. Offsets are code points; they are converted to the
document's UTF-16 positions with the view's ``Utf16Map`` only. Without the bundled font (no
room can be made) the tags sit on the line's top edge, as small as possible.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

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
    QTransform,
)

from annotator.domain.span_index import SpanIndex
from annotator.ui.line_room import LineRoom
from annotator.ui.tag_layout import (
    MAX_TAG_CHARS,
    ROW_STEP,
    TAG_SCALE,
    UNDERLINE_ROWS,
    Entry,
    Lines,
    TagStyle,
    draw_chips,
    draw_entry,
    layout_block,
    shape_key,
    tag_text,
    underline_rows,
)
from annotator.ui.text_view import AnnotationTextView
from annotator.ui.theme import chip_text_color

__all__ = ["LabelTagOverlay", "MAX_TAG_CHARS", "UNDERLINE_ROWS", "tag_text", "underline_rows"]

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
        self._cache: dict[int, Entry] = {}
        #: block number -> its drawing before its spans changed (until the next paint)
        self._stale: dict[int, Entry] = {}
        #: block number -> (width, line starts, {offset * 4096 + line: x}): the x positions
        #: asked of the block's layout, kept while its lines stay as they were
        self._xs: dict[int, tuple[float, tuple[int, ...], dict[int, float]]] = {}
        #: (block number, focused id, its start and end) -> the focused span's boxes there
        #: (forgotten with any block's drawing: they come from the same line layout)
        self._focus_boxes: dict[tuple[int, Hashable, int, int], list[QRectF]] = {}
        self._cache_key: object = None
        self._frame: list[tuple[QPointF, list[tuple[str, Hashable, QRectF | QLineF]]]] = []
        self._tags: dict[Hashable, tuple[QPointF, QRectF | QLineF]] = {}
        self._tags_of: object = None
        self._margin: float | None = None
        self._styles: dict[tuple[str, int, str], TagStyle] = {}
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
        self._focus_boxes.clear()

    def _block_changed(self, block: QTextBlock) -> None:
        # The highlighter re-highlights every block whose spans change; the old drawing is
        # kept until the next paint for ``changed_rect``.
        n = block.blockNumber()
        old = self._cache.pop(n, None)
        if old is not None:
            self._stale[n] = old
        self._focus_boxes.clear()

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
        m = self.margin()
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
            before, after = set(map(shape_key, old.items)), set(map(shape_key, new.items))
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

    def _style(self, label: str, kind: int, suffix: str = "") -> TagStyle:
        """How a tag of ``label`` looks: kind 0 my span, 1 another layer's, 2 my focused span,
        3 another layer's focused span."""
        key = (label, kind, suffix)
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self._make_style(label, kind, suffix)
        return style

    def _make_style(self, label: str, kind: int, suffix: str = "") -> TagStyle:
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
            ink = chip_text_color(self._color_of(label))
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
        return TagStyle(text, font, fill, border, QPen(ink), width, height, text_at, static,
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

    def _entry(self, index: SpanIndex, block: QTextBlock, n: int, width: float) -> Entry:
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
                    draw_entry(painter, entry, geo.left(), geo.top())
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
                      width: float) -> Entry:
        """Work out block ``n``'s drawing (kept until the block changes: ``_block_changed``,
        ``invalidate``)."""
        count = block.layout().lineCount()
        spans = index.spans_in_block(n) if count else []
        if not spans:
            return Entry(count, width, [], [], [], [])
        return self._layout_block(index, block, n, spans, count, width)

    def _lines(self, index: SpanIndex, block: QTextBlock, n: int,
               width: float) -> tuple[Lines, Callable[[int], int]]:
        """Block ``n``'s wrapped lines (with the x positions asked of them before, while they
        are the same lines) and the conversion of a code point to a block position."""
        lines = Lines(block.layout())
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
                      count: int, width: float) -> Entry:
        lines, local = self._lines(index, block, n, width)
        first_top = self._view.document().documentMargin() if n == 0 else 0.0
        return layout_block(lines, local, index.block_start(n), index.block_end(n), spans,
                            index.own_layer, count, width, self._style, self._suffix_of,
                            self._geometry or (0.0, 0.0, 0.0), first_top, n == 0)

    # -- the focused span, drawn over its blocks' drawings -----------------------------------------

    def _focus_in(self, index: SpanIndex, block: QTextBlock, n: int, entry: Entry,
                  width: float, span: Any) -> tuple[list[QRectF], QRectF | None, TagStyle]:
        """The focused ``span``'s boxes in block ``n``, its tag there (None: it starts in
        another block) and the style of its focused tag."""
        key = (n, span.id, span.start, span.end)
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
                    style: TagStyle, x: float, y: float) -> None:
        painter.translate(x, y)
        try:
            if boxes:
                painter.setPen(QPen(QColor(self._view.palette().text().color()), 2.0))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRects(boxes)
            if tag is not None:
                draw_chips(painter, style, [tag], [QPointF(tag.x() + style.text_at.x(),
                                                            tag.y() + style.text_at.y())])
        finally:
            painter.translate(-x, -y)
