"""A member on two machines: a fresh project syncing as the same member gets their own layer
back from the hub (spans, attributes, relations), each machine's later edits reach the other,
and a pull never overwrites or deletes a local change that is still waiting to be pushed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from hub_helpers import Team, hub_spans, local_spans

from annotator.hub.pull import pull
from annotator.hub.sync import SyncReport, sync
from annotator.store import Project


@contextmanager
def laptop(team: Team) -> Iterator[Project]:
    """Alice's second machine: its own project file, synced as alice."""
    with Project.open(team.root / "alice-laptop.annotator") as project:
        yield project


def _sync(team: Team, project: Project) -> SyncReport:
    with team.session(team.alice) as session:
        return sync(project, session)


def _pull_only(team: Team, project: Project) -> SyncReport:
    """A pull with local changes not pushed yet (as when a window writes during a sync)."""
    report = SyncReport()
    with team.session(team.alice) as session:
        pull(project, session, report)
    return report


def _relations(project: Project) -> dict[str, tuple]:
    return {r.id: (r.head, r.tail, r.type, r.annotator, r.note, r.updated_at)
            for r in project.relations()}


def _attributes(project: Project) -> dict[str, dict]:
    return {s.id: s.attributes for s in project.spans() if s.attributes}


def _equal_everywhere(team: Team, desk: Project, lap: Project) -> None:
    on_hub = hub_spans(team.db.admin_url, team.alice)
    assert local_spans(desk, team.alice) == on_hub
    assert local_spans(lap, team.alice) == on_hub
    assert _relations(desk) == _relations(lap)
    assert _attributes(desk) == _attributes(lap)


def test_a_second_machine_gets_my_layer_and_edits_travel_both_ways(team: Team) -> None:
    with team.project(team.alice) as desk:
        _sync(team, desk)
        doc = desk.document_by_sha256(team.shas[0])
        claim = desk.add_span(doc.id, 6, 20, "claim", team.alice, note="from the desk")
        source = desk.add_span(doc.id, 0, 4, "source", team.alice)
        other = desk.add_span(desk.document_by_sha256(team.shas[1]).id, 0, 3, "actor",
                              team.alice)
        desk.set_span_attribute(claim.id, "stance", "reported", who=team.alice)
        relation = desk.add_relation(claim.id, source.id, "attributed_to", who=team.alice)
        assert _sync(team, desk).pushed_spans == 3

        with laptop(team) as lap:
            report = _sync(team, lap)
            assert report.pulled_spans == 3
            assert report.pulled_relations == 1
            assert lap.span(claim.id).attributes == {"stance": "reported"}
            assert lap.relation(relation.id).type == "attributed_to"
            _equal_everywhere(team, desk, lap)
            assert _sync(team, lap).pulled_spans == 0  # nothing twice

            # the laptop's edits reach the desk
            lap.update_span(claim.id, who=team.alice, note="edited on the laptop")
            lap.set_span_attribute(claim.id, "stance", "denied", who=team.alice)
            lap.delete_span(other.id, who=team.alice)
            added = lap.add_span(lap.document_by_sha256(team.shas[1]).id, 4, 8, "actor",
                                 team.alice)
            lap.update_relation(relation.id, who=team.alice, note="per CNN")
            _sync(team, lap)
            report = _sync(team, desk)
            assert report.pulled_deletes == 1
            assert desk.span(claim.id).note == "edited on the laptop"
            assert desk.span(claim.id).attributes == {"stance": "denied"}
            assert desk.span(added.id).start == 4
            assert desk.relation(relation.id).note == "per CNN"
            _equal_everywhere(team, desk, lap)

            # and the desk's reach the laptop, a relation's deletion with its span
            desk.update_span(added.id, who=team.alice, label="source")
            desk.delete_span(source.id, who=team.alice)
            _sync(team, desk)
            _sync(team, lap)
            assert lap.span(added.id).label == "source"
            assert lap.relations() == []
            _equal_everywhere(team, desk, lap)
            # the desk's own writes came back equal: nothing rewritten there
            assert _sync(team, desk).pulled_spans == 0


def test_a_pending_local_change_is_never_overwritten_by_the_hub(team: Team) -> None:
    with team.project(team.alice) as desk, laptop(team) as lap:
        _sync(team, desk)
        doc = desk.document_by_sha256(team.shas[0])
        kept = desk.add_span(doc.id, 0, 4, "source", team.alice, note="desk")
        gone = desk.add_span(doc.id, 6, 20, "claim", team.alice, note="desk")
        edited = desk.add_span(doc.id, 21, 24, "actor", team.alice, note="desk")
        _sync(team, desk)
        _sync(team, lap)

        # the laptop changes three spans and syncs ...
        lap.update_span(kept.id, who=team.alice, note="laptop")
        lap.update_span(gone.id, who=team.alice, note="laptop")
        lap.delete_span(edited.id, who=team.alice)
        _sync(team, lap)
        # ... while the desk changes the same three, later, and has not pushed yet
        desk.update_span(kept.id, who=team.alice, note="desk, later")
        desk.delete_span(gone.id, who=team.alice)
        desk.update_span(edited.id, who=team.alice, note="desk, later")
        _pull_only(team, desk)
        assert desk.span(kept.id).note == "desk, later"  # not the hub's older row
        assert gone.id not in local_spans(desk, team.alice)  # not brought back
        assert desk.span(edited.id).note == "desk, later"  # not deleted by the hub

        # the desk's push then decides: its edits and its deletion win, an edit over the
        # laptop's deletion too (nothing of either machine is lost without a newer change)
        _sync(team, desk)
        _sync(team, lap)
        assert lap.span(kept.id).note == "desk, later"
        assert gone.id not in local_spans(lap, team.alice)
        assert lap.span(edited.id).note == "desk, later"
        _equal_everywhere(team, desk, lap)


def test_an_older_hub_row_does_not_replace_a_newer_local_one(team: Team) -> None:
    """The hub keeps the newer of two writes (updated_at); the machine whose write was older
    takes the hub's, the other keeps its own: both end equal to the hub."""
    with team.project(team.alice) as desk, laptop(team) as lap:
        _sync(team, desk)
        doc = desk.document_by_sha256(team.shas[0])
        span = desk.add_span(doc.id, 0, 4, "source", team.alice)
        _sync(team, desk)
        _sync(team, lap)
        lap.update_span(span.id, who=team.alice, note="laptop, first")
        time.sleep(0.005)  # updated_at counts milliseconds: the second write is the later one
        desk.update_span(span.id, who=team.alice, note="desk, second")
        _sync(team, desk)  # the newer write reaches the hub first
        _sync(team, lap)  # the older one is refused by the hub, then replaced here
        assert lap.span(span.id).note == "desk, second"
        _sync(team, desk)
        assert desk.span(span.id).note == "desk, second"
        _equal_everywhere(team, desk, lap)


def test_a_pending_relation_change_is_never_overwritten_by_the_hub(team: Team) -> None:
    with team.project(team.alice) as desk, laptop(team) as lap:
        _sync(team, desk)
        doc = desk.document_by_sha256(team.shas[0])
        claim = desk.add_span(doc.id, 6, 20, "claim", team.alice)
        source = desk.add_span(doc.id, 0, 4, "source", team.alice)
        second = desk.add_span(doc.id, 21, 24, "source", team.alice)
        edited = desk.add_relation(claim.id, source.id, "attributed_to", who=team.alice)
        dropped = desk.add_relation(claim.id, second.id, "attributed_to", who=team.alice)
        _sync(team, desk)
        _sync(team, lap)
        lap.update_relation(edited.id, who=team.alice, note="laptop")
        lap.delete_relation(dropped.id, who=team.alice)
        _sync(team, lap)
        desk.update_relation(edited.id, who=team.alice, note="desk, later")
        desk.update_relation(dropped.id, who=team.alice, note="desk, later")
        _pull_only(team, desk)
        assert desk.relation(edited.id).note == "desk, later"
        assert desk.relation(dropped.id).note == "desk, later"  # not deleted by the hub
        _sync(team, desk)
        _sync(team, lap)
        assert lap.relation(edited.id).note == "desk, later"
        assert lap.relation(dropped.id).note == "desk, later"  # the later edit brought it back
        _equal_everywhere(team, desk, lap)
