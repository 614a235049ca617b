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

The search uses ``str.find`` loops, only in the documents that contain every bigram of the
text (an index bigram -> documents, intersected rarest first).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

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


class _Coverage:
    """Answers "does a span of label L contain [start, end)?" for one document."""

    def __init__(self, spans: Iterable[SpanLike]) -> None:
        by_label: dict[str, list[tuple[int, int]]] = {}
        for s in spans:
            by_label.setdefault(s.label, []).append((s.start, s.end))
        self._index: dict[str, tuple[list[int], list[int]]] = {}
        for label, ranges in by_label.items():
            ranges.sort()
            reach, furthest = [], 0
            for _, end in ranges:
                furthest = max(furthest, end)
                reach.append(furthest)
            self._index[label] = ([start for start, _ in ranges], reach)

    def covered(self, label: str, start: int, end: int) -> bool:
        entry = self._index.get(label)
        if entry is None:
            return False
        count = bisect_right(entry[0], start)
        return count > 0 and entry[1][count - 1] >= end

    def covering(self, start: int, end: int) -> tuple[str, ...]:
        return tuple(sorted(label for label in self._index if self.covered(label, start, end)))


def _places(
    spans: Iterable[SpanLike],
    texts: Mapping[Hashable, str],
    min_length: int,
    annotators: Collection[str] | None,
) -> tuple[dict[str, dict[tuple, list[SpanLike]]], dict[Hashable, list[SpanLike]]]:
    """Labelled places by text, and the kept spans by document."""
    by_text: dict[str, dict[tuple, list[SpanLike]]] = {}
    by_doc: dict[Hashable, list[SpanLike]] = {}
    for s in spans:
        if annotators is not None and s.annotator not in annotators:
            continue
        if s.document_id not in texts:
            raise ValueError(f"no text given for document {s.document_id!r}")
        text = texts[s.document_id]
        check_span_bounds(s, len(text))
        by_doc.setdefault(s.document_id, []).append(s)
        if s.end - s.start >= min_length:
            place = (s.document_id, s.start, s.end)
            by_text.setdefault(text[s.start : s.end], {}).setdefault(place, []).append(s)
    return by_text, by_doc


def _label_counts(places: Mapping[tuple, list[SpanLike]]) -> tuple[tuple[str, int], ...]:
    counts = Counter(label for spans in places.values() for label in {s.label for s in spans})
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _grams(text: str) -> set[str]:
    """The bigrams of ``text`` (the text itself when it has one character)."""
    return set(map(str.__add__, text, text[1:])) if len(text) > 1 else {text}


def _gram_index(
    by_text: Mapping[str, object], texts: Mapping[Hashable, str]
) -> dict[str, set[Hashable]]:
    """For every bigram (or single character) of the searched texts: the documents holding it.

    A text can only occur in a document that holds all of its bigrams, so this narrows the
    ``str.find`` loops to few documents.
    """
    wanted = set().union(*map(_grams, by_text)) if by_text else set()
    singles = {gram for gram in wanted if len(gram) == 1}
    index: dict[str, set[Hashable]] = {}
    for doc, body in texts.items():
        present = wanted.intersection(map(str.__add__, body, body[1:]))
        if singles:
            present.update(singles.intersection(body))
        for gram in present:
            index.setdefault(gram, set()).add(doc)
    return index


def _order(finding: Finding) -> tuple:
    return (sort_key(finding.document_id), finding.start, finding.end, finding.kind.value)


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
    by_text, _ = _places(spans, texts, min_length, annotators)
    findings = []
    for text, places in by_text.items():
        labels = _label_counts(places)
        if len(labels) < 2:
            continue
        for (doc, start, end), here in places.items():
            findings.append(
                Finding(
                    kind=FindingKind.LABEL_CONFLICT,
                    document_id=doc,
                    start=start,
                    end=end,
                    text=text,
                    labels=labels,
                    labels_here=tuple(sorted({s.label for s in here})),
                    span_ids=tuple(s.id for s in here),
                )
            )
    return sorted(findings, key=_order)


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
    by_text, by_doc = _places(spans, texts, min_length, annotators)
    docs_with = _gram_index(by_text, texts)
    coverage = {doc: _Coverage(doc_spans) for doc, doc_spans in by_doc.items()}
    empty = _Coverage(())
    findings = []
    for text, places in by_text.items():
        labels = _label_counts(places)
        names = [label for label, _ in labels]
        candidates: set[Hashable] | None = None
        for gram in sorted(_grams(text), key=lambda g: len(docs_with.get(g, ()))):
            found = docs_with.get(gram, set())
            candidates = set(found) if candidates is None else candidates & found
            if not candidates:
                break
        for doc in candidates or ():
            body, cover = texts[doc], coverage.get(doc, empty)
            position = body.find(text)
            while position >= 0:
                end = position + len(text)
                if not any(cover.covered(label, position, end) for label in names):
                    findings.append(
                        Finding(
                            kind=FindingKind.UNLABELLED,
                            document_id=doc,
                            start=position,
                            end=end,
                            text=text,
                            labels=labels,
                            covering_labels=cover.covering(position, end),
                        )
                    )
                position = body.find(text, position + 1)
    return sorted(findings, key=_order)


def check_consistency(
    spans: Iterable[SpanLike],
    texts: Mapping[Hashable, str],
    *,
    min_length: int = 2,
    annotators: Collection[str] | None = None,
) -> list[Finding]:
    """Both checks, merged and sorted by document and position (same arguments)."""
    kept = list(spans)
    return sorted(
        find_label_conflicts(kept, texts, min_length=min_length, annotators=annotators)
        + find_unlabelled(kept, texts, min_length=min_length, annotators=annotators),
        key=_order,
    )
