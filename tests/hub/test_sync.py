"""Two analysts and a reviewer sync through a real PostgreSQL hub and converge, row by row."""

from __future__ import annotations

from annotator.hub.admin import set_hub_setting
from annotator.hub.schema import REVIEWED_LAYER, SEE_COLLEAGUES
from annotator.hub.sync import SyncReport, sync

from hub_helpers import Team, hub_spans, local_spans


def _sync(team: Team, who: str) -> SyncReport:
    with team.project(who) as project, team.session(who) as session:
        return sync(project, session)


def test_first_sync_brings_assigned_documents_and_labels(team: Team) -> None:
    report = _sync(team, team.alice)
    with team.project(team.alice) as project:
        assert {d.sha256 for d in project.documents()} >= {team.shas[0], team.shas[1]}
        assert team.shas[2] not in {d.sha256 for d in project.documents()}
    assert report.pulled_documents >= 2


def test_two_analysts_converge(team: Team) -> None:
    for who in (team.alice, team.bob):
        _sync(team, who)
    with team.project(team.alice) as a:
        doc = a.document_by_sha256(team.shas[0])
        s1 = a.add_span(doc.id, 0, 3, "source", team.alice)
        s2 = a.add_span(doc.id, 5, 7, "actor", team.alice)
        a.add_span(a.document_by_sha256(team.shas[1]).id, 0, 3, "actor", team.alice)
    with team.project(team.bob) as b:
        doc = b.document_by_sha256(team.shas[0])
        b.add_span(doc.id, 0, 3, "source", team.bob)  # the same span in another layer
        b.add_span(b.document_by_sha256(team.shas[2]).id, 0, 2, "actor", team.bob)
    report = _sync(team, team.alice)
    assert report.pushed_spans == 3
    _sync(team, team.bob)
    # Colleagues' layers are hidden until the lead shares them.
    with team.project(team.bob) as b:
        assert not local_spans(b, team.alice)
    with team.session(team.lead) as lead:
        set_hub_setting(lead, SEE_COLLEAGUES, True)
    _sync(team, team.bob)
    with team.project(team.bob) as b:
        # bob reads alice's layer of the document they share (not of doc1, not his).
        assert set(local_spans(b, team.alice)) == {s1.id, s2.id}
    # Edits and deletions travel too.
    with team.project(team.alice) as a:
        a.update_span(s1.id, who=team.alice, label="actor", note="CNN?")
        a.delete_span(s2.id, who=team.alice)
    _sync(team, team.alice)
    report = _sync(team, team.bob)
    assert report.pulled_deletes == 1
    _sync(team, team.alice)
    admin = team.db.admin_url
    for who in (team.alice, team.bob):
        with team.project(who) as p:
            assert local_spans(p, who) == hub_spans(admin, who)
    with team.project(team.bob) as b:
        hub_alice = {k: v for k, v in hub_spans(admin, team.alice).items()
                     if v[0] == team.shas[0]}
        assert local_spans(b, team.alice) == hub_alice
        assert local_spans(b, team.alice)[s1.id][3] == "actor"
    with team.project(team.alice) as a:
        hub_bob = {k: v for k, v in hub_spans(admin, team.bob).items() if v[0] == team.shas[0]}
        assert local_spans(a, team.bob) == hub_bob


def test_sync_is_idempotent(team: Team) -> None:
    _sync(team, team.alice)
    with team.project(team.alice) as a:
        doc = a.document_by_sha256(team.shas[0])
        a.add_span(doc.id, 0, 3, "source", team.alice)
    first = _sync(team, team.alice)
    again = _sync(team, team.alice)
    assert first.pushed_spans == 1
    assert (again.pushed_spans, again.pulled_spans, again.pulled_deletes) == (0, 0, 0)
    with team.project(team.alice) as a:
        # Forget the cursor: everything is sent again and nothing doubles.
        state = a.setting("hub.sync")
        a.set_setting("hub.sync", {**state, "pushed": 0}, who="test")
    _sync(team, team.alice)
    assert len(hub_spans(team.db.admin_url, team.alice)) == 1


def test_reviewer_reads_every_layer_and_decisions_reach_annotators(team: Team) -> None:
    with team.project(team.alice) as a:
        _sync(team, team.alice)
        doc = a.document_by_sha256(team.shas[0])
        span = a.add_span(doc.id, 0, 3, "source", team.alice)
    _sync(team, team.alice)
    _sync(team, team.rita)
    with team.project(team.rita) as r:
        assert span.id in local_spans(r, team.alice)
        doc = r.document_by_sha256(team.shas[0])
        reviewed = r.add_span(doc.id, 0, 3, "source", REVIEWED_LAYER, who=team.rita)
        decision = r.add_decision(doc.id, "accept", who=team.rita,
                                  source_spans=[r.span(span.id)],
                                  result_span_id=reviewed.id)
    report = _sync(team, team.rita)
    assert (report.pushed_spans, report.pushed_decisions) == (1, 1)
    with team.session(team.lead) as lead:
        set_hub_setting(lead, SEE_COLLEAGUES, True)
    _sync(team, team.alice)
    with team.project(team.alice) as a:
        assert a.decision(decision.id).who == team.rita
        assert reviewed.id in local_spans(a, REVIEWED_LAYER)


def test_label_set_changes_come_from_the_lead(team: Team) -> None:
    from annotator.domain.labels import Label

    _sync(team, team.alice)
    with team.project(team.lead) as lp:
        lp.add_label(Label("place", "#336699", None, "a place"), who=team.lead)
        lp.update_label("weapon", who=team.lead, color="#000000")
    _sync(team, team.lead)
    report = _sync(team, team.alice)
    assert report.labels_changed
    with team.project(team.alice) as a:
        assert a.label("place").color == "#336699"
        assert a.label("weapon").color == "#000000"


def test_relations_and_span_attributes_travel(team: Team) -> None:
    from hub_helpers import hub_spans as _unused  # noqa: F401

    import psycopg

    _sync(team, team.alice)
    with team.session(team.lead) as lead:
        set_hub_setting(lead, SEE_COLLEAGUES, True)
    with team.project(team.alice) as a:
        doc = a.document_by_sha256(team.shas[0])
        claim = a.add_span(doc.id, 6, 20, "claim", team.alice)
        source = a.add_span(doc.id, 0, 4, "source", team.alice)
        a.set_span_attribute(claim.id, "stance", "reported", who=team.alice)
        relation = a.add_relation(claim.id, source.id, "attributed_to", who=team.alice)
    report = _sync(team, team.alice)
    assert report.pushed_relations == 1
    with psycopg.connect(team.db.admin_url) as conn:
        assert conn.execute("SELECT head, tail, label FROM hub.relations").fetchall() == [
            (claim.id, source.id, "attributed_to")]
        assert conn.execute("SELECT attributes FROM hub.spans WHERE id = %s",
                            [claim.id]).fetchone()[0] == {"stance": "reported"}
    _sync(team, team.bob)
    with team.project(team.bob) as b:
        assert b.relation(relation.id).type == "attributed_to"
        assert b.span(claim.id).attributes == {"stance": "reported"}
    # a change of the attribute and a reversed relation, then the span's deletion
    with team.project(team.alice) as a:
        a.set_span_attribute(claim.id, "stance", "denied", who=team.alice)
        a.update_relation(relation.id, who=team.alice, note="per CNN")
    _sync(team, team.alice)
    _sync(team, team.bob)
    with team.project(team.bob) as b:
        assert b.span(claim.id).attributes == {"stance": "denied"}
        assert b.relation(relation.id).note == "per CNN"
    with team.project(team.alice) as a:
        a.delete_span(source.id, who=team.alice)
    _sync(team, team.alice)
    _sync(team, team.bob)
    with team.project(team.bob) as b:
        assert b.relations() == []
        assert source.id not in local_spans(b, team.alice)
    with psycopg.connect(team.db.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM hub.relations").fetchone()[0] == 0
