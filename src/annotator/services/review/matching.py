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
from itertools import compress
from operator import itemgetter, not_

from annotator.services.review.packed_pairs import PackedPairs

__all__ = ["NONE_LABEL", "PackedPairs", "SpanCounts", "match_counts", "pair_document"]

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
