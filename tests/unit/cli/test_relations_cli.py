"""``annotator relations`` and ``annotator attributes``: like ``annotator labels``; refusals are
one ``annotator: error:`` line, exit 1, the project unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.cli import main
from annotator.store import Project

TEXT = "米CNNは、金氏が見学したと報じました"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "p.annotator"
    text = tmp_path / "a.txt"
    text.write_text(TEXT, encoding="utf-8")
    assert main(["import", "--db", str(path), "--annotator", "alice", str(text)]) == 0
    return str(path)


def listed(db: str, command: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main([command, "--db", db, "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_relation_types_list_add_set_move_remove(db: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["relations", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "attributed_to" in out and "number → weapon | actor" in out and "0 relations" in out
    assert [t["name"] for t in listed(db, "relations", capsys)] == [
        "attributed_to", "involves", "quantifies"]
    assert main(["relations", "--db", db, "add", "denies", "--heads", "actor", "--tails",
                 "claim,source", "--key", "4", "--description", "A denial."]) == 0
    assert main(["relations", "--db", db, "set", "denies", "--rename", "rejects", "--color",
                 "#123456", "--no-key", "--heads", ""]) == 0
    assert main(["relations", "--db", db, "move", "rejects", "0"]) == 0
    first = listed(db, "relations", capsys)[0]
    assert first == {"name": "rejects", "color": "#123456", "key": None,
                     "description": "A denial.", "heads": [], "tails": ["claim", "source"],
                     "relations": 0}
    assert main(["relations", "--db", db, "remove", "rejects"]) == 0
    assert [t["name"] for t in listed(db, "relations", capsys)] == [
        "attributed_to", "involves", "quantifies"]


def test_a_used_type_is_removed_only_with_its_relations(
        db: str, capsys: pytest.CaptureFixture[str], snapshot: Callable[..., Any]) -> None:
    with Project.open(db) as project:
        [doc] = project.documents()
        claim = project.add_span(doc.id, 9, 12, "claim", "alice")
        source = project.add_span(doc.id, 0, 4, "source", "alice")
        project.add_relation(claim.id, source.id, "attributed_to")
    before = snapshot(Path(db))
    capsys.readouterr()
    assert main(["relations", "--db", db, "remove", "attributed_to"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("annotator: error: ") and "used by 1 relation;" in err
    assert "Traceback" not in err and snapshot(Path(db)) == before
    assert main(["relations", "--db", db, "remove", "attributed_to", "--delete-relations"]) == 0
    assert "deleted 1 relation of type 'attributed_to'" in capsys.readouterr().err
    with Project.open(db) as project:
        assert project.relations() == []


@pytest.mark.parametrize(("argv", "message"), [
    (["relations", "add", "x", "--tails", "place"], "no label 'place' for its tail"),
    (["relations", "add", "x", "--key", "1"], "key '1' is already used by relation type"),
    (["relations", "add", "x", "--color", "red"], "colour 'red' is not of the form #rrggbb"),
    (["relations", "add", "a\u202eb"], "invisible format character"),
    (["relations", "set", "nope", "--color", "#000000"], "unknown relation type 'nope'"),
    (["relations", "add", "involves"], "relation type 'involves' is defined twice"),
    (["attributes", "add", "claim", "stance", "--choices", "a"], "defined twice"),
    (["attributes", "add", "claim", "hedged", "--kind", "flag", "--choices", "a"],
     "only a choice has choices"),
    (["attributes", "add", "claim", "x"], "needs at least one value"),
    (["attributes", "add", "place", "x", "--kind", "flag"], "unknown label 'place'"),
    (["attributes", "remove", "claim", "nope"], "declares no attribute 'nope'"),
    (["attributes", "move", "claim", "nope", "0"], "declares no attribute 'nope'"),
    (["attributes", "list", "place"], "unknown label 'place'"),
])
def test_refusals_are_one_error_line_and_change_nothing(
        db: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
        snapshot: Callable[..., Any]) -> None:
    before = snapshot(Path(db))
    capsys.readouterr()
    assert main([argv[0], "--db", db, *argv[1:]]) == 1
    err = capsys.readouterr().err
    assert err.startswith("annotator: error: ") and message in err, err
    assert err.count("\n") == 1
    assert snapshot(Path(db)) == before


def test_attributes_list_add_set_remove(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attributes", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "claim.stance" in out and "asserted, reported, denied, speculated" in out
    assert main(["attributes", "--db", db, "add", "claim", "hedged", "--kind", "flag",
                 "--description", "Hedged wording."]) == 0
    assert main(["attributes", "--db", db, "add", "actor", "role", "--kind", "text"]) == 0
    assert main(["attributes", "--db", db, "set", "source", "kind", "--choices",
                 "government,media,ngo,osint,anonymous,company"]) == 0
    rows = listed(db, "attributes", capsys)
    assert [(r["label"], r["name"], r["kind"]) for r in rows] == [
        ("claim", "stance", "choice"), ("claim", "hedged", "flag"), ("actor", "role", "text"),
        ("source", "kind", "choice")]
    assert rows[3]["choices"][-1] == "company" and rows[1]["description"] == "Hedged wording."
    assert main(["attributes", "--db", db, "move", "claim", "hedged", "0"]) == 0  # first
    rows = listed(db, "attributes", capsys)
    assert [(r["label"], r["name"]) for r in rows][:2] == [("claim", "hedged"), ("claim", "stance")]
    with Project.open(db) as project:  # one history row, which a team hub sync reads
        assert [h.action for h in project.history(entity="label_attribute")][-1] == "move"
    with Project.open(db) as project:
        [doc] = project.documents()
        claim = project.add_span(doc.id, 9, 12, "claim", "alice")
        project.set_span_attribute(claim.id, "hedged", True, who="alice")
    assert main(["attributes", "--db", db, "remove", "claim", "hedged"]) == 1
    assert "has a value on 1 span;" in capsys.readouterr().err
    assert main(["attributes", "--db", db, "remove", "claim", "hedged", "--clear-values"]) == 0
    assert "cleared claim.hedged on 1 span" in capsys.readouterr().err
    with Project.open(db) as project:
        assert project.span(claim.id).attributes == {}


def test_the_commands_start_without_qt(db: str) -> None:
    code = ("import sys\nfrom annotator.cli import main\n"
            f"assert main(['relations', '--db', {db!r}, 'list']) == 0\n"
            f"assert main(['attributes', '--db', {db!r}, 'list']) == 0\n"
            "assert not any(m.startswith('PySide6') for m in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
