"""Span matching between a reference and a compared annotator: exact, overlap, confusion.

*Exact*: same start, end and label. *Overlap*: same label and at least one shared character.
A span counts as matched if any such span exists on the other side, so one span may match
several and the matched counts of the two sides can differ.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from annotator.services.review.inputs import SpanLike

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


@dataclass(slots=True)
class PairMatch:
    """Per-label exact and overlap counts and the label confusion of one document pair."""

    exact: dict[str, SpanCounts]
    overlap: dict[str, SpanCounts]
    confusion: Counter[tuple[str, str]]


def overlapping_pairs(
    reference: Sequence[SpanLike], compared: Sequence[SpanLike]
) -> Iterator[tuple[int, int]]:
    """Yield ``(i, j)`` for every ``reference[i]`` and ``compared[j]`` sharing a character.

    Uses the compared spans sorted by start and their longest length to bound the scan, so the
    cost is close to linear for spans of ordinary length.
    """
    if not reference or not compared:
        return
    order = sorted(range(len(compared)), key=lambda j: compared[j].start)
    starts = [compared[j].start for j in order]
    ends = [compared[j].end for j in order]
    longest = max(end - start for start, end in zip(starts, ends, strict=True))
    for i, span in enumerate(reference):
        low = bisect_left(starts, span.start - longest + 1)
        high = bisect_left(starts, span.end, low)
        for position in range(low, high):
            if ends[position] > span.start:
                yield i, order[position]


def match_pair(reference: Sequence[SpanLike], compared: Sequence[SpanLike]) -> PairMatch:
    """Match ``compared`` against ``reference`` (the spans of one document each).

    Returns per-label :class:`SpanCounts` for exact and overlap matching, and the confusion of
    labels: one count per overlapping pair ``(reference label, compared label)``, whatever the
    labels; a span that overlaps nothing on the other side counts once as
    ``(label, NONE_LABEL)`` (reference) or ``(NONE_LABEL, label)`` (compared).
    """
    ref_keys = {(s.start, s.end, s.label) for s in reference}
    cmp_keys = {(s.start, s.end, s.label) for s in compared}
    ref_overlap = [False] * len(reference)
    cmp_overlap = [False] * len(compared)
    ref_any = [False] * len(reference)
    cmp_any = [False] * len(compared)
    confusion: Counter[tuple[str, str]] = Counter()
    for i, j in overlapping_pairs(reference, compared):
        label_ref = reference[i].label
        label_cmp = compared[j].label
        confusion[(label_ref, label_cmp)] += 1
        ref_any[i] = cmp_any[j] = True
        if label_ref == label_cmp:
            ref_overlap[i] = cmp_overlap[j] = True
    exact: dict[str, list[int]] = {}
    overlap: dict[str, list[int]] = {}
    for i, span in enumerate(reference):
        e = exact.setdefault(span.label, [0, 0, 0, 0])
        o = overlap.setdefault(span.label, [0, 0, 0, 0])
        e[0] += 1
        o[0] += 1
        e[2] += (span.start, span.end, span.label) in cmp_keys
        o[2] += ref_overlap[i]
        if not ref_any[i]:
            confusion[(span.label, NONE_LABEL)] += 1
    for j, span in enumerate(compared):
        e = exact.setdefault(span.label, [0, 0, 0, 0])
        o = overlap.setdefault(span.label, [0, 0, 0, 0])
        e[1] += 1
        o[1] += 1
        e[3] += (span.start, span.end, span.label) in ref_keys
        o[3] += cmp_overlap[j]
        if not cmp_any[j]:
            confusion[(NONE_LABEL, span.label)] += 1
    return PairMatch(
        exact={label: SpanCounts(*c) for label, c in exact.items()},
        overlap={label: SpanCounts(*c) for label, c in overlap.items()},
        confusion=confusion,
    )


def match_counts(
    reference: Sequence[tuple[int, int, str]], compared: Sequence[tuple[int, int, str]],
    confusion: dict[tuple[str, str], int],
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """:func:`match_pair` of spans given as ``(start, end, label)`` tuples, the confusion added
    into ``confusion``: returns per-label exact and overlap counts as lists ``[reference,
    compared, reference_matched, compared_matched]`` (the fields of :class:`SpanCounts`)."""
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
    for i, span in enumerate(reference):
        label = span[2]
        e = exact.get(label)
        if e is None:
            e = exact[label] = [0, 0, 0, 0]
            o = overlap[label] = [0, 0, 0, 0]
        else:
            o = overlap[label]
        e[0] += 1
        o[0] += 1
        if span in cmp_keys:
            e[2] += 1
        if ref_overlap[i]:
            o[2] += 1
        if not ref_any[i]:
            key = (label, NONE_LABEL)
            confusion[key] = confusion.get(key, 0) + 1
    for j, span in enumerate(compared):
        label = span[2]
        e = exact.get(label)
        if e is None:
            e = exact[label] = [0, 0, 0, 0]
            o = overlap[label] = [0, 0, 0, 0]
        else:
            o = overlap[label]
        e[1] += 1
        o[1] += 1
        if span in ref_keys:
            e[3] += 1
        if cmp_overlap[j]:
            o[3] += 1
        if not cmp_any[j]:
            key = (NONE_LABEL, label)
            confusion[key] = confusion.get(key, 0) + 1
    return exact, overlap
