"""``annotator merge``, ``agree``, ``check`` and ``review-status``, run in-process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "review"))
from review_work import colleague_export, colleague_project, new_project, where  # noqa: E402

from annotator.cli import main  # noqa: E402
from annotator.services.review.project_review import project_agreement  # noqa: E402
from annotator.store import Project  # noqa: E402


@pytest.fixture
def merged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = new_project(tmp_path / "main.annotator")
    files = [colleague_export(tmp_path, "alice"), colleague_project(tmp_path, "bob")]
    assert main(["merge", "--db", str(db), *map(str, files)]) == 0
    assert "12 spans added" in capsys.readouterr().err
    return db


def test_merge_refuses_an_unmatched_document_with_exit_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], snapshot) -> None:
    db = new_project(tmp_path / "main.annotator")
    bad = colleague_export(tmp_path, "bob", {"stranger.txt": "知らない文書。"})
    before = snapshot(db)
    assert main(["merge", "--db", str(db), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "'stranger.txt'" in err and "nothing was merged" in err
    assert snapshot(db) == before


def test_agree_json_is_the_services_result(merged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agree", "--db", str(merged), "--annotators", "alice", "bob", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with Project.open(merged) as project:
        expected = project_agreement(project, ["alice", "bob"]).to_json()
        uids = sorted(d.uid for d in project.documents())
    assert printed == json.loads(json.dumps(expected))
    assert set(printed) >= {"annotators", "documents", "overall", "per_label"}
    assert sorted(printed["documents"]) == uids
    assert set(printed["overall"]) == {"exact", "overlap", "cohen_kappa", "krippendorff_alpha"}
    assert set(printed["overall"]["exact"]) == {"precision", "recall", "f1"}
    # one.txt: 北朝鮮 and 外務省 agree exactly; two.txt: プーチン; bob has 3 spans more
    assert printed["overall"]["exact"]["recall"] == pytest.approx(3 / 5)
    assert printed["overall"]["exact"]["precision"] == pytest.approx(3 / 7)


def test_agree_filters_and_table(merged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agree", "--db", str(merged), "--annotators", "alice", "bob",
                 "--label", "actor", "--document", "one.txt", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed["per_label"]) == ["actor"] and len(printed["documents"]) == 1
    assert main(["agree", "--db", str(merged), "--annotators", "alice", "bob"]) == 0
    table = capsys.readouterr().out
    assert "overall" in table and "one.txt" in table and "kappa" in table


def test_agree_refuses_unknown_annotators(merged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agree", "--db", str(merged), "--annotators", "alice", "zoe"]) == 1
    assert "zoe" in capsys.readouterr().err
    assert main(["agree", "--db", str(merged), "--annotators", "alice"]) == 1


def test_check_lists_findings(merged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--db", str(merged), "--json"]) == 0
    findings = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    conflicts = [f for f in findings if f["kind"] == "same text, different labels"]
    assert {f["text"] for f in conflicts} == {"東京"}
    unlabelled = [f for f in findings if f["kind"] == "labelled elsewhere, unlabelled here"]
    assert {(f["document"], f["text"]) for f in unlabelled} >= {("two.txt", "外務省")}
    assert main(["check", "--db", str(merged), "--annotator", "alice"]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert summary.split(":")[0] in {f"{n} finding{'' if n == 1 else 's'}" for n in range(100)}


def test_review_status_shows_and_sets(merged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review-status", "--db", str(merged), "one.txt"]) == 0
    assert capsys.readouterr().out == "one.txt\tnot reviewed\n"
    assert main(["review-status", "--db", str(merged), "one.txt", "reviewed"]) == 0
    assert capsys.readouterr().out == "one.txt\treviewed\n"
    assert main(["review-status", "--db", str(merged), "nope.txt"]) == 1


def test_the_reviewed_layer_exports_on_its_own(merged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from annotator.domain.review_commands import Decide
    from annotator.domain.undo import UndoStack
    with Project.open(merged) as project:
        doc = next(d.id for d in project.documents() if d.name == "one.txt")
        start, end = where("one.txt", "金正恩")
        UndoStack(project).push(Decide(doc, "add", "rita", (), (start, end, "actor")))
    assert main(["export", "--db", str(merged), "--annotator", "reviewed", "--skip-empty"]) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(s["start"], s["end"], s["text"], s["annotator"]) for s in record["spans"]] == [
        (start, end, "金正恩", "reviewed")]
