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

**Hidden layers.** Every span is kept, in its layer (its ``annotator``; ``None`` without one);
``hide_layer(name)`` and ``show_layer(name)`` only flip whether the layer is read. Every read
(``get``, ``in``, iteration, ``len``, the block queries) sees the shown layers only; ``find``,
``all_spans``, ``hidden_spans`` and ``total`` see every layer. Showing or hiding a layer of
30,000 spans therefore moves nothing; ``add``/``remove``/``update`` work on any layer and
return no blocks for a span of a hidden layer (nothing drawn changed).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import ChainMap
from collections.abc import Hashable, Iterable, Iterator, KeysView
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
    """Spans of one text, indexed by the blocks (lines) they touch, layer by layer."""

    def __init__(self, text: str, spans: Iterable[SpanLike] = (),
                 hidden_layers: Iterable[str] = ()) -> None:
        if "\r" in text or "\u2029" in text:
            raise ValueError("text is not canonical: it contains \\r or U+2029 (canonicalise it)")
        self._length = len(text)
        self._starts: list[int] = [0, *(m.end() for m in re.finditer("\n", text))]
        #: every span of every layer, by id
        self._all: dict[Hashable, Any] = {}
        #: layer -> its spans by id; layer -> per block, its spans there
        self._layer_spans: dict[Any, dict[Hashable, Any]] = {}
        self._layer_blocks: dict[Any, list[dict[Hashable, Any]]] = {}
        self._hidden: set[Any] = set(hidden_layers)
        #: layer -> a number that changes whenever a span of the layer is added or removed
        self._generations: dict[Any, int] = {}
        #: layer -> (its generation, the blocks its spans touch then)
        self._touched: dict[Any, tuple[int, set[int]]] = {}
        #: the per-block lists of the shown layers (what every read looks at)
        self._shown: list[list[dict[Hashable, Any]]] = []
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

    # -- layers -------------------------------------------------------------------------------

    @property
    def hidden_layers(self) -> frozenset[Any]:
        """The layers not read (their spans are kept)."""
        return frozenset(self._hidden)

    def is_shown(self, span: SpanLike) -> bool:
        """True when ``span``'s layer is shown."""
        return getattr(span, "annotator", None) not in self._hidden

    def hide_layer(self, layer: Any) -> set[int]:
        """Stop reading ``layer``; returns the blocks its spans touch (to redraw)."""
        if layer in self._hidden:
            return set()
        self._hidden.add(layer)
        self._reshow()
        return self.layer_blocks(layer)

    def show_layer(self, layer: Any) -> set[int]:
        """Read ``layer`` again; returns the blocks its spans touch (to redraw)."""
        if layer not in self._hidden:
            return set()
        self._hidden.discard(layer)
        self._reshow()
        return self.layer_blocks(layer)

    def layer_blocks(self, layer: Any) -> set[int]:
        """The blocks touched by spans of ``layer`` (shown or not)."""
        generation = self._generations.get(layer, 0)
        known = self._touched.get(layer)
        if known is None or known[0] != generation:
            blocks = self._layer_blocks.get(layer)
            found = {n for n, spans in enumerate(blocks) if spans} if blocks else set()
            known = self._touched[layer] = (generation, found)
        return set(known[1])

    def layer_ids(self, layer: Any) -> KeysView[Hashable]:
        """The ids of the spans of ``layer`` (shown or not; a live view: do not keep it)."""
        return self._layer_spans.get(layer, {}).keys()

    def layer_spans(self, layer: Any) -> list[Any]:
        """The spans of ``layer`` (shown or not)."""
        return list(self._layer_spans.get(layer, {}).values())

    def layer_generation(self, layer: Any) -> int:
        """A number that changes whenever a span of ``layer`` is added, removed or replaced (a
        view that put something aside for the layer can tell whether it is still valid)."""
        return self._generations.get(layer, 0)

    def layer_counts(self) -> dict[Any, int]:
        """Layer -> number of its spans (every layer with spans, shown or not)."""
        return {name: len(spans) for name, spans in self._layer_spans.items() if spans}

    def _reshow(self) -> None:
        hidden = self._hidden
        self._shown = [blocks for name, blocks in self._layer_blocks.items() if name not in hidden]

    def _layer(self, layer: Any) -> tuple[dict[Hashable, Any], list[dict[Hashable, Any]]]:
        spans = self._layer_spans.get(layer)
        if spans is None:
            spans = self._layer_spans[layer] = {}
            self._layer_blocks[layer] = [{} for _ in self._starts]
            self._reshow()
        return spans, self._layer_blocks[layer]

    # -- spans --------------------------------------------------------------------------------

    def __len__(self) -> int:
        if not self._hidden:
            return len(self._all)
        spans = self._layer_spans
        return len(self._all) - sum(len(spans.get(name, ())) for name in self._hidden)

    def __contains__(self, span_id: object) -> bool:
        return self.get(span_id) is not None  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        if not self._hidden:
            return iter(self._all.values())
        hidden = self._hidden
        return (sp for name, spans in self._layer_spans.items() if name not in hidden
                for sp in spans.values())

    def get(self, span_id: Hashable) -> Any | None:
        """The span with this id in a shown layer, or ``None``."""
        sp = self._all.get(span_id)
        if sp is not None and self._hidden and getattr(sp, "annotator", None) in self._hidden:
            return None
        return sp

    def find(self, span_id: Hashable) -> Any | None:
        """The span with this id in any layer, shown or hidden, or ``None``."""
        return self._all.get(span_id)

    def all_spans(self) -> Iterator[Any]:
        """Every span of every layer."""
        return iter(self._all.values())

    def hidden_spans(self) -> ChainMap[Hashable, Any]:
        """The spans of the hidden layers by id (a read-only view: do not modify)."""
        spans = self._layer_spans
        return ChainMap(*(spans[name] for name in sorted(self._hidden, key=str) if name in spans))

    def total(self) -> int:
        """Number of spans in every layer, shown or hidden."""
        return len(self._all)

    def _block(self, n: int) -> list[Any]:
        shown = self._shown
        if len(shown) == 1:
            return list(shown[0][n].values())
        out: list[Any] = []
        for blocks in shown:
            if blocks[n]:
                out.extend(blocks[n].values())
        return out

    def spans_in_block(self, n: int) -> list[Any]:
        """Spans touching block ``n``, in paint order."""
        return sorted(self._block(n), key=paint_order)

    def spans_at(self, cp: int) -> list[Any]:
        """Spans covering the character at ``cp`` (``start <= cp < end``), in paint order."""
        if cp < 0 or cp >= self._length:
            return []
        block = self._block(bisect_right(self._starts, cp) - 1)
        found = sorted((sp for sp in block if sp.start <= cp < sp.end), key=paint_order)
        own = self.own_layer
        if own is not None and len(found) > 1:
            found.sort(key=lambda sp: getattr(sp, "annotator", own) != own)  # stable
        return found

    def spans_overlapping(self, start: int, end: int) -> list[Any]:
        """Spans sharing at least one character with ``[start, end)``, in paint order."""
        found: dict[Hashable, Any] = {}
        for n in self.blocks_of(max(0, start), min(end, self._length)):
            for sp in self._block(n):
                if sp.start < end and sp.end > start:
                    found[sp.id] = sp
        return sorted(found.values(), key=paint_order)

    def segments(self, n: int) -> list[Segment]:
        """Elementary segments of block ``n``: the block split at every span boundary, keeping
        only the covered runs, each with its covering spans in paint order."""
        spans = self._block(n)
        if not spans:
            return []
        bs = self._starts[n]
        be = self.block_end(n)
        opens: list[tuple[int, Any]] = []
        closes: list[tuple[int, int]] = []
        for sp in sorted(spans, key=paint_order):
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
        seen: dict[Any, tuple[dict[Hashable, Any], list[dict[Hashable, Any]]]] = {}
        try:
            self._place(spans, seen, blocks)
        finally:
            generations = self._generations
            for name in seen:
                generations[name] = generations.get(name, 0) + 1

    def _place(self, spans: Iterable[SpanLike],
               seen: dict[Any, tuple[dict[Hashable, Any], list[dict[Hashable, Any]]]],
               blocks: set[int] | None) -> None:
        starts, index, hidden = self._starts, self._all, self._hidden
        n_starts = len(starts)
        length = self._length
        layer: Any = object()
        layer_spans: dict[Hashable, Any] = {}
        by_block: list[dict[Hashable, Any]] = []
        for sp in spans:
            s, e, sid = sp.start, sp.end, sp.id
            if not 0 <= s <= e <= length:
                self._check(sp)
            if sid in index:
                raise ValueError(f"duplicate span id {sid!r}")
            name = getattr(sp, "annotator", None)
            if name != layer:
                layer = name
                found = seen.get(name)
                if found is None:
                    found = seen[name] = self._layer(name)
                layer_spans, by_block = found
            index[sid] = sp
            layer_spans[sid] = sp
            first = bisect_right(starts, s) - 1
            if e <= s or first + 1 >= n_starts or e <= starts[first + 1]:
                last = first  # on one line (the usual case): one search, not two
            else:
                last = bisect_right(starts, e - 1) - 1
            if first == last:
                by_block[first][sid] = sp
                if blocks is not None and name not in hidden:
                    blocks.add(first)
            else:
                for n in range(first, last + 1):
                    by_block[n][sid] = sp
                if blocks is not None and name not in hidden:
                    blocks.update(range(first, last + 1))

    def add(self, span: SpanLike) -> list[int]:
        """Add a span (its id must be new); return the blocks to re-highlight (none for a
        span of a hidden layer)."""
        self._check(span)
        self._add_many((span,))
        return list(self.blocks_of(span.start, span.end)) if self.is_shown(span) else []

    def add_many(self, spans: Iterable[SpanLike]) -> set[int]:
        """Add many spans at once (ids must be new); returns the blocks of shown layers they
        touch."""
        blocks: set[int] = set()
        self._add_many(spans, blocks)
        return blocks

    def remove_many(self, span_ids: Iterable[Hashable]) -> set[int]:
        """Remove many spans at once (``KeyError`` if one is unknown); returns the blocks of
        shown layers they touched."""
        blocks: set[int] = set()
        for span_id in list(span_ids):
            blocks.update(self.remove(span_id))
        return blocks

    def remove(self, span_id: Hashable) -> list[int]:
        """Remove the span with this id (``KeyError`` if unknown); return the affected blocks
        (none for a span of a hidden layer)."""
        sp = self._all[span_id]
        blocks = self._detach(sp)
        return list(blocks) if self.is_shown(sp) else []

    def update(self, span: SpanLike) -> list[int]:
        """Replace the span with the same id (``KeyError`` if unknown): relabel, resize.

        Returns the blocks touched by the old or the new span where shown, ascending."""
        old = self._all[span.id]
        self._check(span)
        old_blocks = self._detach(old)
        self._add_many((span,))
        touched: set[int] = set(old_blocks) if self.is_shown(old) else set()
        if self.is_shown(span):
            touched.update(self.blocks_of(span.start, span.end))
        return sorted(touched)

    def _detach(self, sp: Any) -> range:
        span_id = sp.id
        del self._all[span_id]
        layer = getattr(sp, "annotator", None)
        self._generations[layer] = self._generations.get(layer, 0) + 1
        del self._layer_spans[layer][span_id]
        by_block = self._layer_blocks[layer]
        blocks = self.blocks_of(sp.start, sp.end)
        for n in blocks:
            del by_block[n][span_id]
        return blocks

    def reset(self, spans: Iterable[SpanLike] = ()) -> None:
        """Replace all spans (e.g. after switching documents of the same text); hidden layers
        stay hidden."""
        for layer in self._layer_spans:  # what was known of these layers no longer holds
            self._generations[layer] = self._generations.get(layer, 0) + 1
        self._touched = {}
        self._all = {}
        self._layer_spans = {}
        self._layer_blocks = {}
        self._shown = []
        self._add_many(spans)
