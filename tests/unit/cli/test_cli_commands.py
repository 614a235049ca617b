"""The command line: exit status 0/1/2, messages on stderr, labels, stats, no Qt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "p.annotator"
    text = tmp_path / "a.txt"
    text.write_text("北朝鮮はミサイルを発射した。", encoding="utf-8")
    assert main(["import", "--db", str(path), "--annotator", "alice", str(text)]) == 0
    return str(path)


def test_data_error_exit_1_names_file_and_line(db: str, tmp_path: Path, snapshot,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a"}\n{"text": "b", "spans": [{"start": 0, "end": 5, '
                   '"label": "actor"}]}\n', encoding="utf-8")
    before = snapshot(Path(db))
    assert main(["import", "--db", db, str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "outside the text" in err
    assert snapshot(Path(db)) == before


def test_usage_error_exit_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["export", "--db", db, "--format", "csv"], ["nonsense"], ["import", "--db", db],
                 ["labels", "--db", db, "move", "claim", "first"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2, argv
    assert "usage:" in capsys.readouterr().err


def test_labels_commands(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["labels", "--db", db, "add", "place", "--key", "6",
                 "--description", "A place."]) == 0
    assert main(["labels", "--db", db, "set", "place", "--rename", "location",
                 "--color", "#123456", "--no-key"]) == 0
    assert main(["labels", "--db", db, "move", "location", "0"]) == 0
    capsys.readouterr()
    assert main(["labels", "--db", db, "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0] == {"name": "location", "color": "#123456", "key": None,
                         "description": "A place.", "spans": 0}
    assert [x["name"] for x in listed] == ["location", "claim", "actor", "weapon", "number",
                                           "source"]
    assert main(["labels", "--db", db, "remove", "location"]) == 0
    assert main(["labels", "--db", db, "add", "bad", "--color", "red"]) == 1
    assert "#rrggbb" in capsys.readouterr().err


def test_remove_label_in_use(db: str, tmp_path: Path, snapshot,
                             capsys: pytest.CaptureFixture[str]) -> None:
    spans = tmp_path / "s.jsonl"
    spans.write_text(json.dumps({"text": "北朝鮮はミサイルを発射した。", "spans": [
        {"start": 0, "end": 3, "label": "actor"}]}) + "\n", encoding="utf-8")
    assert main(["import", "--db", db, str(spans)]) == 0
    before = snapshot(Path(db))
    assert main(["labels", "--db", db, "remove", "actor"]) == 1
    assert "is used by 1 span" in capsys.readouterr().err
    assert snapshot(Path(db)) == before
    assert main(["labels", "--db", db, "remove", "actor", "--delete-spans"]) == 0


def test_stats_json_shape(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["stats", "--db", db, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert set(stats) == {"project", "documents", "spans", "per_label", "per_annotator",
                          "per_document"}
    assert stats["documents"] == 1 and stats["spans"] == 0
    assert list(stats["per_label"]) == ["claim", "actor", "weapon", "number", "source"]
    assert set(stats["per_document"][0]) == {"name", "id", "characters", "status", "spans"}


def test_export_to_file_and_stdout(db: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["export", "--db", db, "-o", str(out)]) == 0
    assert "1 document, 0 spans written" in capsys.readouterr().err
    assert main(["export", "--db", db, "--format", "doccano"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["label"] == []
    assert "UTF-16" in captured.err
    assert main(["export", "--db", db, "--label", "nope"]) == 1


def test_commands_never_import_qt(db: str) -> None:
    code = (
        "import sys\n"
        "from annotator.cli import main\n"
        f"assert main(['stats', '--db', {db!r}, '--json']) == 0\n"
        f"assert main(['labels', '--db', {db!r}, 'list']) == 0\n"
        f"assert main(['export', '--db', {db!r}, '--format', 'labelstudio']) == 0\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "assert not qt, qt\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [["export"], ["stats"], ["labels", "list"], ["agree",
                                     "--annotators", "a", "b"], ["search", "puchin"]])
def test_a_missing_db_is_an_error_not_a_new_project(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.annotator"
    assert main([*command, "--db", str(missing)]) == 1
    assert f"{missing}: no such project file" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_export_to_stdout_is_utf8_whatever_the_console_encoding(db: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}  # a console that cannot show kana
    result = subprocess.run([sys.executable, "-m", "annotator", "export", "--db", db],
                            capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    [record] = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert record["text"] == "北朝鮮はミサイルを発射した。"


def test_search_json_is_utf8_whatever_the_console_encoding(db: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    result = subprocess.run([sys.executable, "-m", "annotator", "search", "--db", db,
                             "kitachosen", "--json"], capture_output=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert [hit["text"] for hit in json.loads(result.stdout.decode("utf-8"))] == ["北朝鮮"]
