"""Agreement on relations and on span attributes, measured beside the span agreement.

**Relations.** A relation is seen by its type and its two ends, each end a span
``(start, end, label)``. One relation *matches* another of the other annotator when the type
is the same and both ends match: *exact*, the same start, end and label at both ends;
*overlap*, at both ends the same label and at least one shared character. As for spans, a
relation counts as matched if any such relation exists on the other side; precision, recall and
F1 are those of the compared annotator against the reference (two annotators), or pooled over
every ordered pair (three or more), overall and per relation type.

**Attributes.** The units of an attribute ``label.name`` are the spans of that label that every
compared annotator marked identically (exact match: same start, end and label), one unit per
such place; each annotator's value there is what their span holds (``None`` when unset, a value
of its own). Cohen's kappa (two annotators) and Krippendorff's alpha (nominal) over those units,
by :mod:`annotator.services.review.coefficients`.

Pure Python; the builders take one document at a time and keep only running counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from annotator.services.review.coefficients import cohen_kappa, krippendorff_alpha
from annotator.services.review.matching import SpanCounts
from annotator.services.review.results import PRF, AttributeFigures, RelationFigures

__all__ = [
    "AttributeAgreementBuilder",
    "AttributeFigures",
    "RelationAgreementBuilder",
    "RelationFigures",
    "RelationRow",
    "SpanKey",
]

SpanKey = tuple[int, int, str]
"""A span as agreement sees it: ``(start, end, label)``."""
RelationRow = tuple[str, SpanKey, SpanKey]
"""A relation as agreement sees it: ``(type, head, tail)``."""


def _overlaps(a: SpanKey, b: SpanKey) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def relation_matches(reference: Sequence[RelationRow], compared: Sequence[RelationRow]
                     ) -> tuple[list[bool], list[bool], list[bool], list[bool]]:
    """For each relation of either side: does an exactly / overlappingly matching relation
    exist on the other side? Returns ``(ref_exact, cmp_exact, ref_overlap, cmp_overlap)``."""
    ref_keys, cmp_keys = set(reference), set(compared)
    ref_exact = [r in cmp_keys for r in reference]
    cmp_exact = [r in ref_keys for r in compared]
    ref_overlap = list(ref_exact)
    cmp_overlap = list(cmp_exact)
    # candidates share the type and both end labels; only those are compared pairwise
    groups: dict[tuple[str, str, str], list[int]] = {}
    for j, (kind, head, tail) in enumerate(compared):
        groups.setdefault((kind, head[2], tail[2]), []).append(j)
    for i, (kind, head, tail) in enumerate(reference):
        for j in groups.get((kind, head[2], tail[2]), ()):
            if ref_overlap[i] and cmp_overlap[j]:
                continue
            other = compared[j]
            if _overlaps(head, other[1]) and _overlaps(tail, other[2]):
                ref_overlap[i] = cmp_overlap[j] = True
    return ref_exact, cmp_exact, ref_overlap, cmp_overlap


def _add(target: dict[str, list[int]], kind: str, side: int, matched: bool) -> None:
    counts = target.get(kind)
    if counts is None:
        counts = target[kind] = [0, 0, 0, 0]
    counts[side] += 1
    if matched:
        counts[side + 2] += 1


def _prf(counts: Sequence[int], two: bool) -> PRF:
    c = SpanCounts(*counts)
    return PRF.from_counts(c if two else c.symmetric())


class RelationAgreementBuilder:
    """Relation agreement of ``annotators`` (the first is the reference), a document at a
    time: :meth:`add` the relations of each included document, then :meth:`per_type` and
    :meth:`overall`. ``labels``: count only relations whose two ends carry these labels."""

    def __init__(self, annotators: Sequence[str], labels: Iterable[str] | None = None) -> None:
        self.names = tuple(annotators)
        self.two = len(self.names) == 2
        self.wanted = None if labels is None else frozenset(labels)
        self.pairs = list(combinations(range(len(self.names)), 2))
        # per type: [reference, compared, reference_matched, compared_matched], pairs pooled
        self.exact: dict[str, list[int]] = {}
        self.overlap: dict[str, list[int]] = {}

    def add(self, relations_per_annotator: Sequence[Sequence[RelationRow]]) -> None:
        """Add one document: ``relations_per_annotator[i]`` holds annotator ``i``'s relations."""
        per = relations_per_annotator
        if self.wanted is not None:
            wanted = self.wanted
            per = [[r for r in rs if r[1][2] in wanted and r[2][2] in wanted] for rs in per]
        if not any(per):
            return
        for i, j in self.pairs:
            reference, compared = per[i], per[j]
            ref_exact, cmp_exact, ref_overlap, cmp_overlap = relation_matches(reference, compared)
            for index, relation in enumerate(reference):
                _add(self.exact, relation[0], 0, ref_exact[index])
                _add(self.overlap, relation[0], 0, ref_overlap[index])
            for index, relation in enumerate(compared):
                _add(self.exact, relation[0], 1, cmp_exact[index])
                _add(self.overlap, relation[0], 1, cmp_overlap[index])

    def merge(self, other: RelationAgreementBuilder) -> None:
        """Add what ``other`` (the same annotators and labels) counted, as if its documents
        were added here now."""
        for mine, theirs in ((self.exact, other.exact), (self.overlap, other.overlap)):
            for kind, counts in theirs.items():
                target = mine.setdefault(kind, [0, 0, 0, 0])
                for k in range(4):
                    target[k] += counts[k]

    def per_type(self, types: Iterable[str] = ()) -> dict[str, RelationFigures]:
        """Figures per relation type: ``types`` first (listed even when unused), then any other
        type used, by name."""
        order = list(dict.fromkeys(types))
        order += sorted(set(self.exact) - set(order))
        empty = [0, 0, 0, 0]
        return {kind: RelationFigures(_prf(self.exact.get(kind, empty), self.two),
                                      _prf(self.overlap.get(kind, empty), self.two))
                for kind in order}

    def overall(self) -> RelationFigures:
        """Figures over every relation type."""
        exact = [sum(c[k] for c in self.exact.values()) for k in range(4)]
        overlap = [sum(c[k] for c in self.overlap.values()) for k in range(4)]
        return RelationFigures(_prf(exact, self.two), _prf(overlap, self.two))


class AttributeAgreementBuilder:
    """Attribute agreement of ``annotators`` over exactly matched spans, a document at a time.

    ``declared``: ``(label, attribute name)`` of every attribute to measure, in order (the
    project's declarations); ``labels``: only spans of these labels."""

    def __init__(self, annotators: Sequence[str], declared: Iterable[tuple[str, str]],
                 labels: Iterable[str] | None = None) -> None:
        self.names = tuple(annotators)
        self.two = len(self.names) == 2
        wanted = None if labels is None else frozenset(labels)
        self.declared = [(label, name) for label, name in dict.fromkeys(declared)
                         if wanted is None or label in wanted]
        self.by_label: dict[str, list[str]] = {}
        for label, name in self.declared:
            self.by_label.setdefault(label, []).append(name)
        self.counts: dict[tuple[str, str], dict[tuple, int]] = {key: {} for key in self.declared}
        self._unset = (None,) * len(self.names)

    def add(self, spans_per_annotator: Sequence[Iterable[SpanKey]],
            values: Mapping[tuple[int, SpanKey], Mapping[str, Any]] | None = None) -> None:
        """Add one document: ``spans_per_annotator[i]`` the spans of annotator ``i``;
        ``values``: ``(annotator index, span) -> attributes`` of the spans that hold any."""
        by_label = self.by_label
        if not by_label or not all(spans_per_annotator):
            return
        first, *others = spans_per_annotator
        common = set(first).intersection(*others)
        if not common:
            return
        if not values:  # no value anywhere in the document: every unit is unset
            places: dict[str, int] = {}
            for key in common:
                label = key[2]
                if label in by_label:
                    places[label] = places.get(label, 0) + 1
            unset = self._unset
            for label, count in places.items():
                for name in by_label[label]:
                    target = self.counts[(label, name)]
                    target[unset] = target.get(unset, 0) + count
            return
        width = len(self.names)
        for key in common:
            label = key[2]
            if label not in by_label:
                continue
            held = [values.get((index, key)) for index in range(width)]
            for name in by_label[label]:
                if not any(held):
                    state = self._unset
                else:
                    state = tuple(None if h is None else _hashable(h.get(name)) for h in held)
                target = self.counts[(label, name)]
                target[state] = target.get(state, 0) + 1

    def merge(self, other: AttributeAgreementBuilder) -> None:
        """Add what ``other`` (the same annotators, declarations and labels) counted, as if
        its documents were added here now."""
        for key, states in other.counts.items():
            target = self.counts[key]
            for state, count in states.items():
                target[state] = target.get(state, 0) + count

    def add_unset(self, label: str, places: int) -> None:
        """Count ``places`` spans of ``label`` that every annotator marked identically and
        none holds a value of (what :meth:`add` counts for them), e.g. from many documents."""
        if places and label in self.by_label:
            unset = self._unset
            for name in self.by_label[label]:
                target = self.counts[(label, name)]
                target[unset] = target.get(unset, 0) + places

    def figures(self) -> dict[str, AttributeFigures]:
        """``"label.name"`` -> :class:`AttributeFigures`, in the order declared."""
        out = {}
        for label, name in self.declared:
            counts = self.counts[(label, name)]
            out[f"{label}.{name}"] = AttributeFigures(
                label, name, sum(counts.values()),
                cohen_kappa(counts) if self.two else None,  # type: ignore[arg-type]
                krippendorff_alpha(counts))
        return out


def _hashable(value: Any) -> Any:
    """An attribute value as a unit's value: JSON scalars as they are, anything else as its
    JSON text (a left-over value of another kind is still compared for equality)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)
