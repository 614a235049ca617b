"""The relation index of one document: by id and by the spans at each end, reconciled by id."""

from __future__ import annotations

from dataclasses import replace

from annotator.domain.relation_index import RelationIndex
from annotator.domain.relations import Relation


def rel(rid: str, head: str, tail: str, at: str = "2026-01-01T00:00:00.000Z") -> Relation:
    return Relation(rid, 1, head, tail, "involves", "me", None, at, at)


def test_of_span_lists_both_ends_in_creation_order() -> None:
    b = rel("b", "s1", "s2", "2026-01-01T00:00:02.000Z")
    a = rel("a", "s3", "s1", "2026-01-01T00:00:01.000Z")
    index = RelationIndex([b, a])
    assert index.of_span("s1") == [a, b]
    assert index.of_span("s2") == [b]
    assert index.of_span("nothing") == []
    assert index.ids_of_spans(["s2", "s3"]) == {"a", "b"}
    assert len(index) == 2 and "a" in index and index.has_span("s3")


def test_put_replaces_and_moves_the_ends_discard_forgets() -> None:
    index = RelationIndex([rel("a", "s1", "s2")])
    reversed_ = replace(index.get("a"), head="s2", tail="s1")
    assert index.put(reversed_) is not None
    assert index.of_span("s1") == [reversed_] == index.of_span("s2")
    moved = replace(reversed_, tail="s9")
    index.put(moved)
    assert index.of_span("s1") == [] and not index.has_span("s1")
    assert index.of_span("s9") == [moved]
    assert index.put(moved) == moved  # the same again: nothing changes
    assert index.discard("a") == moved and index.discard("a") is None
    assert len(index) == 0 and index.ids_of_spans(["s2", "s9"]) == set()


def test_rows_become_relations_when_asked_for() -> None:
    b = rel("b", "s1", "s2", "2026-01-01T00:00:02.000Z")
    a = rel("a", "s3", "s1", "2026-01-01T00:00:01.000Z")
    index = RelationIndex()
    index.reset_rows([tuple(getattr(b, f) for f in b.__slots__),
                      tuple(getattr(a, f) for f in a.__slots__)])
    assert len(index) == 2 and index.has_span("s3") and "b" in index
    assert index.ids_of_spans(["s2"]) == {"b"}
    got = index.get("a")
    assert got == a and type(got) is Relation and index.get("a") is got  # made once
    assert index.of_span("s1") == [a, b]
    moved = replace(b, tail="s9")
    assert index.put(moved) == b  # the replaced one comes back as a Relation
    assert not index.has_span("s2") and index.of_span("s9") == [moved]
    assert index.discard("a") == a and sorted(r.id for r in index) == ["b"]
    index.reset_rows([])
    assert len(index) == 0 and not index.has_span("s1")
