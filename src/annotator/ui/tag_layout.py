"""What a line's label tags are made of, worked out without a widget: the tags' text, the rows
of stacked underlines, a block's wrapped lines with their x positions, the look of a tag and
the drawing of a block (``layout_block``) and how it is painted (``draw_entry``), for
:mod:`annotator.ui.label_tags`, which keeps the drawings and paints them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QStaticText, QTextLine

__all__ = ["Entry", "Lines", "MAX_TAG_CHARS", "ROW_STEP", "STUB_WIDTH", "TAG_SCALE", "TagStyle",
           "UNDERLINE_ROWS", "draw_chips", "draw_entry", "layout_block", "shape_key", "tag_text",
           "underline_rows"]

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


class Lines:
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


class TagStyle(NamedTuple):
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


class Entry(NamedTuple):
    """A block's drawing, in block coordinates: computed once, drawn at every paint."""

    lines: int
    width: float
    #: (pen, lines) of the dotted underline rows (other layers')
    unders: list[tuple[QPen, list[QLineF]]]
    #: (colour, 2 px bands) of the solid underline rows (filled rectangles: the raster
    #: engine's fast path, where a 2 px pen is stroked as a path)
    bands: list[tuple[QColor, list[QRectF]]]
    #: (style, chip rectangles, text positions) per tag style
    chips: list[tuple[TagStyle, list[QRectF], list[QPointF]]]
    #: what it draws, for ``drawn`` (underlines as their lines)
    items: list[tuple[str, Hashable, QRectF | QLineF]]


def shape_key(item: tuple[str, Hashable, QRectF | QLineF]) -> tuple[Any, ...]:
    """A drawn item as ``(kind, span id, x, y, width, height)`` (an underline: its band)."""
    kind, sid, shape = item
    if isinstance(shape, QLineF):
        return (kind, sid, shape.x1(), shape.y1() - 1.0, shape.x2() - shape.x1(), 2.0)
    return (kind, sid, shape.x(), shape.y(), shape.width(), shape.height())


def layout_block(lines: Lines, local: Callable[[int], int], bs: int, be: int,
                 spans: list[Any], own: str | None, count: int, width: float,
                 style_for: Callable[[str, int, str], TagStyle],
                 suffix_of: Callable[[Any], str] | None,
                 geometry: tuple[float, float, float], first_top: float, first_block: bool
                 ) -> Entry:
    """A block's drawing (``Entry``) from its spans (``spans``: those in or over the block
    ``[bs, be)``; ``own``: my layer). ``style_for(label, kind, suffix)`` gives a tag's look (kind 0
    mine, 1 another layer's); ``geometry``: (underline top, room above the glyphs, bottom of
    the tags' band, 0 without room) in a line's coordinates; ``first_top``: the document's
    margin above the first block (``first_block``)."""
    pieces, line_of, x_at = lines.pieces, lines.line_of, lines.x_at
    starts, ends, tops = lines.starts, lines.ends, lines.tops
    items: list[tuple[str, Hashable, QRectF | QLineF]] = []
    in_block = [sp for sp in spans if sp.start < be and sp.end > bs]

    def style_of(label: str, kind: int) -> TagStyle:
        return style_for(label, kind, "")

    def kind_of(sp: Any) -> int:
        return 1 if own is not None and getattr(sp, "annotator", own) != own else 0

    under_top, _room, tag_floor = geometry

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
    chips: dict[int, tuple[TagStyle, list[QRectF], list[QPointF]]] = {}
    starting = [sp for sp in spans if sp.start >= bs]
    if starting:
        # the same range and label in several layers (agreement) is one tag and a narrow
        # stub per further layer, so agreeing annotators do not double the tags
        starting.sort(key=lambda sp: (sp.start, -sp.end, sp.label, kind_of(sp), str(sp.id)))
        seen: set[tuple[int, int, str]] = set()
        right_edge: dict[int, float] = {}
        for sp in starting:
            u = local(sp.start)
            number = line_of(u)
            if not starts[number] <= u < max(ends[number], starts[number] + 1):
                continue
            kind = kind_of(sp)
            suffix = suffix_of(sp) if suffix_of is not None else ""
            style = style_for(sp.label, kind, suffix)
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
                if first_block and number == 0:  # nothing above the first line: keep it whole
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
    return Entry(count, width, list(unders.values()), list(bands.values()),
                  list(chips.values()), items)


def draw_chips(painter: QPainter, style: TagStyle, rects: list[QRectF],
               texts: list[QPointF]) -> None:
    """Tag chips of one look: their rectangles, then the label at each of ``texts``."""
    painter.setPen(style.border)
    painter.setBrush(style.fill)
    painter.drawRects(rects)
    if texts:
        painter.setPen(style.ink)
        painter.setFont(style.font)
        static = style.static
        for at in texts:
            painter.drawStaticText(at, static)


def draw_entry(painter: QPainter, entry: Entry, x: float, y: float) -> None:
    """Draw a block's drawing with its top-left corner at ``(x, y)``."""
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
            draw_chips(painter, style, rects, texts)
    finally:
        painter.translate(-x, -y)
