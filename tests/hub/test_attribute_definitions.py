"""Label attribute definitions travel with the label set: the lead publishes them, members
pull them (added, changed, removed), an annotator's own definitions never reach the hub, and
PostgreSQL refuses a definition written by anyone but a lead (raw SQL as each role)."""

from __future__ import annotations

import json

import psycopg
import pytest
from hub_helpers import Team
from psycopg import errors as pgerrors

from annotator.domain.relations import Attribute
from annotator.hub.sync import SyncReport, sync


def _sync(team: Team, who: str) -> SyncReport:
    with team.project(who) as project, team.session(who) as session:
        return sync(project, session)


def _hub_attributes(team: Team, label: str) -> list[dict]:
    with psycopg.connect(team.db.admin_url) as conn:
        return conn.execute("SELECT attributes FROM hub.labels WHERE name = %s",
                            [label]).fetchone()[0]


CERTAINTY = Attribute("claim", "certainty", "choice", ("sure", "unsure"), "How sure the text is.")


def test_the_leads_definitions_reach_members(team: Team) -> None:
    _sync(team, team.alice)
    _sync(team, team.rita)
    with team.project(team.lead) as lp:
        lp.add_label_attribute(CERTAINTY, who=team.lead)
        lp.add_label_attribute(Attribute("source", "named", "flag"), who=team.lead)
    _sync(team, team.lead)
    names = [a["name"] for a in _hub_attributes(team, "claim")]
    assert names == ["stance", "certainty"]  # the lead's order
    for who in (team.alice, team.rita):
        report = _sync(team, who)
        assert report.labels_changed
        with team.project(who) as project:
            assert project.label_attribute("claim", "certainty") == CERTAINTY
            assert project.label_attribute("source", "named").kind == "flag"
            assert [a.name for a in project.label_attributes("claim")] == ["stance", "certainty"]
    # a change of choices and description, then a removal
    with team.project(team.lead) as lp:
        lp.update_label_attribute("claim", "certainty", who=team.lead,
                                  choices=("sure", "unsure", "unknown"), description="")
        lp.remove_label_attribute("source", "named", who=team.lead)
    _sync(team, team.lead)
    _sync(team, team.alice)
    with team.project(team.alice) as project:
        assert project.label_attribute("claim", "certainty").choices == (
            "sure", "unsure", "unknown")
        assert "named" not in {a.name for a in project.label_attributes("source")}
        # a value of the new choice is valid here and travels with the span
        doc = project.document_by_sha256(team.shas[0])
        span = project.add_span(doc.id, 0, 3, "claim", team.alice)
        project.set_span_attribute(span.id, "certainty", "unknown", who=team.alice)
    _sync(team, team.alice)
    with psycopg.connect(team.db.admin_url) as conn:
        assert conn.execute("SELECT attributes FROM hub.spans WHERE id = %s",
                            [span.id]).fetchone()[0] == {"certainty": "unknown"}
    # an attribute my spans hold a value of stays when the lead removes it
    with team.project(team.lead) as lp:
        lp.remove_label_attribute("claim", "certainty", who=team.lead)
    _sync(team, team.lead)
    assert [a["name"] for a in _hub_attributes(team, "claim")] == ["stance"]
    _sync(team, team.alice)
    with team.project(team.alice) as project:
        assert project.span(span.id).attributes == {"certainty": "unknown"}
        assert project.label_attribute("claim", "certainty")


def test_an_annotators_own_definitions_stay_local(team: Team) -> None:
    _sync(team, team.alice)
    before = _hub_attributes(team, "claim")
    with team.project(team.alice) as project:
        project.add_label_attribute(CERTAINTY, who=team.alice)
    report = _sync(team, team.alice)
    assert not report.waiting
    assert _hub_attributes(team, "claim") == before
    with team.project(team.alice) as project:
        assert project.label_attribute("claim", "certainty") == CERTAINTY


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_only_a_lead_writes_definitions(team: Team, role: str) -> None:
    who = team.alice if role == "annotator" else team.rita
    definitions = json.dumps([{"name": "x", "kind": "flag", "choices": [],
                               "description": ""}])
    with psycopg.connect(team.url(who), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM hub.labels").fetchone()[0] > 0  # reads
        for statement, params in (
            ("UPDATE hub.labels SET attributes = %s::jsonb WHERE name = 'claim'",
             [definitions]),
            ("INSERT INTO hub.labels (name, color, position, attributes) "
             "VALUES ('mine', '#000000', 99, %s::jsonb)", [definitions]),
            ("DELETE FROM hub.labels WHERE name = 'claim'", None),
        ):
            with pytest.raises(pgerrors.InsufficientPrivilege):
                conn.execute(statement, params)
    with psycopg.connect(team.url(team.lead), autocommit=True) as conn:
        assert conn.execute("UPDATE hub.labels SET attributes = %s::jsonb WHERE name = "
                            "'claim'", [definitions]).rowcount == 1
    assert _hub_attributes(team, "claim") == json.loads(definitions)


def test_the_leads_order_of_attributes_and_choices_reaches_members(team: Team) -> None:
    with team.project(team.lead) as lp:
        lp.add_label_attribute(CERTAINTY, who=team.lead)
        lp.add_label_attribute(Attribute("claim", "quoted", "flag"), who=team.lead)
    _sync(team, team.lead)
    for who in (team.alice, team.rita):
        _sync(team, who)
    with team.project(team.alice) as project:  # values held, one of a definition of her own
        doc = project.document_by_sha256(team.shas[0])
        span = project.add_span(doc.id, 0, 3, "claim", team.alice)
        project.add_label_attribute(Attribute("claim", "mine", "text"), who=team.alice)
        project.set_span_attribute(span.id, "stance", "denied", who=team.alice)
        project.set_span_attribute(span.id, "mine", "why", who=team.alice)
    _sync(team, team.alice)
    stance = ("speculated", "denied", "reported", "asserted")
    with team.project(team.lead) as lp:
        lp.move_label_attribute("claim", "quoted", 0, who=team.lead)
        lp.move_label_attribute("claim", "stance", 9, who=team.lead)  # clamped: the last
        lp.move_label_attribute("claim", "stance", 2, who=team.lead)  # where it is: no row
        lp.update_label_attribute("claim", "stance", who=team.lead, choices=stance)
        moves = [e for e in lp.history(entity="label_attribute") if e.action == "move"]
        assert [(e.entity_id, e.before, e.after) for e in moves] == [
            ("claim.quoted", 2, 0), ("claim.stance", 1, 2)]
        assert [a.name for a in lp.label_attributes("claim")] == [
            "quoted", "certainty", "stance"]
    _sync(team, team.lead)
    hub = _hub_attributes(team, "claim")
    assert [a["name"] for a in hub] == ["quoted", "certainty", "stance"]
    assert tuple(hub[2]["choices"]) == stance
    for who, extra in ((team.alice, ["mine"]), (team.rita, [])):
        report = _sync(team, who)
        assert report.labels_changed
        with team.project(who) as project:
            assert [a.name for a in project.label_attributes("claim")] == [
                "quoted", "certainty", "stance", *extra]
            assert project.label_attribute("claim", "stance").choices == stance
        assert not _sync(team, who).labels_changed  # nothing left to change
    with team.project(team.alice) as project:
        assert project.span(span.id).attributes == {"stance": "denied", "mine": "why"}


def test_the_leads_order_of_relation_types_reaches_members(team: Team) -> None:
    for who in (team.lead, team.alice):
        _sync(team, who)
    with team.project(team.lead) as lp:
        names = [rt.name for rt in lp.relation_types()]
        lp.move_relation_type(names[-1], 0, who=team.lead)
        order = [rt.name for rt in lp.relation_types()]
    assert order == [names[-1], *names[:-1]]
    _sync(team, team.lead)
    report = _sync(team, team.alice)
    assert report.labels_changed
    with team.project(team.alice) as project:
        assert [rt.name for rt in project.relation_types()] == order
    assert not _sync(team, team.alice).labels_changed  # nothing left to change
