"""Span matching between a reference and a compared annotator: exact, overlap, confusion.

*Exact*: same start, end and label. *Overlap*: same label and at least one shared character.
A span counts as matched if any such span exists on the other side, so one span may match
several and the matched counts of the two sides can differ.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat
from operator import and_, itemgetter, not_, sub

#: Row/column of the confusion table for a span that overlaps no span of the other side.
NONE_LABEL = "(none)"


@dataclass(frozen=True, slots=True)
class SpanCounts:
    """Counts behind precision and recall of a compared side against a reference side.

    precision = compared_matched / compared; recall = reference_matched / reference.
    """

    reference: int = 0
    compared: int = 0
    reference_matched: int = 0
    compared_matched: int = 0

    def __add__(self, other: SpanCounts) -> SpanCounts:
        return SpanCounts(
            self.reference + other.reference,
            self.compared + other.compared,
            self.reference_matched + other.reference_matched,
            self.compared_matched + other.compared_matched,
        )

    def symmetric(self) -> SpanCounts:
        """Both directions pooled (A against B plus B against A): precision equals recall."""
        spans = self.reference + self.compared
        matched = self.reference_matched + self.compared_matched
        return SpanCounts(spans, spans, matched, matched)


def match_counts(
    reference: Sequence[tuple[int, int, str]], compared: Sequence[tuple[int, int, str]],
    confusion: dict[tuple[str, str], int],
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Match the spans of one document, given as ``(start, end, label)`` tuples, adding the
    label confusion into ``confusion`` (one count per overlapping pair; a span that overlaps
    nothing counts against :data:`NONE_LABEL`). Returns per-label exact and overlap counts as
    lists ``[reference, compared, reference_matched, compared_matched]`` (the fields of
    :class:`SpanCounts`)."""
    ref_keys = set(reference)
    cmp_keys = set(compared)
    ref_overlap = [False] * len(reference)
    cmp_overlap = [False] * len(compared)
    ref_any = [False] * len(reference)
    cmp_any = [False] * len(compared)
    if reference and compared:
        order = sorted(range(len(compared)), key=lambda j: compared[j][0])
        starts = [compared[j][0] for j in order]
        longest = max(end - start for start, end, _ in compared)
        for i, (start, end, label_ref) in enumerate(reference):
            low = bisect_left(starts, start - longest + 1)
            high = bisect_left(starts, end, low)
            for position in range(low, high):
                j = order[position]
                other = compared[j]
                if other[1] > start:
                    label_cmp = other[2]
                    key = (label_ref, label_cmp)
                    confusion[key] = confusion.get(key, 0) + 1
                    ref_any[i] = cmp_any[j] = True
                    if label_ref == label_cmp:
                        ref_overlap[i] = cmp_overlap[j] = True
    exact: dict[str, list[int]] = {}
    overlap: dict[str, list[int]] = {}
    _tally(reference, 0, cmp_keys, ref_overlap, ref_any, exact, overlap, confusion)
    _tally(compared, 1, ref_keys, cmp_overlap, cmp_any, exact, overlap, confusion)
    return exact, overlap


def _tally(spans: Sequence[tuple[int, int, str]], side: int,
           other_keys: set[tuple[int, int, str]], overlapped: list[bool], touched: list[bool],
           exact: dict[str, list[int]], overlap: dict[str, list[int]],
           confusion: dict[tuple[str, str], int]) -> None:
    """Count one side's spans (``side`` 0: the reference, 1: the compared) into the
    per-label ``[reference, compared, reference_matched, compared_matched]`` lists of ``exact``
    and ``overlap``; a span that overlaps nothing on the other side counts in ``confusion``
    against :data:`NONE_LABEL`."""
    for i, span in enumerate(spans):
        label = span[2]
        e = exact.get(label)
        if e is None:
            e = exact[label] = [0, 0, 0, 0]
            o = overlap[label] = [0, 0, 0, 0]
        else:
            o = overlap[label]
        e[side] += 1
        o[side] += 1
        if span in other_keys:
            e[side + 2] += 1
        if overlapped[i]:
            o[side + 2] += 1
        if not touched[i]:
            key = (label, NONE_LABEL) if side == 0 else (NONE_LABEL, label)
            confusion[key] = confusion.get(key, 0) + 1


_SINGLE_CATEGORY: dict[str, frozenset[str]] = {}
_NO_CATEGORY: frozenset[str] = frozenset()


def pair_document(
    length: int, reference: Sequence[tuple[int, int, str]], compared: Sequence[tuple[int, int, str]],
    confusion: dict[tuple[str, str], int],
) -> tuple[dict[str, list[int]], dict[str, list[int]], dict[tuple, int]]:
    """:func:`match_counts` and the character runs of two annotators (what
    ``runs.tuple_runs`` gives for them) in one sweep over the span boundaries of a document of
    ``length`` code points: returns ``(exact, overlap, runs)``, the same counts and runs (the
    runs in the same order).

    The sweep visits every start and end once, ends before starts at one position (spans are
    end-exclusive); a starting span overlaps exactly the spans of the other side still open,
    so each overlapping pair is met once, and between two positions every character has the
    same pair of label sets."""
    events = [(start, 1, index) for index, (start, _end, _label) in enumerate(reference)]
    events += [(end, 0, index) for index, (_start, end, _label) in enumerate(reference)]
    events += [(start, 1, ~index) for index, (start, _end, _label) in enumerate(compared)]
    events += [(end, 0, ~index) for index, (_start, end, _label) in enumerate(compared)]
    events.sort()
    n, m = len(reference), len(compared)
    ref_overlap, cmp_overlap = [False] * n, [False] * m
    ref_any, cmp_any = [False] * n, [False] * m
    open_ref: dict[int, str] = {}
    open_cmp: dict[int, str] = {}
    cover_ref: dict[str, int] = {}
    cover_cmp: dict[str, int] = {}
    cat_ref = cat_cmp = _NO_CATEGORY
    changed_ref = changed_cmp = False
    runs: dict[tuple, int] = {}
    previous, position = 0, -1
    for at, starting, index in events:
        if at != position:
            if changed_ref:
                cat_ref = _category(cover_ref)
                changed_ref = False
            if changed_cmp:
                cat_cmp = _category(cover_cmp)
                changed_cmp = False
            if at > previous:
                state = (cat_ref, cat_cmp)
                runs[state] = runs.get(state, 0) + at - previous
                previous = at
            position = at
        if index >= 0:
            label = reference[index][2]
            if starting:
                for other, other_label in open_cmp.items():
                    key = (label, other_label)
                    confusion[key] = confusion.get(key, 0) + 1
                    ref_any[index] = cmp_any[other] = True
                    if other_label == label:
                        ref_overlap[index] = cmp_overlap[other] = True
                open_ref[index] = label
                cover_ref[label] = cover_ref.get(label, 0) + 1
            else:
                del open_ref[index]
                remaining = cover_ref[label] - 1
                if remaining:
                    cover_ref[label] = remaining
                else:
                    del cover_ref[label]
            changed_ref = True
        else:
            index = ~index
            label = compared[index][2]
            if starting:
                for other, other_label in open_ref.items():
                    key = (other_label, label)
                    confusion[key] = confusion.get(key, 0) + 1
                    cmp_any[index] = ref_any[other] = True
                    if other_label == label:
                        cmp_overlap[index] = ref_overlap[other] = True
                open_cmp[index] = label
                cover_cmp[label] = cover_cmp.get(label, 0) + 1
            else:
                del open_cmp[index]
                remaining = cover_cmp[label] - 1
                if remaining:
                    cover_cmp[label] = remaining
                else:
                    del cover_cmp[label]
            changed_cmp = True
    if changed_ref:
        cat_ref = _category(cover_ref)
    if changed_cmp:
        cat_cmp = _category(cover_cmp)
    if length > previous:
        state = (cat_ref, cat_cmp)
        runs[state] = runs.get(state, 0) + length - previous
    ref_keys, cmp_keys = set(reference), set(compared)
    if len(ref_keys) < n or len(cmp_keys) < m:  # the same span twice on one side
        exact, overlap = {}, {}
        _tally(reference, 0, cmp_keys, ref_overlap, ref_any, exact, overlap, confusion)
        _tally(compared, 1, ref_keys, cmp_overlap, cmp_any, exact, overlap, confusion)
        return exact, overlap, runs
    exact, overlap = _tally_distinct(reference, compared, ref_keys & cmp_keys, ref_overlap,
                                     cmp_overlap, ref_any, cmp_any, confusion)
    return exact, overlap, runs


_LABEL = itemgetter(2)


def _tally_distinct(
    reference: Sequence[tuple[int, int, str]], compared: Sequence[tuple[int, int, str]],
    common: set[tuple[int, int, str]], ref_overlap: list[bool], cmp_overlap: list[bool],
    ref_any: list[bool], cmp_any: list[bool], confusion: dict[tuple[str, str], int],
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """What two :func:`_tally` calls count, when no span is listed twice on a side (then a
    span's exact twin is in ``common``, and the counts are counts of labels)."""
    ref_labels = list(map(_LABEL, reference))
    cmp_labels = list(map(_LABEL, compared))
    ref_count, cmp_count = Counter(ref_labels), Counter(cmp_labels)
    twins = Counter(map(_LABEL, common))
    ref_overlapping = Counter(compress(ref_labels, ref_overlap))
    cmp_overlapping = Counter(compress(cmp_labels, cmp_overlap))
    exact: dict[str, list[int]] = {}
    overlap: dict[str, list[int]] = {}
    for label in dict.fromkeys(ref_labels + cmp_labels):
        r, c, t = ref_count[label], cmp_count[label], twins[label]
        exact[label] = [r, c, t, t]
        overlap[label] = [r, c, ref_overlapping[label], cmp_overlapping[label]]
    if not all(ref_any):
        for label in compress(ref_labels, map(not_, ref_any)):
            key = (label, NONE_LABEL)
            confusion[key] = confusion.get(key, 0) + 1
    if not all(cmp_any):
        for label in compress(cmp_labels, map(not_, cmp_any)):
            key = (NONE_LABEL, label)
            confusion[key] = confusion.get(key, 0) + 1
    return exact, overlap


def _category(cover: dict[str, int]) -> frozenset[str]:
    """The labels covering a character (``cover``: label -> open spans of it)."""
    if not cover:
        return _NO_CATEGORY
    if len(cover) == 1:
        (label,) = cover
        single = _SINGLE_CATEGORY.get(label)
        if single is None:
            single = _SINGLE_CATEGORY[label] = frozenset((label,))
        return single
    return frozenset(cover)


class PackedPairs:
    """:func:`pair_document` for spans packed into integers (``store.review_reads.PairPacking``:
    ``start``, ``end``, a start flag and the label id side by side), with the totals kept over
    every document added: the same counts and runs, with most of the work in C (sorting,
    sets, bisection, running sums) instead of a Python step per span boundary.

    The character runs come from one running sum over the span boundaries of both annotators:
    each (annotator, label) has a 2-bit field holding how many of its spans are open, so the
    sum after a boundary says which labels cover the characters up to the next one. A
    document in which spans of one label and annotator overlap (a field reaching 2) is left to
    the caller (:meth:`add` returns None), which measures it with :func:`pair_document`.
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
            ) -> tuple[int, int, set[int], int, int, dict[tuple[int, int], int]] | None:
        """Add document ``doc`` of ``length`` code points (each list: one annotator's spans
        in it, each span once, every label; sorted here in place). Returns ``(spans of the
        first, spans of the second, twins (the spans both have), first's overlapped, second's
        overlapped, runs)`` (``runs``: the document's character runs keyed by running sum, see
        :meth:`masks`), or
        None, adding nothing, when spans of one label and annotator overlap in it. Raises
        ``ValueError`` when a span ends after the text."""
        ss, es, pm, lm, width = (self.start_shift, self.end_shift, self.position_mask,
                                 self.label_mask, self.width)
        wanted = self.wanted
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
        events += [y + width for y in second]
        if not events:  # the labels asked for are on neither side
            raw = {0: length} if length > 0 else {}
            if length > 0:
                self._runs[0] = self._runs.get(0, 0) + length
            return 0, 0, set(), 0, 0, raw
        events.sort()
        _check_end(doc, length, events[-1] >> ss)  # the last event: the furthest end
        states = list(accumulate(map(self._delta, map(and_, events, repeat(self.code_mask)))))
        if any(map(and_, states, repeat(self._high))):
            return None
        positions = [event >> ss for event in events]
        raw: dict[int, int] = {}
        get = raw.get
        for state, run in zip(states, map(sub, positions[1:], positions)):
            if run:
                raw[state] = get(state, 0) + run
        outside = positions[0] + length - positions[-1]
        if outside:
            raw[0] = get(0, 0) + outside
        split = self._states
        totals = self._runs
        for state, run in raw.items():
            if state not in split:
                split[state] = self._split(state)
            totals[state] = totals.get(state, 0) + run
        # overlapping pairs: each span of the shorter list against the other, by bisection
        # over starts (a span overlapping [s, e) starts in [s - longest + 1, e))
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
            same_first = {x for x, y in zip(pairs_first, pairs_second) if not (x ^ y) & lm}
            same_second = {y for x, y in zip(pairs_first, pairs_second) if not (x ^ y) & lm}
        else:
            same_first = same_second = set()
        self._pending.append((first, second, twins, pairs_first, pairs_second, same_first,
                              same_second))
        if len(self._pending) >= 256:
            self.flush()
        return len(first), len(second), twins, len(same_first), len(same_second), raw

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
        self.confusion.update([(x & lm) * width + (y & lm) for p in pending
                               for x, y in zip(p[3], p[4])])
        self.first_touched.update(map(and_, joined(set(p[3]) for p in pending), masks))
        self.second_touched.update(map(and_, joined(set(p[4]) for p in pending), masks))
        pending.clear()

    def alone(self) -> tuple[Counter, Counter]:
        """Label id -> spans of the first, and of the second, that overlap no span of the
        other annotator (their confusion with :data:`NONE_LABEL`)."""
        self.flush()
        return self.first - self.first_touched, self.second - self.second_touched

    def category(self, mask: int) -> frozenset[str]:
        """The label set of a mask of label ids."""
        return frozenset(name for index, name in enumerate(self.names) if mask >> index & 1)


def _check_end(doc: object, length: int, end: int) -> None:
    if end > length:
        raise ValueError(f"a span of document {doc!r} ends after its {length} characters")
