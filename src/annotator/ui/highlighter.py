"""Draws labelled spans as character formats, block by block, from a Qt-free ``SpanIndex``.

Per GUIDE §1 this is the fast way to show tens of thousands of spans: Qt asks for one block
(line) at a time, the index answers with that block's elementary segments, and an edit
re-highlights only the blocks it touched (``rehighlightBlock``). Nothing is written into the
document: it stays unmodified, with no undo entries and no formats in copies.

How a segment is drawn (segments come in the index's paint order, see
``annotator.domain.span_index``):

- the primary span's label colour is the background, semi-transparent
  (``BACKGROUND_ALPHA``) so text stays readable on light and dark palettes;
- if a second span covers the segment, the text is underlined in the second span's label
  colour: a wave when exactly two spans cover it, dashes when three or more do (hovering lists
  them all);
- the focused span (``set_focused_span``) becomes the primary span wherever it lies, with an
  opaque background and black or white text for contrast (``focused_format``; the annotation
  window shows its focus as a layer of the text view in that look instead, so that moving the
  focus re-highlights nothing; the review window's reviewed lane uses ``set_focused_span``).

**Layers.** When the index names an ``own_layer`` (the session's annotator), spans of other
layers (colleagues, the reviewed layer) look different: a colleague's span alone on a segment
gets a faint background (``OTHER_ALPHA``) and a dotted underline in its label colour; over my
span it is a dotted underline (mine stays the background: my span is always the primary one
where it lies). Hidden layers are not in the index, so they are not drawn.

**Toggling a layer** re-highlights the blocks its spans touch: ``rehighlight_progressively``
draws the visible ones at once and the others in chunks from the event loop (``pending`` says
how many are left; ``flush(first, last)`` draws pending blocks of a range now, e.g. after a
scroll), so the toggle returns in tens of milliseconds even at 100,000 spans.

**Opening a text** works the same way: ``deferring()`` wraps the view's ``setPlainText``, during
which Qt asks for every block; each is only noted as pending (a few microseconds instead of a
tenth of a millisecond), then ``flush(first, last, repaint=False)`` draws the pending blocks a
paint is about to show and the event loop draws the rest in chunks. The first frame of a 1 MB
text with 100,000 spans draws its few dozen visible lines, not all 7,000.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from annotator.domain.offsets import Utf16Map
from annotator.domain.span_index import Segment, SpanIndex
from annotator.ui.theme import chip_text_color

__all__ = ["BACKGROUND_ALPHA", "DEFAULT_COLOR", "OTHER_ALPHA", "SpanHighlighter", "focused_format"]

BACKGROUND_ALPHA = 110
#: Background alpha of another layer's span where no span of mine lies.
OTHER_ALPHA = 40
DEFAULT_COLOR = "#9e9e9e"
#: At most this many blocks are re-highlighted per event-loop turn by
#: ``rehighlight_progressively`` (and after an opening), and for about ``CHUNK_SECONDS``: a
#: key press arriving meanwhile waits at most that long.
CHUNK_BLOCKS = 20
CHUNK_SECONDS = 0.002
#: The first off-screen chunk waits this long (ms): the visible lines are painted first.
FIRST_CHUNK_DELAY_MS = 16

#: primary label, underline label, span count (3 = three or more), focused, primary of another
#: layer, underline of another layer.
_FormatKey = tuple[str, str | None, int, bool, bool, bool]


def focused_format(color: str) -> QTextCharFormat:
    """How the focused span looks: an opaque ``color`` behind black or white text."""
    fmt = QTextCharFormat()
    fmt.setForeground(chip_text_color(color))
    fmt.setBackground(QColor(color))
    return fmt


class SpanHighlighter(QSyntaxHighlighter):
    """A ``QSyntaxHighlighter`` showing the spans of ``index`` on ``document``.

    Expects: ``document`` holds exactly the text that ``index`` and ``offsets`` were built from
    (set with ``setPlainText``; ``AnnotationTextView.set_text`` does this). It emits no signals
    of its own. Change spans through ``add_span``/``remove_span``/``update_span`` (which keep the
    index and the drawing in step) rather than on the index directly.

    Created over a non-empty document, it highlights every block at once (Qt's own delayed
    pass then finds nothing to do); over an empty one, the later ``setPlainText`` highlights every
    block synchronously. Qt's ``rehighlight``/``rehighlightBlock`` mark the document modified;
    the Python-level ``rehighlight`` and ``rehighlight_blocks`` here keep the flag as it was.
    """

    def __init__(
        self,
        document: QTextDocument,
        index: SpanIndex,
        offsets: Utf16Map,
        colors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(document)
        self._index = index
        self._offsets = offsets
        self._colors: dict[str, str] = dict(colors or {})
        self._focused: Hashable | None = None
        self._formats: dict[_FormatKey, QTextCharFormat] = {}
        self._pending: set[int] = set()
        self._deferring = False
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next_chunk)
        if not document.isEmpty():
            self.rehighlight()

    # -- state --------------------------------------------------------------------------------

    @property
    def index(self) -> SpanIndex:
        """The span index being drawn."""
        return self._index

    @property
    def offsets(self) -> Utf16Map:
        """Offset conversions of the document's text."""
        return self._offsets

    def colors(self) -> dict[str, str]:
        """A copy of the label -> ``#rrggbb`` mapping."""
        return dict(self._colors)

    def color_of(self, label: str) -> str:
        """The colour used for ``label`` (``DEFAULT_COLOR`` when unknown or invalid)."""
        color = self._colors.get(label, DEFAULT_COLOR)
        return color if QColor.isValidColorName(color) else DEFAULT_COLOR

    def set_colors(self, colors: Mapping[str, str]) -> None:
        """Replace the colour mapping (labels renamed, recoloured) and re-highlight everything."""
        self._colors = dict(colors)
        self._formats.clear()
        self.rehighlight()

    def update_colors(self, colors: Mapping[str, str]) -> bool:
        """Replace the colour mapping, re-highlighting everything only if a label it had is
        gone or has another colour: a label just added draws no span differently, so adding
        one to a text with 100,000 spans costs nothing. Returns True when spans were drawn
        anew."""
        old = self._colors
        if any(colors.get(label) != color for label, color in old.items()):
            self.set_colors(colors)
            return True
        self._colors = dict(colors)
        # a label coming back (the undo of its removal) whose spans came back first: they
        # were drawn in the default colour; only their blocks are drawn again
        new = {label for label in colors if label not in old}
        stale = [key for key in self._formats if key[0] in new or key[1] in new]
        if stale:
            for key in stale:
                del self._formats[key]
            index = self._index
            blocks = {n for sp in index if sp.label in new
                      for n in index.blocks_of(sp.start, sp.end)}
            self.rehighlight_blocks(sorted(blocks))
        return bool(stale)

    def set_color(self, label: str, color: str) -> None:
        """Recolour one label and re-highlight everything."""
        self.set_colors({**self._colors, label: color})

    @property
    def focused_span_id(self) -> Hashable | None:
        """Id of the focused span, or ``None``."""
        return self._focused

    def set_focused_span(self, span_id: Hashable | None) -> None:
        """Focus a span (``None`` for none); re-highlights the old and new span's blocks."""
        if span_id == self._focused:
            return
        blocks = self._blocks_of_id(self._focused)
        self._focused = span_id
        self.rehighlight_blocks(sorted(set(blocks) | set(self._blocks_of_id(span_id))))

    # -- changes --------------------------------------------------------------------------------

    def add_span(self, span: Any) -> list[int]:
        """Add a span to the index and redraw its blocks; returns the block numbers."""
        blocks = self._index.add(span)
        self.rehighlight_blocks(blocks)
        return blocks

    def remove_span(self, span_id: Hashable) -> list[int]:
        """Remove a span (``KeyError`` if unknown) and redraw its blocks."""
        blocks = self._index.remove(span_id)
        if span_id == self._focused:
            self._focused = None
        self.rehighlight_blocks(blocks)
        return blocks

    def update_span(self, span: Any) -> list[int]:
        """Replace the span with the same id (relabel, resize) and redraw old and new blocks."""
        blocks = self._index.update(span)
        self.rehighlight_blocks(blocks)
        return blocks

    def reset_spans(self, spans: Iterable[Any]) -> None:
        """Replace every span and re-highlight everything."""
        self._index.reset(spans)
        if self._focused is not None and self._focused not in self._index:
            self._focused = None
        self.rehighlight()

    @property
    def pending(self) -> int:
        """Blocks still waiting to be re-highlighted by ``rehighlight_progressively``."""
        return len(self._pending)

    def rehighlight_progressively(self, numbers: Iterable[int], first: int, last: int) -> None:
        """Re-highlight blocks ``numbers``: those in ``first..last`` (the visible ones) now, the
        others ``CHUNK_BLOCKS`` at a time from the event loop."""
        wanted = self._pending | set(numbers)
        now = sorted(n for n in wanted if first <= n <= last)
        self._pending = wanted.difference(now)
        self.rehighlight_blocks(now)
        self._schedule()

    @contextmanager
    def deferring(self) -> Iterator[None]:
        """Within the block, blocks Qt asks to highlight are only noted as pending (wrap the
        ``setPlainText`` of a new text); afterwards the event loop draws them in chunks, and
        ``flush(first, last, repaint=False)`` those a paint is about to show."""
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        self._schedule()

    def _schedule(self) -> None:
        if self._pending and not self._timer.isActive():
            self._timer.start(FIRST_CHUNK_DELAY_MS)

    def flush(self, first: int = 0, last: int | None = None, *, repaint: bool = True) -> None:
        """Re-highlight now the pending blocks in ``first..last`` (all of them by default);
        ``repaint=False`` for a paint about to draw them (it shows the new formats itself)."""
        if not self._pending:
            return
        now = sorted(n for n in self._pending if n >= first and (last is None or n <= last))
        if now:
            self.rehighlight_blocks(now, repaint=repaint)

    def _next_chunk(self) -> None:
        if not self._pending or self.document() is None:
            self._pending.clear()
            self._timer.stop()
            return
        if self._timer.interval():
            self._timer.setInterval(0)  # after the first chunk: one chunk per event-loop turn
        chunk = sorted(self._pending)[:CHUNK_BLOCKS]
        deadline = time.perf_counter() + CHUNK_SECONDS
        for at in range(0, len(chunk), 4):
            self.rehighlight_blocks(chunk[at:at + 4])
            if time.perf_counter() > deadline:
                break

    def rehighlight(self) -> None:
        """Re-highlight every block, keeping the document's modified flag."""
        self._pending.clear()
        doc = self.document()
        if doc is None:
            return
        modified = doc.isModified()
        super().rehighlight()
        doc.setModified(modified)

    def rehighlight_blocks(self, numbers: Iterable[int], *, repaint: bool = True) -> None:
        """Re-highlight the given blocks only; views repaint just those blocks' rectangles
        (``repaint=False``: none, for a paint about to draw them).

        Qt's ``rehighlightBlock`` marks a range twice the block's length dirty, which makes
        ``QPlainTextDocumentLayout`` ask every view to repaint its whole viewport. Formats never
        change a block's height (no font changes), so that blanket ``update`` is held back here
        and ``updateBlock`` is emitted for each re-highlighted block instead.
        """
        doc = self.document()
        if doc is None:
            return
        numbers = list(numbers)
        if self._pending:
            self._pending.difference_update(numbers)
            if not self._pending:
                self._timer.stop()
        modified = doc.isModified()
        layout = doc.documentLayout()
        blocks = []
        blocked = layout.blockSignals(True)
        try:
            for n in numbers:
                block = doc.findBlockByNumber(n)
                if block.isValid():
                    self.rehighlightBlock(block)
                    blocks.append(block)
        finally:
            layout.blockSignals(blocked)
        if repaint and not blocked:
            for block in blocks:
                layout.updateBlock.emit(block)
        doc.setModified(modified)

    # -- drawing ------------------------------------------------------------------------------

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        """Called by Qt for one block; ``text`` is not used: the index knows the spans."""
        block = self.currentBlock()
        n = block.blockNumber()
        if n < 0 or n >= self._index.block_count:
            return
        if self._deferring:
            self._pending.add(n)
            return
        index = self._index
        segments = index.segments(n)
        if not segments:
            return
        origin = block.position()
        to16 = self._offsets.to_utf16
        origin_cp = index.block_start(n)
        end_cp = index.block_end(n)
        local = to16(end_cp) - origin == end_cp - origin_cp  # no astral character in the block
        formats = self._formats
        set_format = self.setFormat
        # Only segments inside the focused span need the slower key that looks for it.
        focused = index.get(self._focused) if self._focused is not None else None
        if focused is not None:
            focus_start, focus_end = focused.start, focused.end
            if focus_end <= origin_cp or focus_start > end_cp:
                focused = None
        own = index.own_layer
        layer_key = self._layer_key
        for seg in segments:
            spans = seg.spans
            if focused is None or seg.end <= focus_start or seg.start >= focus_end:
                count = len(spans)
                if own is None:
                    key = (
                        spans[0].label,
                        spans[1].label if count > 1 else None,
                        count if count < 3 else 3,
                        False, False, False,
                    )
                else:
                    key = layer_key(spans, None, own)
            else:
                key = self.format_key(seg)
            fmt = formats.get(key)
            if fmt is None:
                fmt = formats[key] = self._make_format(*key)
            if local:
                set_format(seg.start - origin_cp, seg.end - seg.start, fmt)
            else:
                a = to16(seg.start)
                set_format(a - origin, to16(seg.end) - a, fmt)

    def format_key(self, seg: Segment) -> _FormatKey:
        """What decides a segment's look: primary label, underline label, span count, focus,
        and whether the primary and the underlined span are of another layer."""
        return self._layer_key(seg.spans, self._focused, self._index.own_layer)

    @staticmethod
    def _layer_key(spans: tuple[Any, ...], focused: Hashable | None,
                   own: str | None) -> _FormatKey:
        primary = spans[0]
        is_focused = False
        if focused is not None:
            for sp in spans:
                if sp.id == focused:
                    primary, is_focused = sp, True
                    break
        count = len(spans)
        if own is None:
            under_span = next((sp for sp in spans if sp is not primary), None)
            return (primary.label, under_span.label if under_span is not None else None,
                    min(count, 3), is_focused, False, False)
        if not is_focused and count > 1 and getattr(primary, "annotator", own) != own:
            primary = next((sp for sp in spans if getattr(sp, "annotator", own) == own), primary)
        under_span = None
        if count > 1:  # a colleague's span shows as an underline before a second one of mine
            rest = [sp for sp in spans if sp is not primary]
            under_span = next((sp for sp in rest if getattr(sp, "annotator", own) != own), rest[0])
        return (
            primary.label,
            under_span.label if under_span is not None else None,
            min(count, 3),
            is_focused,
            getattr(primary, "annotator", own) != own,
            under_span is not None and getattr(under_span, "annotator", own) != own,
        )

    def _make_format(
        self, label: str, under: str | None, count: int, focused: bool,
        other: bool = False, under_other: bool = False,
    ) -> QTextCharFormat:
        if focused:
            fmt = focused_format(self.color_of(label))
        else:
            fmt = QTextCharFormat()
            bg = QColor(self.color_of(label))
            bg.setAlpha(OTHER_ALPHA if other else BACKGROUND_ALPHA)
            fmt.setBackground(bg)
        if under is not None:
            fmt.setUnderlineStyle(
                QTextCharFormat.UnderlineStyle.DotLine
                if under_other
                else QTextCharFormat.UnderlineStyle.WaveUnderline
                if count == 2
                else QTextCharFormat.UnderlineStyle.DashUnderline
            )
            fmt.setUnderlineColor(QColor(self.color_of(under)))
        elif other:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(QColor(self.color_of(label)))
        return fmt

    def _blocks_of_id(self, span_id: Hashable | None) -> range:
        span = self._index.get(span_id) if span_id is not None else None
        return self._index.blocks_of(span.start, span.end) if span is not None else range(0)
