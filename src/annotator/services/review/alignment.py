"""Disagreement units for the review view: which spans agree, and how the others differ.

The spans of the chosen annotators in one document are grouped into *units*: connected groups
of spans that overlap (share at least one character), across annotators. Every span gets a
:class:`SpanMark`, every unit a summary :class:`Kind`.

A span ``s`` of annotator X compared with another chosen annotator Y:
- Y has a span with the same start, end and label: exact agreement with Y;
- otherwise only Y's spans that overlap ``s`` *and* have no exact twin among X's spans are
  considered (a span of Y that X also marked answers another span of X, not ``s``; so a nested
  extra span of one annotator reads "only some marked it", not "label differs"). Among them,
  in this order: same start and end (the label differs), same label (the boundaries differ),
  any (both differ); none at all: Y did not mark it.
The span's kind, most important first: *only some marked it* if some Y did not mark it; then
*label and boundaries differ* (both happened, with one Y or across several), *label differs*,
*boundaries differ*; *all agree* when every Y agrees exactly. The flags stay available on the
mark (``missing``, ``label_differs``, ``boundaries_differ``) for a finer display.
A unit's kind applies the same order to the union of its spans' flags; it is *all agree* only
when every span in it is.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from annotator.services.review.inputs import SpanLike, check_annotators


class Kind(StrEnum):
    """How the annotators relate on a span or a unit (values are display names)."""

    AGREE = "all agree"
    LABEL_DIFFERS = "label differs"
    BOUNDARIES_DIFFER = "boundaries differ"
    LABEL_AND_BOUNDARIES_DIFFER = "label and boundaries differ"
    ONLY_SOME = "only some marked it"


def _kind(missing: bool, label: bool, boundaries: bool) -> Kind:
    if missing:
        return Kind.ONLY_SOME
    if label and boundaries:
        return Kind.LABEL_AND_BOUNDARIES_DIFFER
    if label:
        return Kind.LABEL_DIFFERS
    if boundaries:
        return Kind.BOUNDARIES_DIFFER
    return Kind.AGREE


@dataclass(frozen=True, slots=True)
class SpanMark:
    """One span and how the other chosen annotators relate to it.

    ``missing``: the annotators who did not mark it (nothing comparable overlaps it).
    """

    span: SpanLike
    kind: Kind
    missing: tuple[str, ...]
    label_differs: bool
    boundaries_differ: bool


@dataclass(frozen=True, slots=True)
class Unit:
    """A group of overlapping spans: ``[start, end)`` covers them all; marks sorted by position.

    ``absent``: the chosen annotators with no span at all in the unit.
    """

    start: int
    end: int
    kind: Kind
    marks: tuple[SpanMark, ...]
    absent: tuple[str, ...]

    @property
    def is_disagreement(self) -> bool:
        """True unless every span in the unit is agreed by every chosen annotator."""
        return self.kind is not Kind.AGREE

    def spans_of(self, annotator: str) -> list[SpanLike]:
        """The spans of ``annotator`` in this unit, by position."""
        return [mark.span for mark in self.marks if mark.span.annotator == annotator]


def _key(span: SpanLike) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


def _mark(span: SpanLike, names: Sequence[str], keys: dict[str, set], by: dict) -> SpanMark:
    own = keys[span.annotator]
    missing: list[str] = []
    label = boundaries = False
    for other in names:
        if other == span.annotator or _key(span) in keys[other]:
            continue
        candidates = [
            t for t in by.get(other, ())
            if t.start < span.end and span.start < t.end and _key(t) not in own
        ]
        if not candidates:
            missing.append(other)
        elif any(t.start == span.start and t.end == span.end for t in candidates):
            label = True
        elif any(t.label == span.label for t in candidates):
            boundaries = True
        else:
            label = boundaries = True
    kind = _kind(bool(missing), label, boundaries)
    return SpanMark(span, kind, tuple(missing), label, boundaries)


def _unit(group: list[SpanLike], names: Sequence[str]) -> Unit:
    by: dict[str, list[SpanLike]] = {}
    for span in group:
        by.setdefault(span.annotator, []).append(span)
    keys = {name: {_key(s) for s in by.get(name, ())} for name in names}
    marks = tuple(_mark(span, names, keys, by) for span in group)
    if all(mark.kind is Kind.AGREE for mark in marks):
        kind = Kind.AGREE
    else:
        kind = _kind(
            any(m.missing for m in marks),
            any(m.label_differs for m in marks),
            any(m.boundaries_differ for m in marks),
        )
    return Unit(
        start=group[0].start,
        end=max(s.end for s in group),
        kind=kind,
        marks=marks,
        absent=tuple(name for name in names if name not in by),
    )


def disagreement_units(
    spans: Iterable[SpanLike], annotators: Sequence[str], document_id: Hashable | None = None
) -> list[Unit]:
    """Group the spans of ``annotators`` (two or more) into units, ordered by position.

    ``spans``: the spans of one document (or of several, with ``document_id`` choosing one);
    spans of other annotators are ignored. Returns the units sorted by ``(start, end)``;
    within a unit the marks are sorted by start, end, then the order of ``annotators``.
    """
    names = check_annotators(annotators)
    rank = {name: index for index, name in enumerate(names)}
    chosen = sorted(
        (s for s in spans
         if s.annotator in rank and (document_id is None or s.document_id == document_id)),
        key=lambda s: (s.start, s.end, rank[s.annotator], s.label),
    )
    units: list[Unit] = []
    group: list[SpanLike] = []
    group_end = -1
    for span in chosen:
        if group and span.start >= group_end:
            units.append(_unit(group, names))
            group = []
        group.append(span)
        group_end = span.end if len(group) == 1 else max(group_end, span.end)
    if group:
        units.append(_unit(group, names))
    return units


def next_disagreement(units: Sequence[Unit], position: int, *, wrap: bool = False) -> Unit | None:
    """The first disagreeing unit that starts after ``position`` (a code point offset).

    ``units`` as returned by :func:`disagreement_units`. With ``wrap``, continue from the top
    of the document. ``None`` when there is none.
    """
    starts = [unit.start for unit in units]
    for index in range(bisect_right(starts, position), len(units)):
        if units[index].is_disagreement:
            return units[index]
    if wrap:
        return next((unit for unit in units if unit.is_disagreement), None)
    return None


def previous_disagreement(
    units: Sequence[Unit], position: int, *, wrap: bool = False
) -> Unit | None:
    """The last disagreeing unit that starts before ``position``; see :func:`next_disagreement`."""
    starts = [unit.start for unit in units]
    for index in range(bisect_left(starts, position) - 1, -1, -1):
        if units[index].is_disagreement:
            return units[index]
    if wrap:
        return next((unit for unit in reversed(units) if unit.is_disagreement), None)
    return None


def agreed_spans(units: Iterable[Unit]) -> list[tuple[int, int, str]]:
    """The ``(start, end, label)`` that every chosen annotator marked, each once, by position.

    These are what "accept all agreed spans" adds to the reviewed layer; they include agreed
    spans inside units that also hold a disagreement.
    """
    agreed = {_key(m.span) for unit in units for m in unit.marks if m.kind is Kind.AGREE}
    return sorted(agreed)
