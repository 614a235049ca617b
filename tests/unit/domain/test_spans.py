"""Span rules: code points, end-exclusive; overlaps and nesting allowed; bad spans refused."""

from __future__ import annotations

import dataclasses
import re

import pytest

from annotator.domain.errors import SpanError
from annotator.domain.spans import Span, check_annotator, check_bounds, make_span, new_span_id, now
from annotator.store import Document, Project


def test_ids_and_times() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", new_span_id())
    assert new_span_id() != new_span_id()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", now())


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (3, 3, "is empty"),
        (5, 2, "is reversed"),
        (-1, 2, "outside the text, which has 10 characters"),
        (0, 11, "outside the text, which has 10 characters"),
        (1.0, 2, "whole numbers"),
        (True, 2, "whole numbers"),
        ("1", 2, "whole numbers"),
    ],
)
def test_bad_bounds_refused(start: object, end: object, message: str) -> None:
    with pytest.raises(SpanError, match=message):
        check_bounds(start, end, 10)


def test_good_bounds() -> None:
    check_bounds(0, 10, 10)
    check_bounds(9, 10, 10)


@pytest.mark.parametrize("name", ["", " ", " a", "a\nb", "x" * 129, None, 3])
def test_bad_annotator_names(name: object) -> None:
    with pytest.raises(SpanError):
        check_annotator(name)


def test_offsets_are_code_points(project: Project, document: Document) -> None:
    text = project.text(document.id)
    start = text.index("\U00020BB7")
    span = project.add_span(document.id, start, start + 1, "weapon", "alice")
    assert text[span.start:span.end] == "\U00020BB7"
    vs = text.index("葛")
    span = project.add_span(document.id, vs, vs + 2, "actor", "alice")
    assert text[span.start:span.end] == "葛\U000E0100"
    whole = project.add_span(document.id, 0, len(text), "claim", "alice")
    assert whole.end == document.length == len(text)


def test_overlapping_and_nested_spans_allowed(project: Project, document: Document) -> None:
    claim = project.add_span(document.id, 0, 12, "claim", "alice")
    actor = project.add_span(document.id, 0, 3, "actor", "alice")
    number = project.add_span(document.id, 10, 12, "number", "alice")
    overlap = project.add_span(document.id, 2, 14, "source", "alice")
    same_range = project.add_span(document.id, 0, 12, "actor", "alice")
    other_annotator = project.add_span(document.id, 0, 12, "claim", "bob")
    assert {s.id for s in project.spans(document.id)} == {
        s.id for s in (claim, actor, number, overlap, same_range, other_annotator)}


def test_exact_duplicate_refused(project: Project, document: Document,
                                 snapshot, project_path) -> None:
    project.add_span(document.id, 1, 4, "actor", "alice")
    before = snapshot(project_path)
    with pytest.raises(SpanError, match=r"alice already has a 'actor' span at \[1, 4\)"):
        project.add_span(document.id, 1, 4, "actor", "alice")
    assert snapshot(project_path) == before


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(2, 2, "empty"), (4, 2, "reversed"), (-1, 2, "outside the text"),
     (0, 10_000, "outside the text")],
)
def test_bad_span_refused_by_project(project: Project, document: Document, snapshot,
                                     project_path, start: int, end: int, message: str) -> None:
    before = snapshot(project_path)
    with pytest.raises(SpanError, match=message):
        project.add_span(document.id, start, end, "actor", "alice")
    assert snapshot(project_path) == before


def test_span_key() -> None:
    span = Span("a" * 32, 1, 2, 3, "actor", "alice", None, "t", "t")
    assert span.key == (1, 2, 3, "actor", "alice")


def test_make_span_builds_the_same_frozen_span() -> None:
    fields = ("0" * 32, 3, 5, 9, "actor", "hana", None, "2026-01-01T00:00:00.000Z",
              "2026-01-02T00:00:00.000Z")
    fast, plain = make_span(*fields), Span(*fields)
    assert type(fast) is Span and fast == plain and repr(fast) == repr(plain)
    assert fast.attributes == {} and fast.attributes is not make_span(*fields).attributes
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.label = "claim"  # type: ignore[misc]
    full = make_span(*fields, {"number": 3}, {"stance": "reported"})
    assert full == Span(*fields, {"number": 3}, {"stance": "reported"})
    assert dataclasses.replace(full, label="claim").label == "claim"
