"""Shared test helpers for the review services: a span double and brute-force references."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

_ids = itertools.count()


@dataclass(frozen=True)
class FakeSpan:
    """Has exactly the attributes the review services read."""

    document_id: int
    start: int
    end: int
    label: str
    annotator: str
    id: str = field(default_factory=lambda: f"{next(_ids):032x}")


def span(annotator: str, start: int, end: int, label: str, doc: int = 1) -> FakeSpan:
    """A short way to write a span in a test."""
    return FakeSpan(doc, start, end, label, annotator)


def char_categories(spans, doc: int, length: int, annotator: str, label: str | None = None):
    """Per character of ``doc``: the sorted tuple of labels ``annotator`` put on it (brute force);
    with ``label``, a bool: is the character inside a span of that label."""
    cats = [set() for _ in range(length)]
    for s in spans:
        if s.document_id == doc and s.annotator == annotator:
            for position in range(s.start, s.end):
                cats[position].add(s.label)
    if label is not None:
        return [label in c for c in cats]
    return [tuple(sorted(c)) for c in cats]


def random_spans(rng: random.Random, docs: dict[int, int], annotators, labels, per_doc: int):
    """Random spans (overlapping and nested ones included) over ``docs`` (id -> length)."""
    out = []
    for doc, length in docs.items():
        for name in annotators:
            for _ in range(rng.randint(0, per_doc)):
                start = rng.randrange(length)
                end = rng.randint(start + 1, min(length, start + 1 + rng.randint(0, 8)))
                out.append(FakeSpan(doc, start, end, rng.choice(labels), name))
    return out


def brute_prf(spans, docs, reference: str, compared: str, label=None, overlap=False):
    """Independent P/R/F1 of ``compared`` against ``reference`` by nested loops."""

    def matches(a, b):
        if a.document_id != b.document_id or a.label != b.label:
            return False
        if overlap:
            return a.start < b.end and b.start < a.end
        return a.start == b.start and a.end == b.end

    def pick(name):
        return [
            s for s in spans
            if s.annotator == name and s.document_id in docs and (label is None or s.label == label)
        ]

    ref, cmp_ = pick(reference), pick(compared)
    precision = sum(any(matches(r, c) for r in ref) for c in cmp_) / len(cmp_) if cmp_ else None
    recall = sum(any(matches(r, c) for c in cmp_) for r in ref) / len(ref) if ref else None
    if precision is None and recall is None:
        f1 = None
    elif precision is None or recall is None or precision + recall == 0:
        f1 = 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1
