"""What the review services read from a span, and how they group spans.

The review services never import the domain ``Span``: they read only the attributes named by
:class:`SpanLike`, so any object with them (the domain dataclass, a test double, a row) works.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import Protocol


class SpanLike(Protocol):
    """A labelled span: ``[start, end)`` in code points of one document's text."""

    @property
    def id(self) -> str: ...

    @property
    def document_id(self) -> Hashable: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def label(self) -> str: ...

    @property
    def annotator(self) -> str: ...


# document id -> annotator -> that annotator's spans in that document
Grouped = dict[Hashable, dict[str, list[SpanLike]]]


def check_annotators(annotators: Iterable[str], *, minimum: int = 2) -> tuple[str, ...]:
    """Return ``annotators`` as a tuple, refusing fewer than ``minimum`` or repeated names."""
    names = tuple(annotators)
    if len(names) < minimum:
        raise ValueError(f"at least {minimum} annotators are needed, got {list(names)}")
    if len(set(names)) != len(names):
        raise ValueError(f"annotators must be distinct, got {list(names)}")
    return names


def group_spans(spans: Iterable[SpanLike], annotators: Collection[str]) -> Grouped:
    """Group the spans of ``annotators`` by document, then by annotator (others are skipped).

    Every document that has a span of at least one of ``annotators`` appears; inside it only the
    annotators with spans there appear.
    """
    wanted = set(annotators)
    grouped: Grouped = defaultdict(lambda: defaultdict(list))
    for span in spans:
        if span.annotator in wanted:
            grouped[span.document_id][span.annotator].append(span)
    return {doc: dict(by_annotator) for doc, by_annotator in grouped.items()}


def sort_key(value: Hashable) -> tuple[int, object]:
    """A key that sorts document ids of mixed types stably (numbers first, then by text)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def check_span_bounds(span: SpanLike, length: int) -> None:
    """Refuse a span outside ``[0, length]``, empty or reversed (``ValueError``)."""
    if not 0 <= span.start < span.end <= length:
        raise ValueError(
            f"span {span.id!r} [{span.start}, {span.end}) does not fit document "
            f"{span.document_id!r} of length {length}"
        )


def included_documents(
    grouped: Grouped, annotators: Collection[str], doc_lengths: Mapping[Hashable, int]
) -> list[Hashable]:
    """The documents in which every one of ``annotators`` has at least one span, sorted.

    Raises ``ValueError`` if such a document has no length in ``doc_lengths`` or one of its spans
    does not fit it.
    """
    docs = [doc for doc, by in grouped.items() if all(name in by for name in annotators)]
    docs.sort(key=sort_key)
    for doc in docs:
        if doc not in doc_lengths:
            raise ValueError(f"no length given for document {doc!r}")
        length = doc_lengths[doc]
        for name in annotators:
            for span in grouped[doc][name]:
                check_span_bounds(span, length)
    return docs
