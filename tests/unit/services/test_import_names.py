"""A file name used as a document name is cleaned of control and invisible format characters,
and the import says how; a name inside a JSONL record is refused instead (see the bad-input
suite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.services.importing import import_paths
from annotator.store import Project


@pytest.mark.parametrize(
    ("file_name", "document_name", "said"),
    [
        ("report\u202etxt.exe.txt", "reporttxt.exe.txt", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("tab\tname.txt", "tab name.txt", "U+0009 TAB"),
        ("\x1b[31mred.txt", "[31mred.txt", "U+001B ESCAPE"),
        ("zero\u200b\u200bwidth.txt", "zerowidth.txt", "U+200B ZERO WIDTH SPACE ×2"),
        ("\u200b", "document", "U+200B ZERO WIDTH SPACE"),
    ],
)
def test_file_names_are_cleaned(project: Project, tmp_path: Path, file_name: str,
                                document_name: str, said: str) -> None:
    path = tmp_path / file_name
    path.write_text("北朝鮮は発表した。", encoding="utf-8")
    report = import_paths(project, [path], annotator="alice")
    assert [d.name for d in project.documents()] == [document_name]
    assert report.names_cleaned == [(file_name, document_name, f"removed {said}")]
    assert f"named {document_name!r} (removed {said})" in report.summary()


def test_a_clean_file_name_is_kept_as_it_is(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "北朝鮮 <b>news <img src=x> 😀.txt"
    path.write_text("北朝鮮は発表した。", encoding="utf-8")
    report = import_paths(project, [path], annotator="alice")
    assert [d.name for d in project.documents()] == [path.name]
    assert report.names_cleaned == [] and "named" not in report.summary()


def test_the_command_line_reports_the_cleaning_escaped(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a\x1b]0;title\x07b.txt"
    path.write_text("北朝鮮は発表した。", encoding="utf-8")
    assert main(["import", "--db", str(tmp_path / "p.annotator"), str(path)]) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "file name 'a\\x1b]0;title\\x07b.txt' named 'a ]0;title b.txt'" in err
    assert "removed U+001B ESCAPE, U+0007 BELL" in err


def test_an_import_indexes_the_names_it_adds_in_its_transaction(project: Project,
                                                                tmp_path: Path) -> None:
    """The document list's name index holds every imported document when the import ends
    (no window has to add them afterwards); a refused import adds none."""
    from annotator.store import document_rows

    for n in range(30):
        (tmp_path / f"memo-{n:02d}.txt").write_text(f"北朝鮮{n}は発表した。", encoding="utf-8")
    import_paths(project, sorted(tmp_path.glob("memo-*.txt")), annotator="alice")
    assert document_rows.names_pending(project) == 0
    assert project.db.execute(
        "SELECT count(*) FROM document_name_index WHERE document_name_index MATCH '\"emo\"'"
    ).fetchone()[0] == 30
    project.db.execute("INSERT INTO document_name_index(document_name_index, rank) "
                       "VALUES ('integrity-check', 1)")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "良い文書。", "name": "good-one.txt"}\n{"text": 5}\n', encoding="utf-8")
    with pytest.raises(Exception, match="bad.jsonl:2"):
        import_paths(project, [bad], annotator="alice")
    assert project.document_count() == 30
    assert document_rows.names_pending(project) == 0
    assert project.db.execute(
        "SELECT count(*) FROM document_name_index WHERE document_name_index MATCH '\"one\"'"
    ).fetchone()[0] == 0


def test_an_import_indexes_the_names_added_before_it_too(project: Project,
                                                         tmp_path: Path) -> None:
    """Documents whose names no one indexed yet (added outside an import, the window not open)
    are indexed with the import's, every name under its own id whatever the names' order."""
    from annotator.store import document_rows

    for n in range(5):
        project.add_document(f"zeta-{9 - n}.txt", f"前からある文書{n}。", who="alice")
    assert document_rows.names_pending(project) == 5
    for n in range(30):
        (tmp_path / f"memo-{29 - n:02d}.txt").write_text(f"北朝鮮{n}は発表した。",
                                                        encoding="utf-8")
    import_paths(project, sorted(tmp_path.glob("memo-*.txt"), reverse=True), annotator="alice")
    assert document_rows.names_pending(project) == 0
    project.db.execute("INSERT INTO document_name_index(document_name_index, rank) "
                       "VALUES ('integrity-check', 1)")
    found = {row[0]: row[1] for row in project.db.execute(
        "SELECT d.id, d.name FROM document_name_index JOIN documents d "
        "ON d.id = document_name_index.rowid WHERE document_name_index MATCH '\"eta\" OR \"emo\"'")}
    assert found == {d.id: d.name for d in project.documents()} and len(found) == 35
