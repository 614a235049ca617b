"""Relations in the store: the constraints checked in the writing transaction, history rows,
conflicts, span deletes taking relations along, resizes and relabels keeping them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from annotator.domain.relations import RelationError, RelationType
from annotator.domain.spans import Span
from annotator.store import ConflictError, Document, Project

# 米CNNは、金氏が『…』と報じました: the claim, its source and the actor it is about.
TEXT = "米CNNは、金氏が「戦闘機や飛行場の様子を見学し」と報じました。ミサイル3発"


@pytest.fixture
def doc(project: Project) -> Document:
    document, _ = project.add_document("cnn.txt", TEXT, who="tester")
    return document


@pytest.fixture
def spans(project: Project, doc: Document) -> dict[str, Span]:
    def add(label: str, surface: str, annotator: str = "alice") -> Span:
        start = TEXT.index(surface)
        return project.add_span(doc.id, start, start + len(surface), label, annotator)

    return {
        "claim": add("claim", "戦闘機や飛行場の様子を見学し"),
        "source": add("source", "米CNN"),
        "actor": add("actor", "金氏"),
        "weapon": add("weapon", "ミサイル"),
        "number": add("number", "3発"),
        "bob_source": add("source", "米CNN", "bob"),
    }


def test_a_relation_is_added_with_a_history_row(project: Project, spans: dict[str, Span]) -> None:
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to",
                                    note="quoted")
    assert len(relation.id) == 32 and int(relation.id, 16) >= 0
    assert (relation.head, relation.tail, relation.type, relation.annotator, relation.note) == (
        spans["claim"].id, spans["source"].id, "attributed_to", "alice", "quoted")
    assert relation.created_at == relation.updated_at and relation.created_at.endswith("Z")
    assert project.relations(spans["claim"].document_id) == [relation]
    assert project.relations(annotator="bob") == []
    assert project.relations_of_span(spans["source"].id) == [relation]
    assert project.relation(relation.id) == relation
    [row] = project.history(entity="relation")
    assert (row.action, row.entity_id, row.document_id, row.who) == (
        "add", relation.id, relation.document_id, "alice")
    assert row.after["head"] == spans["claim"].id


def test_quantifies_allows_either_tail(project: Project, spans: dict[str, Span]) -> None:
    project.add_relation(spans["number"].id, spans["weapon"].id, "quantifies")
    project.add_relation(spans["number"].id, spans["actor"].id, "quantifies")
    assert [rt.name for rt in project.allowed_relation_types("number", "weapon")] == ["quantifies"]
    assert project.allowed_relation_types("claim", "weapon") == []


@pytest.mark.parametrize(("head", "tail", "type_", "message"), [
    ("claim", "claim", "attributed_to", "not a span to itself"),
    ("actor", "source", "attributed_to", "does not allow a 'actor' span at its head"),
    ("claim", "actor", "attributed_to", "does not allow a 'actor' span at its tail"),
    ("source", "claim", "attributed_to", "at its head"),
    ("claim", "bob_source", "attributed_to", "one layer"),
    ("claim", "source", "no_such_type", "unknown relation type 'no_such_type'"),
])
def test_refused_relations_change_nothing(
        project: Project, spans: dict[str, Span], snapshot: Callable[..., Any],
        head: str, tail: str, type_: str, message: str) -> None:
    before = snapshot(project.path)
    with pytest.raises(RelationError, match=message):
        project.add_relation(spans[head].id, spans[tail].id, type_)
    assert snapshot(project.path) == before


def test_ends_in_two_documents_or_missing_are_refused(
        project: Project, spans: dict[str, Span], snapshot: Callable[..., Any]) -> None:
    other, _ = project.add_document("other.txt", "ロイターによると", who="tester")
    reuters = project.add_span(other.id, 0, 4, "source", "alice")
    before = snapshot(project.path)
    with pytest.raises(RelationError, match="different documents"):
        project.add_relation(spans["claim"].id, reuters.id, "attributed_to")
    with pytest.raises(RelationError, match="does not exist"):
        project.add_relation(spans["claim"].id, "0" * 32, "attributed_to")
    project_span = spans["source"]
    project.delete_span(project_span.id, who="bob")
    before = snapshot(project.path)
    with pytest.raises(RelationError, match="deleted elsewhere .by bob"):
        project.add_relation(spans["claim"].id, project_span.id, "attributed_to")
    assert snapshot(project.path) == before


def test_an_exact_duplicate_is_refused_but_the_other_direction_is_not(
        project: Project, spans: dict[str, Span]) -> None:
    project.add_relation_type(RelationType("related", "#123456", "r"), who="alice")
    project.add_relation(spans["claim"].id, spans["actor"].id, "related")
    with pytest.raises(RelationError, match="already have an 'related' relation"):
        project.add_relation(spans["claim"].id, spans["actor"].id, "related")
    project.add_relation(spans["actor"].id, spans["claim"].id, "related")  # reversed: another
    project.add_relation(spans["claim"].id, spans["actor"].id, "involves")  # another type
    assert len(project.relations()) == 3


def test_deleting_a_span_deletes_its_relations_in_the_same_transaction(
        project: Project, spans: dict[str, Span]) -> None:
    kept = project.add_relation(spans["number"].id, spans["weapon"].id, "quantifies")
    r1 = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    r2 = project.add_relation(spans["claim"].id, spans["actor"].id, "involves")
    project.delete_span(spans["claim"].id, who="carol")
    assert project.relations() == [kept]
    rows = [(h.action, h.entity, h.entity_id, h.who) for h in project.history()[-3:]]
    # the relations go first (in creation time, then id order: r1 and r2 may share a millisecond)
    assert sorted(rows[:2]) == sorted([("delete", "relation", r1.id, "carol"),
                                       ("delete", "relation", r2.id, "carol")])
    assert rows[2] == ("delete", "span", spans["claim"].id, "carol")
    fk = project.db.execute("PRAGMA foreign_key_check").fetchall()
    assert fk == []


def test_a_failed_span_delete_keeps_its_relations(
        project: Project, spans: dict[str, Span]) -> None:
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    stale = spans["claim"]
    project.update_span(stale.id, who="bob", note="edited")
    with pytest.raises(ConflictError):
        project.delete_span(stale.id, who="alice", expect=stale)
    assert project.relations() == [relation]


def test_resizing_keeps_relations_and_a_relabel_is_kept_and_flagged(
        project: Project, spans: dict[str, Span]) -> None:
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    project.update_span(spans["claim"].id, who="alice", start=spans["claim"].start + 1)
    project.update_span(spans["source"].id, who="alice", end=spans["source"].end - 1)
    assert project.relations() == [relation]
    assert project.relation_problems() == []
    project.update_span(spans["source"].id, who="alice", label="actor")
    assert project.relations() == [relation]
    [(flagged, reason)] = project.relation_problems(relation.document_id)
    assert flagged == relation
    assert "does not allow a 'actor' span at its tail" in reason


def test_update_relation_retypes_reverses_and_refuses_stale_state(
        project: Project, spans: dict[str, Span]) -> None:
    project.add_relation_type(RelationType("related", "#123456", "r"), who="alice")
    relation = project.add_relation(spans["claim"].id, spans["actor"].id, "involves")
    retyped = project.update_relation(relation.id, who="alice", type="related", expect=relation)
    assert retyped.type == "related" and retyped.updated_at >= relation.updated_at
    reversed_ = project.update_relation(relation.id, who="alice", head=retyped.tail,
                                        tail=retyped.head, expect=retyped)
    assert (reversed_.head, reversed_.tail) == (spans["actor"].id, spans["claim"].id)
    with pytest.raises(RelationError, match="does not allow a 'actor' span at its head"):
        project.update_relation(relation.id, who="alice", type="involves")
    with pytest.raises(ConflictError, match="was changed elsewhere"):
        project.update_relation(relation.id, who="alice", note="x", expect=relation)
    with pytest.raises(ConflictError, match="was changed elsewhere"):
        project.delete_relation(relation.id, who="alice", expect=relation)
    deleted = project.delete_relation(relation.id, who="alice", expect=reversed_)
    assert deleted == reversed_ and project.relations() == []
    with pytest.raises(ConflictError, match="deleted elsewhere"):
        project.delete_relation(relation.id, who="alice", expect=reversed_)
    restored = project.restore_relation(deleted, who="alice")
    assert restored == deleted
    with pytest.raises(ConflictError, match="exists again"):
        project.restore_relation(deleted, who="alice")
    rows = [h.action for h in project.history(entity="relation", entity_id=relation.id)]
    assert rows == ["add", "update", "update", "delete", "add"]


def test_restore_relations_skips_those_whose_span_is_gone(
        project: Project, spans: dict[str, Span]) -> None:
    r1 = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    r2 = project.add_relation(spans["claim"].id, spans["actor"].id, "involves")
    project.delete_relation(r1.id, who="alice")
    project.delete_relation(r2.id, who="alice")
    project.delete_span(spans["actor"].id, who="bob")
    assert project.restore_relations([r1, r2], who="alice") == [r1]
    assert project.relations() == [r1]


# -- relation types ------------------------------------------------------------------------


def test_relation_types_are_edited_like_labels(project: Project, spans: dict[str, Span]) -> None:
    added = project.add_relation_type(
        RelationType("denies", "#aa0000", "4", "Denial.", ("actor",), ("claim",)), who="alice",
        position=0)
    assert project.relation_types()[0] == added
    with pytest.raises(RelationError, match="key '4' is already used by relation type 'denies'"):
        project.add_relation_type(RelationType("x", "#000000", "4"), who="alice")
    with pytest.raises(RelationError, match="no label 'place' for its tail"):
        project.add_relation_type(RelationType("x", "#000000", None, "", (), ("place",)),
                                  who="alice")
    project.move_relation_type("denies", 3, who="alice")
    assert [rt.name for rt in project.relation_types()][-1] == "denies"
    changed = project.update_relation_type("denies", who="alice", new_name="rejects",
                                           color="#bb0000", key="5", heads=["actor", "source"])
    assert changed == RelationType("rejects", "#bb0000", "5", "Denial.", ("actor", "source"),
                                   ("claim",))
    with pytest.raises(ConflictError):
        project.update_relation_type("rejects", who="alice", key="6", expect=added)
    relation = project.add_relation(spans["source"].id, spans["claim"].id, "rejects")
    assert project.relation_type_usage("rejects") == 1
    with pytest.raises(RelationError, match="used by 1 relation;"):
        project.remove_relation_type("rejects", who="alice")
    assert project.remove_relation_type("rejects", who="alice", delete_relations=True) == [
        relation]
    assert project.relations() == []
    restored = project.restore_relation_type(changed, 3, [relation], who="alice")
    assert restored == [relation] and project.relation_type("rejects") == changed
    entities = {h.entity for h in project.history()[-4:]}
    assert entities == {"relation", "relation_type"}


def test_renaming_a_label_renames_it_in_relation_types_and_attributes(
        project: Project, spans: dict[str, Span]) -> None:
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    project.update_label("source", who="alice", new_name="origin")
    assert project.relation_type("attributed_to").tails == ("origin",)
    assert [a.qualified for a in project.label_attributes()] == ["claim.stance", "origin.kind"]
    assert project.relation_problems() == []
    assert project.relations() == [relation]
    actions = [(h.entity, h.action) for h in project.history()[-3:]]
    assert actions == [("label", "update"), ("relation_type", "update"),
                       ("label_attribute", "update")]


def test_removing_a_label_with_its_spans_removes_their_relations(
        project: Project, spans: dict[str, Span]) -> None:
    project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    kept = project.add_relation(spans["number"].id, spans["weapon"].id, "quantifies")
    assert len(project.relations_of_label("source")) == 1
    project.remove_label("source", who="alice", delete_spans=True)
    assert project.relations() == [kept]
    assert [a.qualified for a in project.label_attributes()] == ["claim.stance"]  # dormant


# -- attributes ------------------------------------------------------------------------------


def test_setting_and_clearing_an_attribute(project: Project, spans: dict[str, Span],
                                           snapshot: Callable[..., Any]) -> None:
    claim = spans["claim"]
    after = project.set_span_attribute(claim.id, "stance", "reported", who="alice", expect=claim)
    assert after.attributes == {"stance": "reported"} and project.span(claim.id) == after
    row = project.history()[-1]
    assert (row.entity, row.action, row.entity_id, row.document_id) == (
        "attribute", "set", claim.id, claim.document_id)
    assert row.before["attributes"] == {} and row.after["attributes"] == {"stance": "reported"}
    before = snapshot(project.path)
    for name, value, message in [("stance", "rumoured", "not a value of attribute claim.stance"),
                                 ("kind", "media", "declares no attribute 'kind'"),
                                 ("stance", True, "not a value")]:
        with pytest.raises(Exception, match=message):
            project.set_span_attribute(claim.id, name, value, who="alice")
    with pytest.raises(ConflictError):
        project.set_span_attribute(claim.id, "stance", "denied", who="alice", expect=claim)
    assert snapshot(project.path) == before
    cleared = project.set_span_attribute(claim.id, "stance", None, who="alice", expect=after)
    assert cleared.attributes == {} and project.history()[-1].action == "clear"


def test_attributes_survive_resize_relabel_delete_and_restore(
        project: Project, spans: dict[str, Span]) -> None:
    source = project.set_span_attribute(spans["source"].id, "kind", "media", who="alice")
    resized = project.update_span(source.id, who="alice", end=source.end - 1)
    assert resized.attributes == {"kind": "media"}
    relabelled = project.update_span(source.id, who="alice", label="actor")
    assert relabelled.attributes == {"kind": "media"}  # kept; the validation flags it
    deleted = project.delete_span(source.id, who="alice")
    assert project.restore_span(deleted, who="alice") == relabelled
    assert project.span(source.id).attributes == {"kind": "media"}
    # A value left over from before the relabel can be cleared, not set again.
    with pytest.raises(Exception, match="declares no attribute 'kind'"):
        project.set_span_attribute(source.id, "kind", "ngo", who="alice")
    assert project.set_span_attribute(source.id, "kind", None, who="alice").attributes == {}


def test_new_spans_with_attributes_are_checked(project: Project, doc: Document) -> None:
    span = project.add_span(doc.id, 0, 4, "source", "alice", attributes={"kind": "osint"})
    assert project.span(span.id).attributes == {"kind": "osint"}
    with pytest.raises(Exception, match="'kind' is not one of|not a value"):
        project.add_span(doc.id, 0, 3, "source", "alice", attributes={"kind": "blog"})


def test_attribute_definitions(project: Project, spans: dict[str, Span]) -> None:
    from annotator.domain.relations import Attribute, SpanAttributeError

    flag = project.add_label_attribute(Attribute("claim", "hedged", "flag"), who="alice")
    text = project.add_label_attribute(Attribute("actor", "role", "text"), who="alice")
    assert [a.qualified for a in project.label_attributes()] == [
        "claim.stance", "claim.hedged", "actor.role", "source.kind"]
    with pytest.raises(SpanAttributeError, match="defined twice"):
        project.add_label_attribute(Attribute("claim", "hedged", "text"), who="alice")
    with pytest.raises(Exception, match="unknown label 'place'"):
        project.add_label_attribute(Attribute("place", "x", "flag"), who="alice")
    project.set_span_attribute(spans["claim"].id, "hedged", True, who="alice")
    with pytest.raises(SpanAttributeError, match="yes/no"):
        project.set_span_attribute(spans["claim"].id, "hedged", "yes", who="alice")
    project.set_span_attribute(spans["actor"].id, "role", "最高指導者", who="alice")
    with pytest.raises(SpanAttributeError, match="one line"):
        project.set_span_attribute(spans["actor"].id, "role", "a\nb", who="alice")
    project.set_span_attribute(spans["claim"].id, "stance", "denied", who="alice")
    with pytest.raises(SpanAttributeError, match="1 span of label 'claim' hold stance='denied'"):
        project.update_label_attribute("claim", "stance", who="alice",
                                       choices=["asserted", "reported"])
    widened = project.update_label_attribute("claim", "stance", who="alice", choices=[
        "asserted", "reported", "denied", "speculated", "retracted"])
    assert widened.choices[-1] == "retracted"
    with pytest.raises(SpanAttributeError, match="has a value on 1 span;"):
        project.remove_label_attribute("claim", "hedged", who="alice")
    position, held = project.remove_label_attribute("claim", "hedged", who="alice",
                                                    clear_values=True, expect=flag)
    assert position == 1 and [s.id for s in held] == [spans["claim"].id]
    assert project.span(spans["claim"].id).attributes == {"stance": "denied"}
    project.restore_label_attribute(flag, position, held, who="alice")
    assert project.span(spans["claim"].id).attributes == {"stance": "denied", "hedged": True}
    assert project.label_attributes("claim")[1] == flag
    assert text in project.label_attributes("actor")


def test_every_relation_write_uses_one_transaction(project: Project,
                                                   spans: dict[str, Span]) -> None:
    """A failure after the first row (here a duplicate type name in a restore) leaves
    nothing behind: the removed relations are not half restored."""
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    rt = project.relation_type("attributed_to")
    removed = project.remove_relation_type("attributed_to", who="alice", delete_relations=True)
    assert removed == [relation]
    clash = RelationType("attributed_to_2", "#000000", rt.key)
    project.add_relation_type(clash, who="bob")
    history = len(project.history())
    with pytest.raises(RelationError, match="key '1'"):
        project.restore_relation_type(rt, 0, removed, who="alice")
    assert project.relations() == [] and len(project.history()) == history


def test_relations_keep_their_type_through_a_type_rename(
        project: Project, spans: dict[str, Span], project_path: Path) -> None:
    relation = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to")
    project.update_relation_type("attributed_to", who="alice", new_name="said_by")
    [renamed] = project.relations()
    assert renamed == replace(relation, type="said_by")


def test_an_attribute_name_with_quotes_is_counted_and_cleared(
        project: Project, spans: dict[str, Span]) -> None:
    from annotator.domain.relations import Attribute

    project.add_label_attribute(Attribute("claim", 'quoted "as is"', "flag"), who="alice")
    project.set_span_attribute(spans["claim"].id, 'quoted "as is"', False, who="alice")
    assert project.attribute_usage("claim", 'quoted "as is"') == 1
    project.remove_label_attribute("claim", 'quoted "as is"', who="alice", clear_values=True)
    assert project.span(spans["claim"].id).attributes == {}


def test_relation_ends_and_relations_among(project: Project, spans: dict[str, Span]) -> None:
    one = project.add_relation(spans["claim"].id, spans["source"].id, "attributed_to",
                               note="quoted")
    two = project.add_relation(spans["number"].id, spans["weapon"].id, "quantifies")
    doc = spans["claim"].document_id
    assert sorted(project.relation_ends(doc)) == sorted(
        [(one.id, one.head, one.tail), (two.id, two.head, two.tail)])
    assert project.relation_ends(doc + 1) == []
    ids = [one.id, "0" * 32, two.id, one.id]
    assert sorted(project.relations_among(ids), key=lambda r: r.id) == sorted(
        [one, two], key=lambda r: r.id)
    assert project.relations_among([]) == []
