"""Relations drawn on the text: an arc from the head span's tag to the tail span's tag.

``RelationArcs`` paints in the text view's viewport after the text and the label tags
(``AnnotationTextView.add_painter``), for the relations of the spans on the visible lines
only, so the cost follows the screen, not the document. To stay readable with many spans:

- every visible relation is a thin (cosmetic 1 px), faint curve in its type's colour (dotted
  for another layer's relation), rising from the head's tag and coming down onto the tail's
  tag with a small arrowhead;
- the focused span's relations are drawn fully: 2 px, opaque, a larger arrowhead and the type's
  name on a chip right of the arrowhead; a relation whose type no longer allows the labels at
  its ends (a span relabelled since) is dashed;
- while the document has relations, every line has a lane above its tags
  (:class:`annotator.ui.line_room.LineRoom` band ``"relations"``): an arc between two tags of
  one line rises into it, and the type's name sits in it;
- a relation whose other end is off screen leaves through the top or bottom edge, towards it;
- while a relation is being made, a dashed grey line joins the head and the focused span.

Nothing is written into the document. ``drawn`` lists what the last paint drew, for tests:
``(relation id, "strong" | "faint", head point, tail point)`` in viewport coordinates
(``"<head id>><span id>"`` and ``"pending"`` for the line of a relation being made).
``relation_at(point)`` says which drawn arc (or type-name chip) a point of the viewport lies on
(for a click on an arc, ``annotator.ui.relation_pick``); ``selected`` is drawn wider.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPaintEvent,
    QPen,
)

from annotator.domain.relations import Relation, relation_problem
from annotator.domain.spans import Span
from annotator.ui.line_room import LineRoom
from annotator.ui.relation_geometry import arc_controls, arc_path, arrowhead
from annotator.ui.relation_state import RelationState
from annotator.ui.session import Session
from annotator.ui.text_view import AnnotationTextView

__all__ = ["RelationArcs"]

#: Alpha of the relations not at the focused span.
FAINT_ALPHA = 120
#: The arcs' lane above the tags of every line (em of the text font), while the document
#: has relations (``annotator.ui.line_room``).
LANE_EM = 0.45
#: How near (px) to a drawn arc a point counts as on it (``relation_at``).
HIT_TOLERANCE = 4.0


class RelationArcs(QObject):
    """Paints the relations of the visible lines over ``view`` (see the module).

    Expects a :class:`RelationState` (the relations) and the session (spans, focus); repaints
    the viewport when relations, types, the focus or the layers change, and after a scroll
    (arcs to ends off screen follow the edge). ``set_enabled(on)`` shows or hides them;
    ``pending`` (head id, or None) is the relation being made."""

    def __init__(self, view: AnnotationTextView, session: Session, state: RelationState,
                 pending: Callable[[], str | None] = lambda: None,
                 tag_rect: Callable[[str], QRectF | None] = lambda _id: None) -> None:
        super().__init__(view)
        self.setObjectName("relationArcs")
        self._view = view
        self._session = session
        self._state = state
        self._pending = pending
        #: where the label tags' overlay drew a span's tag in this paint (it paints first)
        self._tag_rect = tag_rect
        self._enabled = True
        self._font: QFont | None = None
        self._tags_top = 0.0
        self._lane_height = 0.0
        #: the focused span's relations as last drawn
        self._strong: set[str] = set()
        self._room = LineRoom.of(view)
        self._lane = False
        self.drawn: list[tuple[str, str, QPointF, QPointF]] = []
        #: the type-name chips of the last paint: (relation id, where)
        self.chips: list[tuple[str, QRectF]] = []
        #: a relation drawn wider (the one picked by a click on its arc)
        self.selected: str | None = None
        self._off_edge = False
        #: relation id -> (top, bottom) of the lines its arc crossed when last painted
        self._pos: dict[str, tuple[float, float]] = {}
        self._room.changed.connect(self._forget_positions)
        #: block number -> span id -> (its start, where its tag was, from the block's corner)
        self._local: dict[int, dict[str, tuple[int, QPointF]]] = {}
        self._local_width = -1
        layout = view.document().documentLayout()
        layout.updateBlock.connect(lambda block: self._local.pop(block.blockNumber(), None))
        update = self.update
        state.relationsChanged.connect(self._relations_changed)
        state.relationsReset.connect(self._relations_reset)
        state.typesChanged.connect(update)
        session.focusedSpanChanged.connect(self._focus_changed)
        session.layerVisibilityChanged.connect(update)
        session.spanUpdated.connect(self._span_updated)
        view.verticalScrollBar().valueChanged.connect(self._scrolled)
        view.add_painter(self._paint)

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, on: bool) -> None:
        if on != self._enabled:
            self._enabled = on
            self._want_lane(on and len(self._state.relations) > 0)
            self.update()

    def _want_lane(self, on: bool) -> None:
        """Ask for (or give back) the arcs' lane above every line."""
        if on != self._lane:
            self._lane = on
            self._room.request("relations", LANE_EM if on else 0)

    def _relations_reset(self) -> None:
        self._local.clear()
        # another document: the lane while it has relations (kept until the next document
        # once made, so a first or last relation does not lay the text out again)
        self._want_lane(self._enabled and len(self._state.relations) > 0)
        self.update()

    def _relations_changed(self, ids: object) -> None:
        if self._enabled and len(self._state.relations) and not self._lane:
            self._want_lane(True)
            self.update()
            return
        changed = set(ids)  # type: ignore[call-overload]
        focused = self._session.focused_span_id
        relations = self._state.relations
        if focused is not None and any(
                (r := relations.get(i)) is not None and focused in (r.head, r.tail)
                or i in self._strong for i in changed):
            # the focused span's labels make room for each other: redraw them all
            changed |= {r.id for r in relations.of_span(focused)} | self._strong
        self._update_relations(changed)

    def _focus_changed(self, span_id: object) -> None:
        if self._pending() is not None:
            self.update()  # the dashed line to the candidate tail
            return
        ids = set(self._strong)
        if isinstance(span_id, str):
            ids |= {r.id for r in self._state.relations.of_span(span_id)}
        self._update_relations(ids)

    def spans_moved(self, span_ids: list[str]) -> None:
        """The tags of ``span_ids`` moved (an edit beside them): their arcs are drawn anew."""
        relations = self._state.relations
        self._update_relations({r.id for sid in span_ids for r in relations.of_span(sid)})

    def _update_relations(self, ids: set[str]) -> None:
        """Repaint the lines the arcs of relations ``ids`` cross, as drawn last and as they
        are now (full width: an arc may run across its lines)."""
        if not ids or not self._enabled:
            return
        viewport = self._view.viewport()
        height = float(viewport.height())
        blocks = self._visible_blocks()[2]
        index, relations = self._session.index, self._state.relations
        ys: list[float] = []
        for rid in ids:
            old = self._pos.get(rid)
            if old is not None:
                ys += old
            relation = relations.get(rid)
            if relation is None:
                if old is None:  # drawn before a scroll, perhaps: where is unknown
                    self.update()
                    return
                continue
            for end in (relation.head, relation.tail):
                span = index.get(end)
                if span is not None:
                    ys += self._block_range(index.block_of(span.start), blocks, height)
        if not ys:
            return
        top = max(0.0, min(ys) - self._margin())
        bottom = min(height, max(ys) + self._margin())
        if bottom > top:
            viewport.update(QRectF(0, top, viewport.width(), bottom - top).toAlignedRect())

    def _margin(self) -> float:
        """How far an arc's drawing reaches beyond its lines (the type's name on its chip)."""
        return QFontMetricsF(self._label_font()).height() + 4.0

    def _forget_positions(self, *_: object) -> None:
        self._pos.clear()
        self._local.clear()
        self._font = None

    def begin_pending(self) -> None:
        """A relation is being made: the lane is there for its line."""
        if self._enabled:
            self._want_lane(True)
        self.update()

    def update(self, *_: object) -> None:
        """Repaint the visible text (and so every arc) at the next frame."""
        self._pos.clear()
        self._view.viewport().update()

    def _scrolled(self, *_: object) -> None:
        self._pos.clear()  # the pixels moved: where each arc was is no longer known
        if self._off_edge:  # arcs to ends off screen leave through the edge: draw them anew
            self.update()

    def _span_updated(self, _old: Span, new: Span) -> None:
        if self._state.relations.has_span(new.id):  # a resized or relabelled end
            self._update_relations({r.id for r in self._state.relations.of_span(new.id)})

    # -- geometry ---------------------------------------------------------------------------------

    def _visible_blocks(self) -> tuple[int, int, dict[int, tuple[float, float, float]]]:
        """First and last visible block, and each one's ``(left, top, bottom)`` (viewport)."""
        view = self._view
        block = view.firstVisibleBlock()
        first = last = block.blockNumber()
        offset = view.contentOffset()
        height = view.viewport().height()
        blocks: dict[int, tuple[float, float, float]] = {}
        while block.isValid():
            geo = view.blockBoundingGeometry(block).translated(offset)
            if geo.top() > height:
                break
            last = block.blockNumber()
            if block.isVisible():
                blocks[last] = (geo.left(), geo.top(), geo.bottom())
            block = block.next()
        return first, last, blocks

    @staticmethod
    def _block_range(n: int, blocks: dict[int, tuple[float, float, float]],
                     height: float) -> tuple[float, float]:
        """Top and bottom of block ``n`` on screen, or the edge it lies beyond."""
        geo = blocks.get(n)
        if geo is not None:
            return geo[1], geo[2]
        edge = -1.0 if n < min(blocks, default=0) else height + 1.0
        return edge, edge

    def _anchor(self, span: Span, blocks: dict[int, tuple[float, float, float]],
                cache: dict[str, QPointF | None]) -> QPointF | None:
        """Top of the span's tag (viewport), or None when its line is off screen."""
        if span.id in cache:
            return cache[span.id]
        n = self._session.index.block_of(span.start)
        geo = blocks.get(n)
        point: QPointF | None = None
        tag = self._tag_rect(span.id) if geo is not None else None
        local = self._local.get(n)
        if tag is not None and geo is not None:  # on its tag, exactly (side by side: moved)
            point = QPointF(tag.left() + 5.0, tag.top())
            if local is None:
                local = self._local[n] = {}
            local[span.id] = (span.start, QPointF(point.x() - geo[0], point.y() - geo[1]))
        elif geo is not None and local is not None and span.id in local \
                and local[span.id][0] == span.start:  # where its tag was drawn before
            at = local[span.id][1]
            point = QPointF(geo[0] + at.x(), geo[1] + at.y())
        elif geo is not None:
            view = self._view
            block = view.document().findBlockByNumber(n)
            u = view.offsets.to_utf16(span.start) - block.position()
            line = block.layout().lineForTextPosition(u)
            if line.isValid():
                x = line.cursorToX(u)
                x = x[0] if type(x) is tuple else float(x)
                point = QPointF(geo[0] + x + 5.0, geo[1] + line.y() + self._tags_top + 1.0)
            else:
                point = QPointF(geo[0] + 5.0, geo[1] + self._tags_top + 1.0)
        cache[span.id] = point
        return point

    def _ends(self, head: Span, tail: Span, first: int,
              blocks: dict[int, tuple[float, float, float]],
              cache: dict[str, QPointF | None]) -> tuple[QPointF, QPointF] | None:
        """Where an arc from ``head`` to ``tail`` starts and ends: on their tags, or where it
        leaves the viewport towards an end off screen; None when both ends are off screen."""
        p = self._anchor(head, blocks, cache)
        q = self._anchor(tail, blocks, cache)
        if p is None and q is None:
            return None
        if p is None:
            p = self._off_screen(head, first, q)
        if q is None:
            q = self._off_screen(tail, first, p)
        return p, q

    def _off_screen(self, span: Span, first: int, near: QPointF) -> QPointF:
        """Where an arc to ``span`` (off screen) leaves the viewport."""
        above = self._session.index.block_of(span.start) < first
        y = -40.0 if above else self._view.viewport().height() + 40.0
        return QPointF(near.x() + 36.0, y)

    def path_between(self, p: QPointF, q: QPointF) -> tuple[QPainterPath, QPointF]:
        """The arc from ``p`` to ``q`` as this paint draws it (in the lane, when there is one)
        and the control point it comes down from (``relation_geometry.arc_path``)."""
        return arc_path(p, q, self._lane_height)

    def _dark(self) -> bool:
        """True on a dark page (the dark theme)."""
        return self._view.palette().base().color().lightnessF() < 0.5

    def _label_font(self) -> QFont:
        if self._font is None:
            # the text's family without the room above its glyphs (which would make the
            # chips as tall as a line)
            plain = self._room.plain_font
            font = QFont(plain)
            font.setFamilies(plain.families() or [plain.family()])
            font.setPointSizeF(max(6.0, self._room.plain_font.pointSizeF() * 0.45))
            self._font = font
        return self._font

    # -- painting ---------------------------------------------------------------------------------

    def relation_at(self, point: QPointF) -> str | None:
        """The relation whose arc (or type-name chip) the last paint drew at ``point``
        (viewport), the focused span's first, then the topmost; None when none is there. A
        point on the tags an arc starts or ends on is not on the arc."""
        for rid, rect in reversed(self.chips):
            if rect.adjusted(-1, -1, 1, 1).contains(point):
                return rid
        stroker = QPainterPathStroker()
        stroker.setWidth(2 * HIT_TOLERANCE)
        found = [(kind, rid) for rid, kind, p, q in reversed(self.drawn)
                 if kind != "pending" and self._near(point, p, q, stroker)]
        found.sort(key=lambda hit: hit[0] != "strong")
        return found[0][1] if found else None

    def _near(self, point: QPointF, p: QPointF, q: QPointF, stroker: QPainterPathStroker) -> bool:
        for end in (p, q):  # below an end's top: the tag, not the arc
            if point.y() > end.y() + 1.0 and abs(point.x() - end.x()) < 2 * HIT_TOLERANCE + 4:
                return False
        path = self.path_between(p, q)[0]
        if not path.boundingRect().adjusted(
                -HIT_TOLERANCE, -HIT_TOLERANCE, HIT_TOLERANCE, HIT_TOLERANCE).contains(point):
            return False
        return stroker.createStroke(path).contains(point)

    def set_selected(self, relation_id: str | None) -> None:
        """Draw ``relation_id``'s arc wider (None: none)."""
        if relation_id != self.selected:
            ids = {i for i in (self.selected, relation_id) if i is not None}
            self.selected = relation_id
            self._update_relations(ids)

    def _paint(self, painter: QPainter, event: QPaintEvent) -> None:
        self.drawn = []
        self.chips = []
        if event.rect().contains(self._view.viewport().rect()):
            self._off_edge = False  # worked out again for every arc below
        session, relations = self._session, self._state.relations
        pending = self._pending()
        if not self._enabled or (not len(relations) and pending is None) \
                or not self._view.canonical_text:
            self._strong = set()
            return
        index = session.index
        if self._local_width != self._view.viewport().width():  # lines wrap anew
            self._local.clear()
            self._local_width = self._view.viewport().width()
        first, last, blocks = self._visible_blocks()
        span_ids: set[str] = set()
        for n in range(first, min(last, index.block_count - 1) + 1):
            span_ids.update(s.id for s in index.spans_in_block(n))
        focused = session.focused_span_id
        wanted = relations.ids_of_spans(span_ids)
        strong = {r.id for r in relations.of_span(focused)} if focused else set()
        wanted |= strong
        self._strong = set()
        if not wanted and pending is None:
            return
        relations.load(wanted)  # those not read yet, in one read
        self._tags_top = self._room.band("tags")[0]
        self._lane_height = lane = self._room.band("relations")[1]
        region = event.region()
        margin = self._margin()
        height = float(self._view.viewport().height())
        width = self._view.viewport().width()
        cache: dict[str, QPointF | None] = {}
        labels: list[tuple[QPainterPath, QPointF, Relation]] = []
        me = session.annotator
        whole = event.rect().contains(self._view.viewport().rect())
        #: the faint arcs, one path per look (type, layer, fit) and one for their arrowheads
        faint: dict[tuple[str, bool, bool], tuple[QPainterPath, QPainterPath]] = {}
        fits: dict[tuple[str, str, str], bool] = {}
        block_of, get_span = index.block_of, index.get
        order = sorted(wanted, key=lambda rid: rid in strong)  # the focused span's on top
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for rid in order:
            relation = relations.get(rid)
            if relation is None:
                continue
            head, tail = get_span(relation.head), get_span(relation.tail)
            if head is None or tail is None:  # an end in a hidden layer
                continue
            is_strong = rid in strong
            head_block, tail_block = block_of(head.start), block_of(tail.start)
            if head_block not in blocks or tail_block not in blocks:
                self._off_edge = True
            h1, h2 = self._block_range(head_block, blocks, height)
            t1, t2 = self._block_range(tail_block, blocks, height)
            top, bottom = min(h1, t1), max(h2, t2)
            self._pos[rid] = (top, bottom)
            if min(h1, t1) > height or max(h2, t2) < 0:
                continue  # both ends off screen
            if not is_strong and not whole and not region.intersects(QRectF(
                    0, top - margin, width, bottom - top + 2 * margin).toAlignedRect()):
                continue  # outside what this paint repaints (a changed line elsewhere)
            ends = self._ends(head, tail, first, blocks, cache)
            if ends is None:
                continue
            p, q = ends
            if not is_strong:  # added to its look's path, drawn below with one call
                fit_key = (relation.type, head.label, tail.label)
                fit = fits.get(fit_key)
                if fit is None:
                    rt = self._state.type(relation.type)
                    fit = fits[fit_key] = rt is not None and relation_problem(
                        rt, head.label, tail.label) is None
                look = (relation.type, relation.annotator != me, fit)
                paths = faint.get(look)
                if paths is None:
                    paths = faint[look] = (QPainterPath(), QPainterPath())
                    paths[1].setFillRule(Qt.FillRule.WindingFill)  # overlapping heads: no holes
                c1, c2 = arc_controls(p, q, lane)
                paths[0].moveTo(p)
                paths[0].cubicTo(c1, c2, q)
                paths[1].addPolygon(arrowhead(q, c2, 5.0))
                self.drawn.append((rid, "faint", p, q))
                continue
            self._strong.add(rid)
            if faint:  # the focused span's arcs over the others
                self._draw_faint(painter, faint)
                faint = {}
            self._draw_one(painter, relation, head, tail, p, q, is_strong,
                           relation.annotator != me, rid == self.selected)
            self.drawn.append((rid, "strong", p, q))
            on_screen = tail_block in blocks
            labels.append((self.path_between(p, q)[0], q if on_screen else p, relation))
        if faint:
            self._draw_faint(painter, faint)
        placed: list[QRectF] = []
        for path, at, relation in labels:
            self._draw_label(painter, path, at, relation, placed)
        if pending is not None:
            self._draw_pending(painter, pending, first, blocks, cache)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _draw_faint(self, painter: QPainter,
                    faint: dict[tuple[str, bool, bool], tuple[QPainterPath, QPainterPath]]
                    ) -> None:
        """The arcs not at the focused span: per look, one stroke of all its curves (a
        cosmetic 1 px line, the cheapest antialiased stroke there is; dotted for another
        layer's, dashed when the type no longer fits the labels) and one fill of all their
        arrowheads."""
        for (type_name, other_layer, fit), (curves, heads) in faint.items():
            rt = self._state.type(type_name)
            color = QColor(rt.color if rt is not None else "#808080")
            color.setAlpha(FAINT_ALPHA)
            pen = QPen(color, 0)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            if other_layer:
                pen.setStyle(Qt.PenStyle.DotLine)
            elif not fit:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(curves)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPath(heads)

    def _draw_one(self, painter: QPainter, relation: Relation, head: Span, tail: Span,
                  p: QPointF, q: QPointF, strong: bool, other_layer: bool,
                  selected: bool = False) -> None:
        rt = self._state.type(relation.type)
        color = QColor(rt.color if rt is not None else "#808080")
        if not strong:
            color.setAlpha(FAINT_ALPHA)
        elif color.lightnessF() > 0.55 and not self._dark():  # visible on a light page
            color = color.darker(135)
        # 0: a cosmetic 1 px line; the picked relation's arc wider
        pen = QPen(color, 3.5 if selected else 2.0) if strong else QPen(color, 0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if other_layer:
            pen.setStyle(Qt.PenStyle.DotLine)
        elif rt is None or relation_problem(rt, head.label, tail.label) is not None:
            pen.setStyle(Qt.PenStyle.DashLine)
        path, towards = self.path_between(p, q)
        # the faint ones as cosmetic 1 px lines (antialiased, the cheapest stroke there is)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(arrowhead(q, towards, 7.0 if strong else 5.0))

    def _draw_label(self, painter: QPainter, path: QPainterPath, at: QPointF,
                    relation: Relation, placed: list[QRectF]) -> None:
        """The type's name on a chip: in the lane above the tail's tag, right of the arrow
        (above the head's when the tail is off screen), moved right past the labels already
        placed; without a lane, on the arc."""
        font = self._label_font()
        metrics = QFontMetricsF(font)
        text = relation.type
        width = metrics.horizontalAdvance(text) + 4.0
        height = metrics.ascent() + metrics.descent() * 0.5
        lane = self._lane_height
        if lane > 0:
            line_top = at.y() - self._tags_top - 1.0
            rect = QRectF(at.x() + 5.0, line_top + max(0.0, (lane - height) / 2) - 0.5,
                          width, height)
            for other in sorted(placed, key=lambda r: r.left()):
                if rect.intersects(other):
                    rect.moveLeft(other.right() + 2.0)
            right = self._view.viewport().width() - 2.0
            if rect.right() > right:  # a tail at the line's end: the name ends at the edge
                rect.moveRight(right)
        else:
            rect = QRectF()
            for t in (0.5, 0.3, 0.7, 0.15, 0.85):
                point = path.pointAtPercent(t)
                rect = QRectF(point.x() - width / 2, point.y() - height / 2, width, height)
                if not any(rect.intersects(other) for other in placed):
                    break
        placed.append(rect)
        self.chips.append((relation.id, rect))
        color = QColor(self._state.color(relation.type))
        base = QColor(self._view.palette().base().color())
        base.setAlpha(235)
        painter.setPen(QPen(color.darker(120), 1.0))
        painter.setBrush(base)
        painter.drawRoundedRect(rect, 2.0, 2.0)
        if self._dark():
            ink = color.lighter(130) if color.lightnessF() < 0.6 else color
        else:
            ink = color.darker(170) if color.lightnessF() > 0.45 else color
        painter.setPen(QPen(ink))
        painter.setFont(font)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)

    def _draw_pending(self, painter: QPainter, head_id: str, first: int,
                      blocks: dict[int, tuple[float, float, float]],
                      cache: dict[str, QPointF | None]) -> None:
        index = self._session.index
        head, target = index.get(head_id), self._session.focused_span()
        if head is None:
            return
        p = self._anchor(head, blocks, cache)
        if target is None or target.id == head_id:
            if p is not None:  # the head alone: a ring around its tag's corner
                painter.setPen(QPen(QColor("#606060"), 1.5, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(p, 5.0, 5.0)
                self.drawn.append((head_id, "pending", p, p))
            return
        ends = self._ends(head, target, first, blocks, cache)
        if ends is None:
            return
        p, q = ends
        path, towards = self.path_between(p, q)
        painter.setPen(QPen(QColor("#606060"), 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#606060"))
        painter.drawPolygon(arrowhead(q, towards, 6.0))
        self.drawn.append((f"{head_id}>{target.id}", "pending", p, q))
