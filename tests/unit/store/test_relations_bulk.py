"""What imports and exports use: relations added in bulk (every rule checked, all or nothing),
read a chunk of documents at a time; spans' attribute values left over after a relabel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from annotator.domain.relations import Relation, RelationError, new_relation_id, relation_record
from annotator.domain.spans import Span
from annotator.store import Project

TEXT = "米CNNは、金氏が見学したと報じました"


@pytest.fixture
def ends(project: Project) -> dict[str, Span]:
    doc, _ = project.add_document("a.txt", TEXT, who="t")
    other, _ = project.add_document("b.txt", "ロイター通信によると", who="t")
    return {"claim": project.add_span(doc.id, 9, 11, "claim", "alice"),
            "source": project.add_span(doc.id, 0, 4, "source", "alice"),
            "actor": project.add_span(doc.id, 5, 7, "actor", "alice"),
            "bob": project.add_span(doc.id, 0, 4, "source", "bob"),
            "elsewhere": project.add_span(other.id, 0, 4, "source", "alice")}


def rel(head: Span, tail: Span, type_: str, annotator: str = "alice") -> Relation:
    return Relation(new_relation_id(), 0, head.id, tail.id, type_, annotator, None,
                    "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z")


def test_bulk_relations_are_added_with_one_history_row_per_document(
        project: Project, ends: dict[str, Span]) -> None:
    batch = [rel(ends["claim"], ends["source"], "attributed_to"),
             rel(ends["claim"], ends["actor"], "involves")]
    assert project.add_relations_bulk(batch, who="importer", source="a.jsonl") == 2
    doc = ends["claim"].document_id
    stored = project.relations(doc)
    assert stored == sorted((replace(r, document_id=doc) for r in batch),
                            key=lambda r: (r.created_at, r.id))
    [row] = project.history(entity="relation")
    assert (row.action, row.document_id, row.after["source"]) == ("import", doc, "a.jsonl")
    assert set(row.after["relation_ids"]) == {r.id for r in batch}
    assert project.relations_by_document(doc, doc) == {doc: stored}
    assert project.relations_by_document(doc, doc, annotators=["bob"]) == {}
    assert relation_record(stored[0]).keys() == {"id", "head", "tail", "label", "annotator",
                                                 "note", "created_at", "updated_at"}


@pytest.mark.parametrize(("make", "message"), [
    (lambda e: rel(e["claim"], e["actor"], "attributed_to"), "at its tail"),
    (lambda e: rel(e["claim"], e["bob"], "attributed_to"), "one layer"),
    (lambda e: rel(e["claim"], e["elsewhere"], "attributed_to"), "two documents"),
    (lambda e: rel(e["claim"], e["claim"], "involves"), "to itself"),
    (lambda e: rel(e["claim"], e["source"], "nope"), "unknown relation type 'nope'"),
    (lambda e: replace(rel(e["claim"], e["source"], "attributed_to"), tail="f" * 32),
     "tail span is not in the project"),
    (lambda e: rel(e["claim"], e["source"], "attributed_to"), "already have"),
])
def test_one_bad_relation_refuses_the_whole_batch(
        project: Project, ends: dict[str, Span], snapshot: Callable[..., Any],
        make: Callable[[dict[str, Span]], Relation], message: str) -> None:
    first = rel(ends["claim"], ends["source"], "attributed_to")
    project.add_relations_bulk([first], who="i", source="first")
    before = snapshot(project.path)
    good = rel(ends["claim"], ends["actor"], "involves")
    with pytest.raises(RelationError, match=message):
        project.add_relations_bulk([good, make(ends)], who="i", source="x")
    assert snapshot(project.path) == before
    with pytest.raises(RelationError, match="already in the project"):
        project.add_relations_bulk([first], who="i", source="x")


def test_attribute_values_left_over_after_a_relabel_are_listed(
        project: Project, ends: dict[str, Span]) -> None:
    project.set_span_attribute(ends["source"].id, "kind", "media", who="alice")
    project.set_span_attribute(ends["claim"].id, "stance", "reported", who="alice")
    assert project.span_attribute_problems() == []
    moved = project.update_span(ends["source"].id, who="alice", label="actor")
    [(span, reason)] = project.span_attribute_problems(moved.document_id)
    assert span == moved and "label 'actor' declares no attribute 'kind'" in reason
