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
    assert index.put(reversed_) is True
    assert index.of_span("s1") == [reversed_] == index.of_span("s2")
    moved = replace(reversed_, tail="s9")
    index.put(moved)
    assert index.of_span("s1") == [] and not index.has_span("s1")
    assert index.of_span("s9") == [moved]
    assert index.put(moved) is True and index.get("a") == moved  # the same again
    assert index.discard("a") is True and index.discard("a") is False
    assert len(index) == 0 and index.ids_of_spans(["s2", "s9"]) == set()


def test_ends_first_the_rest_read_when_asked_for() -> None:
    b = rel("b", "s1", "s2", "2026-01-01T00:00:02.000Z")
    a = rel("a", "s3", "s1", "2026-01-01T00:00:01.000Z")
    c = rel("c", "s4", "s5")
    f = rel("f", "s2", "s6")
    stored = {r.id: r for r in (a, b, c, f)}
    calls: list[list[str]] = []

    def load(ids):  # type: ignore[no-untyped-def]
        calls.append(sorted(ids))
        return [stored[i] for i in ids if i in stored]

    index = RelationIndex()
    index.reset_ends([(r.id, r.head, r.tail) for r in (a, b, c, f)], load)
    assert len(index) == 4 and index.has_span("s3") and "b" in index and calls == []
    assert index.ids_of_spans(["s2"]) == {"b", "f"} and calls == []  # the ends are enough
    assert index.known("a") is None  # not read yet
    assert index.of_span("s1") == [a, b] and calls == [["a", "b"]]  # one read for both
    assert index.get("a") is index.get("a") and index.known("a") == a and len(calls) == 1
    # read as it is now: c was reversed elsewhere, f deleted
    stored["c"] = replace(c, head="s5", tail="s4")
    del stored["f"]
    index.load(["f", "c", "a"])
    assert calls[-1] == ["c", "f"]  # a is read already
    assert index.get("c") == stored["c"] and index.of_span("s5") == [stored["c"]]
    assert "f" not in index and index.of_span("s2") == [b] and not index.has_span("s6")
    # put and discard need no read
    d = rel("d", "s6", "s7")
    index.reset_ends([("d", "s6", "s7"), ("e", "s8", "s9")], load)
    moved = replace(d, tail="s1")
    assert index.put(moved) is True and not index.has_span("s7") and index.get("d") == moved
    assert index.discard("e") is True and index.discard("e") is False
    assert list(index) == [moved] and len(calls) == 2  # nothing left to read
