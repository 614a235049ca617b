"""Relation decisions in the reviewed layer: accept (its ends too), reject, add; undo and redo;
the decision records kept as history rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.undo import UndoStack
from annotator.services.review.relation_review import (
    accept_relation_command,
    add_relation_command,
    reject_relation_command,
    relation_views,
)
from annotator.store import Project

TEXT = "😀米CNNは、金氏が『戦闘機や飛行場の様子を見学し』と報じました。"


@pytest.fixture
def project(tmp_path: Path):
    with Project.open(tmp_path / "p.annotator") as project:
        doc, _ = project.add_document("one.txt", TEXT, who="test")
        spans = {}
        for who in ("hana", "ken"):
            spans[who] = {
                "source": project.add_span(doc.id, 1, 5, "source", who),
                "actor": project.add_span(doc.id, 7, 9, "actor", who),
                "claim": project.add_span(doc.id, 11, 24 if who == "hana" else 25, "claim", who),
            }
            project.add_relation(spans[who]["claim"].id, spans[who]["source"].id,
                                 "attributed_to")
            project.add_relation(spans[who]["claim"].id, spans[who]["actor"].id, "involves")
        project.test_document = doc.id  # type: ignore[attr-defined]
        yield project


def _reviewed(project: Project):
    spans = {s.id: s for s in project.spans(annotators=["reviewed"])}
    return (sorted((s.start, s.end, s.label) for s in spans.values()),
            sorted((r.type, spans[r.head].label, spans[r.tail].label)
                   for r in project.relations(annotator="reviewed")))


def test_accepting_a_relation_accepts_its_ends_and_undo_removes_all(project: Project) -> None:
    doc = project.test_document  # type: ignore[attr-defined]
    stack = UndoStack(project)
    views = relation_views(project, doc, ["hana", "ken"])
    assert [(v.relation.annotator, v.relation.type, v.status) for v in views] == [
        ("hana", "attributed_to", ""), ("hana", "involves", ""),
        ("ken", "attributed_to", ""), ("ken", "involves", "")]
    first = views[0].relation
    stack.push(accept_relation_command(project, first, "rita"))
    assert _reviewed(project) == ([(1, 5, "source"), (11, 24, "claim")],
                                  [("attributed_to", "claim", "source")])
    assert project.review_status(doc) == "in review"
    decisions = project.decisions(doc)
    assert sorted(d.decision for d in decisions) == ["accept", "accept"]  # both ends
    sources = {d.source_spans[0]["label"]: sorted(s["annotator"] for s in d.source_spans)
               for d in decisions}
    assert sources == {"source": ["hana", "ken"], "claim": ["hana"]}  # exact twins recorded
    records = project.relation_decisions(doc)
    assert [(r["decision"], r["source"]["id"], r["who"]) for r in records] == [
        ("accept", first.id, "rita")]
    assert records[0]["source"]["head"]["start"] == 11
    statuses = {(v.relation.annotator, v.relation.type): v.status
                for v in relation_views(project, doc, ["hana", "ken"])}
    assert statuses[("hana", "attributed_to")] == "accepted"
    assert statuses[("ken", "attributed_to")] == ""  # ken's claim ends elsewhere
    assert statuses[("reviewed", "attributed_to")] == "reviewed"

    # the second relation shares the claim: only the actor is accepted anew
    stack.push(accept_relation_command(project, views[1].relation, "rita"))
    assert _reviewed(project)[0] == [(1, 5, "source"), (7, 9, "actor"), (11, 24, "claim")]
    with pytest.raises(ValueError, match="already"):
        accept_relation_command(project, views[1].relation, "rita")

    stack.undo()
    assert _reviewed(project) == ([(1, 5, "source"), (11, 24, "claim")],
                                  [("attributed_to", "claim", "source")])
    stack.undo()
    assert _reviewed(project) == ([], [])
    assert project.relation_decisions(doc) == [] and project.decisions(doc) == []
    assert project.review_status(doc) == "not reviewed"
    stack.redo()
    assert _reviewed(project) == ([(1, 5, "source"), (11, 24, "claim")],
                                  [("attributed_to", "claim", "source")])
    assert [r["source"]["id"] for r in project.relation_decisions(doc)] == [first.id]
    actions = [(h.action, h.entity) for h in project.history(entity="relation_decision")]
    assert actions.count(("decide", "relation_decision")) == 3
    assert actions.count(("undo decision", "relation_decision")) == 2


def test_reject_records_only_and_add_links_reviewed_spans(project: Project) -> None:
    doc = project.test_document  # type: ignore[attr-defined]
    stack = UndoStack(project)
    views = relation_views(project, doc, ["hana", "ken"])
    ken_involves = next(v.relation for v in views
                        if v.relation.annotator == "ken" and v.relation.type == "involves")
    stack.push(reject_relation_command(project, ken_involves, "rita", "guideline gap"))
    assert _reviewed(project) == ([], [])
    record = project.relation_decisions(doc)[0]
    assert (record["decision"], record["reason"], record["source"]["tail"]["label"]) == (
        "reject", "guideline gap", "actor")
    assert {(v.relation.annotator, v.relation.type): v.status for v in relation_views(
        project, doc, ["hana", "ken"])}[("ken", "involves")] == "rejected"
    stack.undo()
    assert project.relation_decisions(doc) == []

    claim = project.add_span(doc, 11, 25, "claim", "reviewed")
    source = project.add_span(doc, 1, 5, "source", "reviewed")
    stack.push(add_relation_command(project, claim.id, source.id, "attributed_to", "rita"))
    assert _reviewed(project)[1] == [("attributed_to", "claim", "source")]
    assert project.relation_decisions(doc)[0]["decision"] == "add"
    with pytest.raises(ValueError, match="reviewed layer"):
        add_relation_command(project, claim.id, ken_involves.head, "attributed_to", "rita")
    stack.undo()
    assert _reviewed(project)[1] == []
