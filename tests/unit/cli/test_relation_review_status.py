"""``annotator review-status`` shows the decisions in effect about spans and about relations
(accepted, rejected, added into the reviewed layer), as text and with ``--json``, run as the
real command line in another process; undone decisions are not counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from annotator.domain.review_commands import Decide
from annotator.domain.undo import UndoStack
from annotator.services.review.relation_review import (
    accept_relation_command,
    add_relation_command,
    decision_summary,
    reject_relation_command,
)
from annotator.store import Project

TEXT = "😀米CNNは、金氏が『戦闘機や飛行場の様子を見学し』と報じました。"
ROOT = Path(__file__).resolve().parents[3]


def annotator(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "annotator", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def reviewed_project(path: Path) -> None:
    """hana's and ken's spans and relations; rita accepts hana's attributed_to (and so its two
    ends), rejects ken's involves, rejects ken's actor span, adds a relation between two
    reviewed spans, then undoes nothing or a little (see the test)."""
    with Project.open(path) as project:
        doc, _ = project.add_document("one.txt", TEXT, who="test")
        project.add_document("two.txt", "別の文書。", who="test")
        spans = {}
        for who in ("hana", "ken"):
            spans[who] = {
                "source": project.add_span(doc.id, 1, 5, "source", who),
                "actor": project.add_span(doc.id, 7, 9, "actor", who),
                "claim": project.add_span(doc.id, 11, 24 if who == "hana" else 25, "claim", who),
            }
            spans[who]["attributed"] = project.add_relation(
                spans[who]["claim"].id, spans[who]["source"].id, "attributed_to")
            spans[who]["involves"] = project.add_relation(
                spans[who]["claim"].id, spans[who]["actor"].id, "involves")
        stack = UndoStack(project)
        stack.push(accept_relation_command(project, spans["hana"]["attributed"], "rita"))
        stack.push(reject_relation_command(project, spans["ken"]["involves"], "rita"))
        actor = spans["ken"]["actor"]
        stack.push(Decide(doc.id, "accept", "rita", (actor,), (actor.start, actor.end, "actor"),
                          "reviewed"))
        reviewed = {s.label: s for s in project.spans(doc.id, annotators=["reviewed"])}
        stack.push(add_relation_command(project, reviewed["claim"].id, reviewed["actor"].id,
                                        "involves", "rita"))
        stack.push(Decide(doc.id, "reject", "rita", (spans["hana"]["actor"],), None,
                          "reviewed"))
        stack.undo()  # the span rejection, undone: not counted


def test_text_and_json_count_span_and_relation_decisions(tmp_path: Path) -> None:
    path = tmp_path / "r.annotator"
    reviewed_project(path)
    done = annotator("review-status", "--db", str(path), "one.txt")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "one.txt\tin review",
        "  span decisions: 3 accepted, 0 accepted with changes, 0 rejected, 0 added",
        "  relation decisions: 1 accepted, 1 rejected, 1 added",
        "  reviewed layer 'reviewed': 3 spans, 2 relations",
    ]
    done = annotator("review-status", "--db", str(path), "one.txt", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record == {
        "document": "one.txt", "id": 1, "status": "in review",
        "decisions": {"spans": {"accept": 3, "accept_with_changes": 0, "reject": 0, "add": 0},
                      "relations": {"accept": 1, "reject": 1, "add": 1}},
        "reviewed_layer": {"name": "reviewed", "spans": 3, "relations": 2},
    }
    with Project.open(path) as project:
        assert decision_summary(project, 1) == {k: v for k, v in record.items()
                                                if k not in ("document", "id")}


def test_a_document_without_decisions_and_setting_the_status(tmp_path: Path) -> None:
    path = tmp_path / "r.annotator"
    reviewed_project(path)
    done = annotator("review-status", "--db", str(path), "two.txt")
    assert (done.returncode, done.stdout) == (0, "two.txt\tnot reviewed\n")
    done = annotator("review-status", "--db", str(path), "two.txt", "reviewed", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["status"] == "reviewed"
    assert record["decisions"] == {
        "spans": {"accept": 0, "accept_with_changes": 0, "reject": 0, "add": 0},
        "relations": {"accept": 0, "reject": 0, "add": 0}}
    assert record["reviewed_layer"] == {"name": "reviewed", "spans": 0, "relations": 0}


def test_undone_relation_decisions_are_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "r.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("one.txt", TEXT, who="test")
        claim = project.add_span(doc.id, 11, 24, "claim", "hana")
        source = project.add_span(doc.id, 1, 5, "source", "hana")
        relation = project.add_relation(claim.id, source.id, "attributed_to")
        stack = UndoStack(project)
        stack.push(reject_relation_command(project, relation, "rita"))
        assert decision_summary(project, doc.id)["decisions"]["relations"]["reject"] == 1
        stack.undo()
        assert decision_summary(project, doc.id)["decisions"]["relations"] == {
            "accept": 0, "reject": 0, "add": 0}
    done = annotator("review-status", "--db", str(path), "one.txt", "--json")
    assert json.loads(done.stdout)["decisions"]["relations"]["reject"] == 0


def test_an_unknown_document_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "r.annotator"
    reviewed_project(path)
    done = annotator("review-status", "--db", str(path), "nope.txt", "--json")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("annotator: error: ") and "Traceback" not in done.stderr
