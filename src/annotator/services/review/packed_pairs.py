"""Agreement of two annotators over spans packed into integers: :class:`PackedPairs`.

``store.review_reads.PairPacking`` packs a span as ``start``, ``end``, a start flag and the
label id side by side, so that a span is also the event of its start. :class:`PackedPairs`
counts what ``matching.pair_document`` counts (the spans, the spans both have, the
overlapping pairs, the character runs) with most of the work in C: sorting, sets, bisection
and running sums instead of a Python step per span boundary.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import accumulate, chain, compress, repeat
from operator import add, and_, mul, not_, rshift, sub, xor
from typing import Any

__all__ = ["PackedPairs"]


class PackedPairs:
    """:func:`~annotator.services.review.matching.pair_document` for spans packed into
    integers (``store.review_reads.PairPacking``), with the totals kept over every document
    added: the same counts and runs.

    The character runs come from one running sum over the span boundaries of both annotators:
    each (annotator, label) has a 2-bit field holding how many of its spans are open, so the
    sum after a boundary says which labels cover the characters up to the next one. A
    document in which spans of one label and annotator overlap (a field reaching 2) is left to
    the caller (:meth:`add` returns None), which measures it with ``pair_document``.
    """

    def __init__(self, packing: object, labels: frozenset[str] | None = None) -> None:
        self.names: list[str] = packing.labels  # type: ignore[attr-defined]
        self.start_shift: int = packing.start_shift  # type: ignore[attr-defined]
        self.end_shift: int = packing.end_shift  # type: ignore[attr-defined]
        self.position_mask: int = packing.position_mask  # type: ignore[attr-defined]
        self.label_mask: int = packing.label_mask  # type: ignore[attr-defined]
        self.code_mask: int = packing.code_mask  # type: ignore[attr-defined]
        start: int = packing.start  # type: ignore[attr-defined]
        width = len(self.names)
        self.width = width
        self.wanted = None if labels is None else frozenset(
            index for index, name in enumerate(self.names) if name in labels)
        delta = [0] * (self.code_mask + 1)
        for field in range(2 * width):  # field: label id, plus width for the second annotator
            delta[start | field] = 1 << (2 * field)
            delta[field] = -(1 << (2 * field))
        self._delta = delta.__getitem__
        self._high = sum(2 << (2 * field) for field in range(2 * width))
        self._states: dict[int, tuple[int, int]] = {0: (0, 0)}
        # running sum -> (first's label mask, second's, whether they are equal)
        self._sides: dict[int, tuple[int, int, bool]] = {0: (0, 0, True)}
        # label id -> count, over every document added
        self.first = Counter()  # the first annotator's spans
        self.second = Counter()  # the second's
        self.twins = Counter()  # spans both have (same start, end and label)
        self.first_overlap = Counter()  # first's spans overlapping one of the same label
        self.second_overlap = Counter()
        self.first_touched = Counter()  # first's spans overlapping any of the second
        self.second_touched = Counter()
        self.confusion = Counter()  # first label id * width + second label id -> pairs
        # running sum -> characters, over every document (:meth:`runs`)
        self._runs: dict[int, int] = {}
        self._pending: list[tuple[list[int], list[int], set[int], list[int], list[int],
                                  set[int], set[int]]] = []

    def add(self, doc: object, length: int, first: list[int], second: list[int]
            ) -> tuple[int, int, set[int], int, int, dict[int, int]] | None:
        """Add document ``doc`` of ``length`` code points (each list: one annotator's spans
        in it, each span once, every label; sorted here in place). Returns ``(spans of the
        first, spans of the second, twins (the spans both have), first's overlapped, second's
        overlapped, runs)`` (``runs``: the document's character runs keyed by running sum, see
        :meth:`masks`), or None, adding nothing, when spans of one label and annotator overlap
        in it. Raises ``ValueError`` when a span ends after the text."""
        (got,) = self._documents([(doc, length, first, second)])
        if got is not None:
            self._coefficients(got[5])  # adds the runs into the totals
        return got

    def add_documents(self, rows: Iterable[tuple[object, int, list[int], list[int]]],
                      counts: array, coefficients: array
                      ) -> tuple[list[object], list[set[int] | None]]:
        """:meth:`add` each of ``rows`` (``(doc, length, first, second)``), writing the
        figures of each document measured here to the ends of ``counts`` (its exact then its
        overlap counts: ``n, m, twins, twins, n, m, first's overlapped, second's overlapped``)
        and ``coefficients`` (its kappa and alpha, NaN when undefined). Returns the documents
        measured here, in order, and per row the spans both have (packed), None for a row
        left to the caller (see :meth:`add`)."""
        measured: list[object] = []
        twins_of: list[set[int] | None] = []
        write_counts, write_coefficients = counts.extend, coefficients.extend
        merge = self._coefficients
        rows = list(rows)
        for (doc, _length, _first, _second), got in zip(rows, self._documents(rows),
                                                          strict=True):
            if got is None:
                twins_of.append(None)
                continue
            n, m, twins, first_overlapped, second_overlapped, raw = got
            t = len(twins)
            write_counts((n, m, t, t, n, m, first_overlapped, second_overlapped))
            write_coefficients(merge(raw))
            measured.append(doc)
            twins_of.append(twins)
        return measured, twins_of

    def _coefficients(self, raw: dict[int, int]) -> tuple[float, float]:
        """Add a document's runs (keyed by running sum) into the totals, and return its
        ``coefficients.pair_coefficients`` (kappa, alpha; NaN when undefined) from them: the
        same integers, so the same floats."""
        sides, totals = self._sides, self._runs
        margin_a: dict[int, int] = {}
        margin_b: dict[int, int] = {}
        total = agree = 0
        for state, weight in raw.items():
            side = sides.get(state)
            if side is None:
                side = self._side(state)
            totals[state] = totals.get(state, 0) + weight
            a, b, same = side
            total += weight
            margin_a[a] = margin_a.get(a, 0) + weight
            margin_b[b] = margin_b.get(b, 0) + weight
            if same:
                agree += weight
        # pair_coefficients adds 2.0 per disagreeing character: whole numbers, exact in floats
        observed = float(2 * (total - agree))
        values_a = margin_a.values()
        chance = sum(map(mul, values_a, map(margin_b.get, margin_a, repeat(0))))
        denominator = total * total - chance
        kappa = (math.nan if total == 0 or denominator == 0
                 else (total * agree - chance) / denominator)
        values_b = margin_b.values()
        n = 2 * total
        # the squares of the value totals (margin_a[v] + margin_b[v]), expanded
        expected = n * n - (sum(map(mul, values_a, values_a)) + sum(map(mul, values_b, values_b))
                            + 2 * chance)
        alpha = math.nan if n == 0 or expected == 0 else 1.0 - (n - 1) * observed / expected
        return kappa, alpha

    def _side(self, state: int) -> tuple[int, int, bool]:
        a, b = self._states[state] = self._split(state)
        side = self._sides[state] = (a, b, a == b)
        return side

    def _documents(self, rows: Iterable[tuple[object, int, list[int], list[int]]]
                   ) -> Iterator[tuple[int, int, set[int], int, int, dict[int, int]] | None]:
        """:meth:`add` of each of ``rows`` without adding the runs into the totals."""
        ss, es, pm, lm, width = (self.start_shift, self.end_shift, self.position_mask,
                                 self.label_mask, self.width)
        wanted, delta, high, code_mask = self.wanted, self._delta, self._high, self.code_mask
        pending = self._pending
        for doc, length, first, second in rows:
            if wanted is not None:
                if first or second:
                    _check_end(doc, length, max((x >> es & pm for x in first + second)))
                first = [x for x in first if x & lm in wanted]
                second = [y for y in second if y & lm in wanted]
            first.sort()
            second.sort()
            ends_first = [(x >> es & pm) << ss | x & lm for x in first]
            ends_second = [(y >> es & pm) << ss | (y & lm) + width for y in second]
            events = first + ends_first + ends_second
            events += map(add, second, repeat(width))
            if not events:  # the labels asked for are on neither side
                yield 0, 0, set(), 0, 0, ({0: length} if length > 0 else {})
                continue
            events.sort()
            if events[-1] >> ss > length:  # the last event: the furthest end
                _check_end(doc, length, events[-1] >> ss)
            states = list(accumulate(map(delta, map(and_, events, repeat(code_mask)))))
            if any(map(and_, states, repeat(high))):
                yield None
                continue
            positions = list(map(rshift, events, repeat(ss)))
            runs = list(map(sub, positions[1:], positions))
            raw: dict[int, int] = {}
            get = raw.get
            for state, run in zip(compress(states, runs), filter(None, runs)):
                raw[state] = get(state, 0) + run
            outside = positions[0] + length - positions[-1]
            if outside:
                raw[0] = get(0, 0) + outside
            # overlapping pairs: each span of the shorter list against the other, by
            # bisection over starts (a span overlapping [s, e) starts in [s - longest + 1, e))
            pairs_first: list[int] = []
            pairs_second: list[int] = []
            if first and second:
                if len(second) <= len(first):
                    outer, inner, ends = second, first, ends_first
                    found_outer, found_inner = pairs_second, pairs_first
                else:
                    outer, inner, ends = first, second, ends_second
                    found_outer, found_inner = pairs_first, pairs_second
                reach = (max(map(sub, ends, inner)) >> ss) + 1  # longest span of ``inner``
                add_outer, add_inner = found_outer.append, found_inner.append
                for y in outer:
                    s = y >> ss
                    low = bisect_left(inner, (s - reach + 1) << ss)
                    for k in range(low, bisect_left(inner, (y >> es & pm) << ss, low)):
                        x = inner[k]
                        if x >> es & pm > s:
                            add_outer(y)
                            add_inner(x)
            twins = set(first).intersection(second)
            if pairs_first:
                same = list(map(not_, map(and_, map(xor, pairs_first, pairs_second), repeat(lm))))
                same_first = set(compress(pairs_first, same))
                same_second = set(compress(pairs_second, same))
            else:
                same_first = same_second = set()
            pending.append((first, second, twins, pairs_first, pairs_second, same_first,
                            same_second))
            if len(pending) >= 256:
                self.flush()
            yield len(first), len(second), twins, len(same_first), len(same_second), raw

    def masks(self, runs: dict[int, int]) -> dict[tuple[int, int], int]:
        """Character runs keyed by ``(first's labels, second's labels)``, each a bit mask of
        label ids (:meth:`category` names them), from runs keyed by running sum."""
        split = self._states
        return {split[state]: run for state, run in runs.items()}

    def runs(self) -> dict[tuple[int, int], int]:
        """:meth:`masks` of the runs of every document added."""
        return self.masks(self._runs)

    def _split(self, state: int) -> tuple[int, int]:
        """A running sum as the two annotators' label masks."""
        first = second = 0
        for label in range(self.width):
            if state >> (2 * label) & 3:
                first |= 1 << label
            if state >> (2 * (self.width + label)) & 3:
                second |= 1 << label
        return first, second

    def flush(self) -> None:
        """Count the labels of the documents added since the last flush into the totals."""
        pending = self._pending
        if not pending:
            return
        lm, width = self.label_mask, self.width
        masks = repeat(lm)
        joined = chain.from_iterable
        for target, index in ((self.first, 0), (self.second, 1), (self.twins, 2),
                              (self.first_overlap, 5), (self.second_overlap, 6)):
            target.update(map(and_, joined(p[index] for p in pending), masks))
        self.confusion.update(map(add, map(mul, map(and_, joined(p[3] for p in pending), masks),
                                           repeat(width)),
                                  map(and_, joined(p[4] for p in pending), masks)))
        self.first_touched.update(map(and_, joined(set(p[3]) for p in pending), masks))
        self.second_touched.update(map(and_, joined(set(p[4]) for p in pending), masks))
        pending.clear()

    def totals(self) -> tuple[Any, ...]:
        """Everything counted over the documents added, for :meth:`merge` into the
        :class:`PackedPairs` of another process (the same packing and labels)."""
        self.flush()
        return (self.first, self.second, self.twins, self.first_overlap, self.second_overlap,
                self.first_touched, self.second_touched, self.confusion, self._runs)

    def merge(self, totals: tuple[Any, ...]) -> None:
        """Add :meth:`totals` of documents measured elsewhere, as if they were added here
        now: integer sums, and keys new here taken in their order (what this one counted
        before is flushed first, so the order is the one of adding every document here)."""
        self.flush()
        *counters, runs = totals
        for target, more in zip((self.first, self.second, self.twins, self.first_overlap,
                                 self.second_overlap, self.first_touched, self.second_touched,
                                 self.confusion), counters, strict=True):
            target.update(more)
        mine, sides = self._runs, self._sides
        for state, weight in runs.items():
            if state not in sides:
                self._side(state)
            mine[state] = mine.get(state, 0) + weight

    def alone(self) -> tuple[Counter, Counter]:
        """Label id -> spans of the first, and of the second, that overlap no span of the
        other annotator (their confusion with ``matching.NONE_LABEL``)."""
        self.flush()
        return self.first - self.first_touched, self.second - self.second_touched

    def category(self, mask: int) -> frozenset[str]:
        """The label set of a mask of label ids."""
        return frozenset(name for index, name in enumerate(self.names) if mask >> index & 1)


def _check_end(doc: object, length: int, end: int) -> None:
    if end > length:
        raise ValueError(f"a span of document {doc!r} ends after its {length} characters")
