"""A per-block index of spans, for drawing and hit-testing them quickly. Qt-free.

Blocks are the lines of the text split at ``"\\n"``: exactly the blocks ``QPlainTextEdit``
makes from ``setPlainText`` of a canonical text (no ``\\r``, U+2028 or U+2029, which
``annotator.domain.text.canonicalise`` turns into ``"\\n"``). Block ``n`` covers the code points
``[block_start(n), block_end(n))``; the ``"\\n"`` after it belongs to no block's visible text.

Spans are any objects with ``id`` (hashable, and orderable for a deterministic order),
``start``, ``end`` (code points, end-exclusive) and ``label``, such as
``annotator.domain.spans.Span``. Spans are kept by id; ``update`` replaces the span with the same
id (relabel, resize). ``add``/``remove``/``update`` return the numbers of the blocks whose drawing
changed, so a view re-highlights only those.

**Paint order.** Within a block, spans are ordered by ``(start, -end, id)``: the earliest and,
among equal starts, the longest (outermost) span comes first. The first span covering a segment
is its *primary* span (drawn as background); the others are drawn as underlines. Adding a
nested span therefore never changes how the outer span is drawn.

**Own layer.** ``own_layer`` names the layer (a span's ``annotator``) that is edited here; when
set, ``spans_at`` lists that layer's spans first (a click on an overlap focuses the user's own
span before a colleague's), each group in paint order. Spans without ``annotator`` count as own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, NamedTuple, Protocol

__all__ = ["Segment", "SpanIndex", "SpanLike", "paint_order"]


class SpanLike(Protocol):
    """What the index needs from a span."""

    @property
    def id(self) -> Hashable: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...


def paint_order(span: SpanLike) -> tuple[int, int, Any]:
    """Sort key of spans within a block: earliest start, then longest, then id."""
    return (span.start, -span.end, span.id)


class Segment(NamedTuple):
    """A maximal run ``[start, end)`` of one block (code points, absolute in the text) covered
    by the same spans; ``spans`` is in paint order and never empty."""

    start: int
    end: int
    spans: tuple[Any, ...]

    @property
    def primary(self) -> Any:
        """The span drawn as background."""
        return self.spans[0]

    @property
    def labels(self) -> tuple[str, ...]:
        """Distinct labels of the covering spans, in paint order."""
        return tuple(dict.fromkeys(sp.label for sp in self.spans))


class SpanIndex:
    """Spans of one text, indexed by the blocks (lines) they touch."""

    def __init__(self, text: str, spans: Iterable[SpanLike] = ()) -> None:
        if "\r" in text or "\u2029" in text:
            raise ValueError("text is not canonical: it contains \\r or U+2029 (canonicalise it)")
        self._length = len(text)
        self._starts: list[int] = [0, *(m.end() for m in re.finditer("\n", text))]
        self._by_block: list[dict[Hashable, Any]] = [{} for _ in self._starts]
        self._spans: dict[Hashable, Any] = {}
        #: The layer edited here (see the module docstring); None: no preference.
        self.own_layer: str | None = None
        self._add_many(spans)

    # -- blocks -------------------------------------------------------------------------------

    @property
    def text_length(self) -> int:
        """Length of the text in code points."""
        return self._length

    @property
    def block_count(self) -> int:
        """Number of blocks (lines); a text with k newlines has k + 1 blocks."""
        return len(self._starts)

    def block_start(self, n: int) -> int:
        """Code-point position where block ``n`` starts."""
        return self._starts[n]

    def block_end(self, n: int) -> int:
        """Code-point position where block ``n`` ends (before its ``"\\n"``, if any)."""
        return self._starts[n + 1] - 1 if n + 1 < len(self._starts) else self._length

    def block_of(self, cp: int) -> int:
        """Number of the block holding position ``cp`` (a ``"\\n"`` belongs to its line)."""
        if cp < 0 or cp > self._length:
            raise IndexError(f"position {cp} outside 0..{self._length}")
        return bisect_right(self._starts, cp) - 1

    def blocks_of(self, start: int, end: int) -> range:
        """Blocks touched by the range ``[start, end)`` (the block of ``start`` if empty)."""
        first = bisect_right(self._starts, start) - 1
        last = bisect_right(self._starts, end - 1) - 1 if end > start else first
        return range(first, last + 1)

    # -- spans --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._spans

    def __iter__(self) -> Iterator[Any]:
        return iter(self._spans.values())

    def get(self, span_id: Hashable) -> Any | None:
        """The span with this id, or ``None``."""
        return self._spans.get(span_id)

    def spans_in_block(self, n: int) -> list[Any]:
        """Spans touching block ``n``, in paint order."""
        return sorted(self._by_block[n].values(), key=paint_order)

    def spans_at(self, cp: int) -> list[Any]:
        """Spans covering the character at ``cp`` (``start <= cp < end``), in paint order."""
        if cp < 0 or cp >= self._length:
            return []
        block = self._by_block[bisect_right(self._starts, cp) - 1]
        found = sorted((sp for sp in block.values() if sp.start <= cp < sp.end), key=paint_order)
        own = self.own_layer
        if own is not None and len(found) > 1:
            found.sort(key=lambda sp: getattr(sp, "annotator", own) != own)  # stable
        return found

    def spans_overlapping(self, start: int, end: int) -> list[Any]:
        """Spans sharing at least one character with ``[start, end)``, in paint order."""
        found: dict[Hashable, Any] = {}
        for n in self.blocks_of(max(0, start), min(end, self._length)):
            for sid, sp in self._by_block[n].items():
                if sp.start < end and sp.end > start:
                    found[sid] = sp
        return sorted(found.values(), key=paint_order)

    def segments(self, n: int) -> list[Segment]:
        """Elementary segments of block ``n``: the block split at every span boundary, keeping
        only the covered runs, each with its covering spans in paint order."""
        spans = self._by_block[n]
        if not spans:
            return []
        bs = self._starts[n]
        be = self.block_end(n)
        opens: list[tuple[int, Any]] = []
        closes: list[tuple[int, int]] = []
        for sp in sorted(spans.values(), key=paint_order):
            a = sp.start if sp.start > bs else bs
            b = sp.end if sp.end < be else be
            if a < b:
                closes.append((b, len(opens)))
                opens.append((a, sp))
        if not opens:
            return []
        closes.sort()
        points = sorted({p for p, _ in opens} | {p for p, _ in closes})
        out: list[Segment] = []
        active: dict[int, Any] = {}
        oi = ci = 0
        n_open = len(opens)
        for k in range(len(points) - 1):
            p = points[k]
            while ci < len(closes) and closes[ci][0] == p:
                del active[closes[ci][1]]
                ci += 1
            while oi < n_open and opens[oi][0] == p:
                active[oi] = opens[oi][1]
                oi += 1
            if active:
                out.append(Segment(p, points[k + 1], tuple(active.values())))
        return out

    # -- changes ------------------------------------------------------------------------------

    def _check(self, span: SpanLike) -> None:
        if not 0 <= span.start <= span.end <= self._length:
            raise ValueError(
                f"span {span.id!r} [{span.start}, {span.end}) is reversed or outside "
                f"0..{self._length}"
            )

    def _add_many(self, spans: Iterable[SpanLike], blocks: set[int] | None = None) -> None:
        starts, by_block, index = self._starts, self._by_block, self._spans
        touched = blocks.add if blocks is not None else None
        n_starts = len(starts)
        length = self._length
        for sp in spans:
            s, e, sid = sp.start, sp.end, sp.id
            if not 0 <= s <= e <= length:
                self._check(sp)
            if sid in index:
                raise ValueError(f"duplicate span id {sid!r}")
            index[sid] = sp
            first = bisect_right(starts, s) - 1
            if e <= s or first + 1 >= n_starts or e <= starts[first + 1]:
                last = first  # on one line (the usual case): one search, not two
            else:
                last = bisect_right(starts, e - 1) - 1
            if first == last:
                by_block[first][sid] = sp
                if touched is not None:
                    touched(first)
            else:
                for n in range(first, last + 1):
                    by_block[n][sid] = sp
                if blocks is not None:
                    blocks.update(range(first, last + 1))

    def add(self, span: SpanLike) -> list[int]:
        """Add a span (its id must be new); return the blocks to re-highlight."""
        self._check(span)
        self._add_many((span,))
        return list(self.blocks_of(span.start, span.end))

    def add_many(self, spans: Iterable[SpanLike]) -> set[int]:
        """Add many spans at once (ids must be new), e.g. a layer being shown; returns the
        blocks they touch."""
        blocks: set[int] = set()
        self._add_many(spans, blocks)
        return blocks

    def remove_many(self, span_ids: Iterable[Hashable]) -> set[int]:
        """Remove many spans at once (``KeyError`` if one is unknown); returns the blocks they
        touched. Removing more spans than there are blocks scans the blocks once instead of
        locating each span."""
        index, by_block, starts = self._spans, self._by_block, self._starts
        removed = [index.pop(span_id) for span_id in span_ids]
        blocks: set[int] = set()
        if len(removed) > len(starts):
            gone = {sp.id for sp in removed}
            for n, spans in enumerate(by_block):
                hits = [sid for sid in spans if sid in gone]
                if hits:
                    for sid in hits:
                        del spans[sid]
                    blocks.add(n)
            return blocks
        add = blocks.add
        for sp in removed:
            s, e, sid = sp.start, sp.end, sp.id
            first = bisect_right(starts, s) - 1
            last = bisect_right(starts, e - 1) - 1 if e > s else first
            if first == last:
                del by_block[first][sid]
                add(first)
            else:
                for n in range(first, last + 1):
                    del by_block[n][sid]
                    add(n)
        return blocks

    def remove(self, span_id: Hashable) -> list[int]:
        """Remove the span with this id (``KeyError`` if unknown); return the affected blocks."""
        return list(self._detach(span_id))

    def update(self, span: SpanLike) -> list[int]:
        """Replace the span with the same id (``KeyError`` if unknown): relabel, resize.

        Returns the blocks touched by the old or the new span, ascending."""
        if span.id not in self._spans:
            raise KeyError(span.id)
        self._check(span)
        old = self._detach(span.id)
        self._add_many((span,))
        return sorted(set(old) | set(self.blocks_of(span.start, span.end)))

    def _detach(self, span_id: Hashable) -> range:
        sp = self._spans.pop(span_id)
        blocks = self.blocks_of(sp.start, sp.end)
        for n in blocks:
            del self._by_block[n][span_id]
        return blocks

    def reset(self, spans: Iterable[SpanLike] = ()) -> None:
        """Replace all spans (e.g. after switching documents of the same text)."""
        self._by_block = [{} for _ in self._starts]
        self._spans = {}
        self._add_many(spans)
