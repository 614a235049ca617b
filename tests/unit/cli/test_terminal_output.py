"""The command line never prints a user string's control characters raw: names that a project
already holds (written by an older version, or by any SQLite tool) come out escaped, and JSON
output carries the same strings as escapes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.store import Project

EVIL_DOC = "report\x1b]0;pwned\x07\u202etxt.exe"
EVIL_LABEL = "act\x9b31m\u202eor"  # C1 CSI: an escape sequence on many terminals
EVIL_ANNOTATOR = "eve\x9b2J\u200b"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.annotator"
    with Project.open(path) as opened:
        doc, _ = opened.add_document("plain.txt", "北朝鮮の発表。ロシア軍。", who="t")
        opened.add_span(doc.id, 0, 3, "actor", annotator="alice", who="t")
    conn = sqlite3.connect(path)  # names as no check of this version would let in
    conn.execute("UPDATE documents SET name = ?", (EVIL_DOC,))
    conn.execute("UPDATE labels SET name = ? WHERE name = 'actor'", (EVIL_LABEL,))
    conn.execute("UPDATE spans SET annotator = ?", (EVIL_ANNOTATOR,))
    conn.commit()
    conn.close()
    return path


def _no_raw(text: str) -> None:
    for char in RAW:
        assert char not in text, (char, text)


@pytest.mark.parametrize("argv", [["stats"], ["labels", "list"]], ids=["stats", "labels"])
def test_plain_output_escapes_names(project: Path, argv: list[str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--db", str(project)]) == 0
    out = capsys.readouterr().out
    _no_raw(out)
    if argv == ["stats"]:
        assert "report\\x1b]0;pwned\\x07\\u202etxt.exe" in out
        assert "eve\\x9b2J\\u200b" in out
    assert "act\\x9b31m\\u202eor" in out


@pytest.mark.parametrize("argv", [["stats", "--json"], ["labels", "list", "--json"]],
                         ids=["stats", "labels"])
def test_json_output_is_escaped_but_the_same_data(project: Path, argv: list[str],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--db", str(project)]) == 0
    out = capsys.readouterr().out
    _no_raw(out)
    data = json.loads(out)
    if argv[0] == "stats":
        assert data["per_document"][0]["name"] == EVIL_DOC
        assert EVIL_ANNOTATOR in data["per_annotator"]
        assert EVIL_LABEL in data["per_label"]
    else:
        assert EVIL_LABEL in [label["name"] for label in data]


def test_messages_escape_what_the_user_typed(project: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "gone\x1b[2J\u202e.txt"
    assert main(["import", "--db", str(project), str(missing)]) == 1
    err = capsys.readouterr().err
    _no_raw(err)
    assert err.startswith(f"annotator: error: {tmp_path}/gone\\x1b[2J\\u202e.txt: no such file")
    assert main(["export", "--db", str(project), "--document", "x\x1b[2J"]) == 1
    err = capsys.readouterr().err
    _no_raw(err)
    assert "no document named 'x\\x1b[2J'" in err


def test_an_export_keeps_the_strings_exactly(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """An export is data, not display: JSON escapes C0 controls itself, the rest is UTF-8."""
    assert main(["export", "--db", str(project)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["name"] == EVIL_DOC
    assert record["spans"][0]["annotator"] == EVIL_ANNOTATOR
