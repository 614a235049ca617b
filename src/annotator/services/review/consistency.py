"""Consistency checks across a project: the same text labelled differently, or left unlabelled.

Checks run on the spans they are given: pass one annotator's spans (or the reviewed layer) to
check that layer, or all spans to check the project as a whole (``annotators`` filters too).
A span's *text* is the exact slice ``texts[document_id][start:end]``; texts shorter than
``min_length`` code points (default 2) are ignored, as one character is rarely meaningful.

- **Label conflict**: a text that carries two or more labels across its labelled places. One
  finding per labelled place ``(document, start, end)`` of such a text.
- **Unlabelled occurrence**: an occurrence of a labelled text, in any document, that no span
  with any of that text's labels covers (contains). Occurrences covered by a span of another of
  its labels are left to the label-conflict check. Occurrences may overlap each other.
  ``covering_labels`` tells when the occurrence lies inside a span of an unrelated label
  (e.g. a place name inside an organisation name), which is often intended.

How it scales (time linear in the characters and spans read, memory in the distinct labelled
texts): :class:`LabelledTexts` takes each document's spans once and keeps only the distinct
labelled texts with their label counts; :meth:`LabelledTexts.freeze` builds an Aho–Corasick
automaton over them (``pyahocorasick``); :meth:`LabelledTexts.scan` then finds every
occurrence of every labelled text in one document in a single pass over its characters, and
returns that document's findings sorted by position. A project is checked by two passes over
its documents, one at a time (``project_review.scan_consistency``), so neither the documents nor
the findings of the project are ever held together.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import ahocorasick

from annotator.services.review.inputs import SpanLike, check_span_bounds, sort_key


class FindingKind(StrEnum):
    """What a consistency finding is about (values are display names)."""

    LABEL_CONFLICT = "same text, different labels"
    UNLABELLED = "labelled elsewhere, unlabelled here"


@dataclass(frozen=True, slots=True)
class Finding:
    """One place to look at: ``texts[document_id][start:end] == text``.

    ``labels``: the labels this text carries in the project, with their number of labelled
    places (most frequent first: the likely fix). ``labels_here``: the labels of the spans
    exactly at this place, and ``span_ids`` those spans (to relabel or delete them); both empty
    for an unlabelled occurrence. ``covering_labels`` (unlabelled occurrences only): labels of
    the spans that contain the place.
    """

    kind: FindingKind
    document_id: Hashable
    start: int
    end: int
    text: str
    labels: tuple[tuple[str, int], ...]
    labels_here: tuple[str, ...] = ()
    span_ids: tuple[str, ...] = ()
    covering_labels: tuple[str, ...] = ()

    @property
    def label_names(self) -> tuple[str, ...]:
        """The labels involved, most frequent first."""
        return tuple(label for label, _ in self.labels)


@dataclass(frozen=True, slots=True, eq=False)
class LabelledText:
    """One distinct labelled text: its labels with their number of labelled places (most
    frequent first), the label names as a set, and whether it is a label conflict."""

    text: str
    labels: tuple[tuple[str, int], ...]
    names: frozenset[str]
    conflict: bool


# A span as the scan reads it: (id, start, end, label).
SpanTuple = tuple[str, int, int, str]

# A finding of one document before it becomes a Finding: (start, end, kind rank, labelled
# text, labels here, span ids, covering labels). The rank sorts an unlabelled occurrence before a
# label conflict at the same place, as the kinds' names sort; (start, end, rank) is unique.
Row = tuple[int, int, int, LabelledText, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_UNLABELLED, _CONFLICT = 0, 1
_KINDS = (FindingKind.UNLABELLED, FindingKind.LABEL_CONFLICT)


def finding(document_id: Hashable, row: Row) -> Finding:
    """The :class:`Finding` of one row of :meth:`LabelledTexts.scan`."""
    start, end, rank, entry, here, ids, covering = row
    return Finding(_KINDS[rank], document_id, start, end, entry.text, entry.labels, here, ids,
                   covering)


def row_kind(row: Row) -> FindingKind:
    """The kind of a row of :meth:`LabelledTexts.scan`."""
    return _KINDS[row[2]]


class _Coverage:
    """Answers "which labels' spans contain [start, end)?" for one document."""

    __slots__ = ("_index", "reach", "starts")

    def __init__(self, spans: Sequence[SpanTuple]) -> None:
        by_label: dict[str, list[tuple[int, int]]] = {}
        for _, start, end, label in spans:
            by_label.setdefault(label, []).append((start, end))
        self._index: dict[str, tuple[list[int], list[int]]] = {}
        every: list[tuple[int, int]] = []
        for label, ranges in sorted(by_label.items()):
            ranges.sort()
            every.extend(ranges)
            self._index[label] = self._reaches(ranges)
        every.sort()
        #: the starts of every span, sorted, and the furthest end reached up to each
        self.starts, self.reach = self._reaches(every)

    @staticmethod
    def _reaches(ranges: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
        reach, furthest = [], 0
        for _, end in ranges:
            if end > furthest:
                furthest = end
            reach.append(furthest)
        return [start for start, _ in ranges], reach

    def covering(self, start: int, end: int) -> tuple[str, ...]:
        """The labels (sorted) of the spans containing ``[start, end)``."""
        found = []
        for label, (starts, reach) in self._index.items():
            count = bisect_right(starts, start)
            if count and reach[count - 1] >= end:
                found.append(label)
        return tuple(found)


class LabelledTexts:
    """The distinct labelled texts of a set of documents, and the scan for their occurrences.

    Feed every document's spans with :meth:`add` (the first pass), call :meth:`freeze`, then
    :meth:`scan` each document (the second pass). Memory: the distinct labelled texts only.
    """

    def __init__(self, min_length: int = 2) -> None:
        self.min_length = min_length
        self._counts: dict[str, dict[str, int]] = {}
        self._entries: dict[str, LabelledText] = {}
        self._automaton: ahocorasick.Automaton | None = None
        self._frozen = False

    def __len__(self) -> int:
        return len(self._counts)

    def add(self, text: str, spans: Iterable[SpanTuple]) -> None:
        """Count the labelled places of one document (``text``; its spans as ``(id, start,
        end, label)``): each label once per place."""
        if self._frozen:
            raise RuntimeError("the labelled texts are frozen")
        counts, shortest = self._counts, self.min_length
        for start, end, label in {(s[1], s[2], s[3]) for s in spans}:
            if end - start >= shortest:
                key = text[start:end]
                per_label = counts.get(key)
                if per_label is None:
                    per_label = counts[key] = {}
                per_label[label] = per_label.get(label, 0) + 1

    def freeze(self) -> None:
        """End the first pass: rank each text's labels and build the automaton."""
        automaton = ahocorasick.Automaton()
        for text, per_label in self._counts.items():
            labels = tuple(sorted(per_label.items(), key=lambda item: (-item[1], item[0])))
            entry = LabelledText(text, labels, frozenset(per_label), len(labels) > 1)
            self._entries[text] = entry
            automaton.add_word(text, (len(text) - 1, entry))
        if self._entries:
            automaton.make_automaton()
            self._automaton = automaton
        self._counts = {}
        self._frozen = True

    def entry(self, text: str) -> LabelledText | None:
        """What is known of a labelled text (after :meth:`freeze`)."""
        return self._entries.get(text)

    def scan(self, text: str, spans: Sequence[SpanTuple], *, conflicts: bool = True,
             unlabelled: bool = True) -> list[Row]:
        """The findings of one document, sorted by start, end and kind.

        ``spans``: the document's spans as ``(id, start, end, label)``, in any order (label
        conflicts list a place's span ids in the order given)."""
        if not self._frozen:
            raise RuntimeError("freeze() the labelled texts before scanning")
        rows: list[Row] = []
        if conflicts:
            entries, shortest = self._entries, self.min_length
            places: dict[tuple[int, int], list[SpanTuple]] = {}
            for span in spans:
                if span[2] - span[1] >= shortest:
                    places.setdefault((span[1], span[2]), []).append(span)
            for (start, end), here in places.items():
                entry = entries[text[start:end]]
                if entry.conflict:
                    rows.append((start, end, _CONFLICT, entry,
                                 tuple(sorted({s[3] for s in here})),
                                 tuple(s[0] for s in here), ()))
        if unlabelled and self._automaton is not None:
            cover = _Coverage(spans)
            detailed, starts, reach = cover.covering, cover.starts, cover.reach
            append = rows.append
            for last, (extent, entry) in self._automaton.iter(text):
                start = last - extent
                count = bisect_right(starts, start)
                if not count or reach[count - 1] <= last:  # inside no span at all
                    append((start, last + 1, _UNLABELLED, entry, (), (), ()))
                    continue
                labels = detailed(start, last + 1)
                if entry.names.isdisjoint(labels):
                    append((start, last + 1, _UNLABELLED, entry, (), (), labels))
        rows.sort()  # by (start, end, rank): unique, so the other items are never compared
        return rows


class DocumentFindings(NamedTuple):
    """The findings of one document, as :meth:`LabelledTexts.scan` rows (sorted)."""

    document_id: Hashable
    rows: list[Row]

    def findings(self) -> list[Finding]:
        return [finding(self.document_id, row) for row in self.rows]


def _kept(
    spans: Iterable[SpanLike],
    texts: Mapping[Hashable, str],
    annotators: Collection[str] | None,
) -> dict[Hashable, list[SpanTuple]]:
    """The spans to check, by document, validated against their texts."""
    by_doc: dict[Hashable, list[SpanTuple]] = {}
    for s in spans:
        if annotators is not None and s.annotator not in annotators:
            continue
        if s.document_id not in texts:
            raise ValueError(f"no text given for document {s.document_id!r}")
        check_span_bounds(s, len(texts[s.document_id]))
        by_doc.setdefault(s.document_id, []).append((s.id, s.start, s.end, s.label))
    return by_doc


def scan_texts(
    spans: Iterable[SpanLike],
    texts: Mapping[Hashable, str],
    *,
    min_length: int = 2,
    annotators: Collection[str] | None = None,
    conflicts: bool = True,
    unlabelled: bool = True,
) -> Iterator[DocumentFindings]:
    """Both passes over documents held in memory (``texts``: document id -> canonical text),
    yielding each document's findings in document order. Raises ``ValueError`` for a span
    without text or outside its text (before yielding anything)."""
    by_doc = _kept(spans, texts, annotators)
    index = LabelledTexts(min_length)
    for doc, doc_spans in by_doc.items():
        index.add(texts[doc], doc_spans)
    index.freeze()
    searched = texts if unlabelled else by_doc
    for doc in sorted(searched, key=sort_key):
        rows = index.scan(texts[doc], by_doc.get(doc, []), conflicts=conflicts,
                          unlabelled=unlabelled)
        if rows:
            yield DocumentFindings(doc, rows)


def find_label_conflicts(
    spans: Iterable[SpanLike],
    texts: Mapping[Hashable, str],
    *,
    min_length: int = 2,
    annotators: Collection[str] | None = None,
) -> list[Finding]:
    """Places whose text carries different labels elsewhere, sorted by document and position.

    ``texts``: document id -> canonical text, for every document of a span. Raises
    ``ValueError`` for a span without text or outside its text.
    """
    return [f for found in scan_texts(spans, texts, min_length=min_length,
                                      annotators=annotators, unlabelled=False)
            for f in found.findings()]


def find_unlabelled(
    spans: Iterable[SpanLike],
    texts: Mapping[Hashable, str],
    *,
    min_length: int = 2,
    annotators: Collection[str] | None = None,
) -> list[Finding]:
    """Occurrences of labelled texts that no span of their labels covers, sorted by position.

    Searches every document of ``texts`` (document id -> canonical text). Raises ``ValueError``
    for a span without text or outside its text.
    """
    return [f for found in scan_texts(spans, texts, min_length=min_length,
                                      annotators=annotators, conflicts=False)
            for f in found.findings()]


def check_consistency(
    spans: Iterable[SpanLike],
    texts: Mapping[Hashable, str],
    *,
    min_length: int = 2,
    annotators: Collection[str] | None = None,
) -> list[Finding]:
    """Both checks, merged and sorted by document and position (same arguments)."""
    return [f for found in scan_texts(spans, texts, min_length=min_length,
                                      annotators=annotators)
            for f in found.findings()]
