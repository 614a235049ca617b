"""``annotator merge`` checks a colleague's file as strictly as an import.

Each bad file is a real colleague's project (made with ``Project.open`` + ``add_span``) or a
real export, then damaged with raw ``sqlite3`` statements as anyone with an SQLite tool could.
Every refusal: exit status 1, one ``annotator: error: FILE: ...`` message naming the file, the
document and the span, no traceback, every table of the receiving project unchanged (its
history too) and the colleague's file unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from review_work import TEXTS, WORK, colleague_export, colleague_project, new_project, where

from annotator.cli import main
from annotator.domain.errors import DataError
from annotator.domain.labels import Label
from annotator.domain.text import sha256_text
from annotator.services.review.colleagues import UnknownLabelsError, merge_work
from annotator.store import Project
from annotator.store.database import SQLITE_HEADER

ONE = "'one.txt' (id 1)"
START, END = where("one.txt", "北朝鮮")  # bob's first span: actor on 北朝鮮


@pytest.fixture
def main_db(tmp_path: Path) -> Path:
    """The receiving project: the same texts, no spans."""
    return new_project(tmp_path / "main.annotator")


@pytest.fixture
def bob(tmp_path: Path) -> Path:
    """Bob's own project file, in a folder of its own."""
    (tmp_path / "bob").mkdir()
    return colleague_project(tmp_path / "bob", "bob")


def first_span_id(path: Path) -> str:
    with Project.open(path) as project:
        return next(s.id for s in project.spans(1) if (s.start, s.end) == (START, END))


def corrupt(path: Path, sql: str, *params: object) -> None:
    """Change ``path`` behind the project's back (CHECK constraints off, as a tool could)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()
    assert not Path(f"{path}-wal").exists()


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def refused(main_db: Path, paths: list[Path | str], capsys: pytest.CaptureFixture[str],
            snapshot: Callable[..., dict], *extra: str) -> str:
    """Run ``annotator merge`` and check a clean refusal; return the message."""
    before = snapshot(main_db)
    files = [Path(p) for p in paths]
    digests = [digest(p) for p in files]
    capsys.readouterr()
    assert main(["merge", "--db", str(main_db), *extra, *map(str, paths)]) == 1
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("annotator: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and captured.out == ""
    assert "nothing was merged" in err
    assert snapshot(main_db) == before
    assert [digest(p) for p in files] == digests
    return err.removeprefix("annotator: error: ").rstrip("\n")


# -- spans ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "reason"), [
    (3, 99999, "is out of bounds (the text has {n} characters)"),
    (-1, END, "is out of bounds (the text has {n} characters)"),
    (5, 5, "is empty (start == end)"),
    (8, 4, "is reversed (start after end)"),
])
def test_bad_bounds_are_refused_naming_file_document_and_span(
        main_db: Path, bob: Path, capsys, snapshot, start: int, end: int, reason: str) -> None:
    span_id = first_span_id(bob)
    corrupt(bob, 'UPDATE spans SET start = ?, "end" = ? WHERE id = ?', start, end, span_id)
    message = refused(main_db, [bob], capsys, snapshot)
    n = len(TEXTS["one.txt"])
    assert message == (f"{bob}: document {ONE}: span {span_id} [{start}, {end}) 'actor' "
                       f"{reason.format(n=n)}; nothing was merged")


def test_bounds_that_are_not_whole_numbers(main_db: Path, bob: Path, capsys, snapshot) -> None:
    span_id = first_span_id(bob)
    corrupt(bob, "UPDATE spans SET start = 'three' WHERE id = ?", span_id)
    message = refused(main_db, [bob], capsys, snapshot)
    assert f"document {ONE}: span {span_id} ['three', {END}) 'actor'" in message
    assert "its bounds are not whole numbers" in message


def test_a_span_of_a_document_the_file_lacks(main_db: Path, bob: Path, capsys, snapshot) -> None:
    span_id = first_span_id(bob)
    corrupt(bob, "UPDATE spans SET document_id = 99 WHERE id = ?", span_id)
    message = refused(main_db, [bob], capsys, snapshot)
    assert f"span {span_id} [{START}, {END}) 'actor': its document id 99 is not a document " \
           f"of the file" in message


def test_a_dangling_label_id(main_db: Path, bob: Path, capsys, snapshot) -> None:
    span_id = first_span_id(bob)
    corrupt(bob, "UPDATE spans SET label_id = 999 WHERE id = ?", span_id)
    message = refused(main_db, [bob], capsys, snapshot)
    assert message.startswith(f"{bob}: document {ONE}: span {span_id} [{START}, {END}) "
                              f"'(label id 999)': its label id 999 is not a label of the file")


def test_a_label_renamed_to_a_control_character(main_db: Path, bob: Path, capsys, snapshot) -> None:
    corrupt(bob, "UPDATE labels SET name = 'act\u202eor' WHERE name = 'actor'")
    message = refused(main_db, [bob], capsys, snapshot)
    assert "'act\\u202eor'" in message and "control character (U+202E)" in message
    assert "\u202e" not in message


@pytest.mark.parametrize(("annotator", "shown"), [
    ("", "''"),
    ("   ", "'   '"),
    ("bob\x1b[31m", "'bob\\x1b[31m'"),
    ("bob\nalice", "'bob\\nalice'"),
    ("bob\u200b", "'bob\\u200b'"),
])
def test_an_annotator_that_is_not_a_clean_name(
        main_db: Path, bob: Path, capsys, snapshot, annotator: str, shown: str) -> None:
    span_id = first_span_id(bob)
    corrupt(bob, "UPDATE spans SET annotator = ? WHERE id = ?", annotator, span_id)
    message = refused(main_db, [bob], capsys, snapshot)
    assert f"document {ONE}: span {span_id} [{START}, {END}) 'actor': its annotator" in message
    assert shown in message
    assert not any(ord(c) < 32 or c in "\u200b" for c in message)


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("created_at", "yesterday", "its created_at 'yesterday' is not an ISO 8601 time"),
    ("updated_at", "2026-13-45T99:00:00Z", "is not a real date and time"),
    ("created_at", "2026-11-23T20:17:00", "is not an ISO 8601 time with a time zone"),
    ("value", "[1, 2]", "its value must be a JSON object or null, not list"),
    ("value", '{"value": NaN}', "its value is not valid JSON"),
    ("value", "{not json", "its value is not valid JSON"),
    ("id", "", "its id '' is not a non-empty string"),
])
def test_times_values_and_ids_are_checked(
        main_db: Path, bob: Path, capsys, snapshot, column: str, value: str, reason: str) -> None:
    span_id = first_span_id(bob)
    corrupt(bob, f"UPDATE spans SET {column} = ? WHERE id = ?", value, span_id)
    message = refused(main_db, [bob], capsys, snapshot)
    assert f"document {ONE}: span " in message and f"[{START}, {END}) 'actor': " in message
    assert reason in message


def test_every_problem_is_counted_and_the_first_named(main_db: Path, bob: Path, capsys,
                                                      snapshot) -> None:
    corrupt(bob, "UPDATE spans SET annotator = ''")
    message = refused(main_db, [bob], capsys, snapshot)
    assert f"({len(WORK['bob']) - 1} more problem(s) in this file)" in message


def test_an_unknown_label_is_refused_unless_added(main_db: Path, bob: Path, capsys,
                                                   snapshot) -> None:
    with Project.open(bob) as project:
        project.add_label(Label("vessel", "#123456"), who="bob")
        span = project.add_span(2, *where("two.txt", "外務省"), "vessel", "bob")
    message = refused(main_db, [bob], capsys, snapshot)
    assert message == (
        f"{bob}: document 'two.txt' (id 2): span {span.id} [{span.start}, {span.end}) 'vessel': "
        f"unknown label(s) 'vessel', not in this project; add them to the project first or "
        f"merge with --add-labels; nothing was merged")
    assert main(["merge", "--db", str(main_db), "--add-labels", str(bob)]) == 0
    with Project.open(main_db) as project:
        assert "vessel" in {label.name for label in project.labels()}
        assert project.span(span.id).label == "vessel"


def test_the_unknown_labels_error_lists_them(main_db: Path, bob: Path) -> None:
    with Project.open(bob) as project:
        for name in ("vessel", "place"):
            project.add_label(Label(name, "#123456"), who="bob")
            project.add_span(2, *where("two.txt", "外務省"), name, "bob")
    with Project.open(main_db) as project, pytest.raises(UnknownLabelsError) as caught:
        merge_work(project, [bob], who="rita")
    assert sorted(caught.value.labels) == ["place", "vessel"]


# -- documents -----------------------------------------------------------------------------

def test_a_text_changed_behind_its_hash(main_db: Path, bob: Path, capsys, snapshot) -> None:
    corrupt(bob, "UPDATE documents SET text = replace(text, '北朝鮮', '南朝鮮') WHERE id = 1")
    message = refused(main_db, [bob], capsys, snapshot)
    assert message.startswith(f"{bob}: document {ONE}: its text does not match its stored "
                              f"SHA-256")
    assert "the text or the hash was changed" in message


def test_a_changed_hash(main_db: Path, bob: Path, capsys, snapshot) -> None:
    corrupt(bob, "UPDATE documents SET sha256 = ? WHERE id = 2", "ab" * 32)
    message = refused(main_db, [bob], capsys, snapshot)
    assert message.startswith(f"{bob}: document 'two.txt' (id 2): its text does not match "
                              f"its stored SHA-256 (stored abababab")


def test_a_text_that_is_not_canonical(main_db: Path, bob: Path, capsys, snapshot) -> None:
    text = TEXTS["one.txt"].replace("\n", "\r\n")
    corrupt(bob, "UPDATE documents SET text = ?, sha256 = ?, length = ? WHERE id = 1",
            text, sha256_text(text), len(text))
    message = refused(main_db, [bob], capsys, snapshot)
    assert message.startswith(f"{bob}: document {ONE}: its text is not in canonical form")


def test_a_wrong_length(main_db: Path, bob: Path, capsys, snapshot) -> None:
    corrupt(bob, "UPDATE documents SET length = length + 1 WHERE id = 1")
    n = len(TEXTS["one.txt"])
    message = refused(main_db, [bob], capsys, snapshot)
    assert message == (f"{bob}: document {ONE}: its stored length {n + 1} is not the length "
                       f"of its text ({n} characters); nothing was merged")


def test_a_text_that_is_not_utf8(main_db: Path, bob: Path, capsys, snapshot) -> None:
    corrupt(bob, "UPDATE documents SET text = CAST(X'e5bda2eda080' AS TEXT) WHERE id = 2")
    message = refused(main_db, [bob], capsys, snapshot)
    assert message.startswith(f"{bob}: document 'two.txt' (id 2): its text is not valid UTF-8")


def test_a_document_of_the_file_that_is_not_in_the_project_is_named(
        main_db: Path, tmp_path: Path, capsys, snapshot) -> None:
    (tmp_path / "eve").mkdir()
    eve = colleague_project(tmp_path / "eve", "bob", {"stranger.txt": "知らない文書。"})
    message = refused(main_db, [eve], capsys, snapshot)
    assert f"'stranger.txt' ({eve}, id 3)" in message
    assert "1 document(s) are not in this project" in message


# -- files that are not a colleague's project ------------------------------------------------

def test_garbage_after_an_sqlite_header(main_db: Path, tmp_path: Path, capsys, snapshot) -> None:
    garbage = tmp_path / "garbage.annotator"
    garbage.write_bytes(SQLITE_HEADER + bytes(range(256)) * 16)
    message = refused(main_db, [garbage], capsys, snapshot)
    assert message.startswith(f"{garbage}: not an annotator project")


def test_a_newer_schema(main_db: Path, bob: Path, capsys, snapshot) -> None:
    corrupt(bob, "PRAGMA user_version = 99")
    message = refused(main_db, [bob], capsys, snapshot)
    assert message.startswith(f"{bob}: written by a newer version of annotator (schema 99")


def test_a_strangers_sqlite_database(main_db: Path, tmp_path: Path, capsys, snapshot) -> None:
    stranger = tmp_path / "stranger.db"
    conn = sqlite3.connect(stranger)
    conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO documents (text) VALUES ('hello')")
    conn.commit()
    conn.close()
    message = refused(main_db, [stranger], capsys, snapshot)
    assert message.startswith(f"{stranger}: an SQLite database, but not an annotator project")


def test_a_project_without_its_tables(main_db: Path, bob: Path, capsys, snapshot) -> None:
    corrupt(bob, "DROP TABLE spans")
    message = refused(main_db, [bob], capsys, snapshot)
    assert message.startswith(f"{bob}: cannot read the project (no such table: spans)")


@pytest.mark.parametrize("name", ["work.annotator", "work.jsonl"])
def test_a_fifo_is_refused_without_opening_it(main_db: Path, tmp_path: Path, capsys, snapshot,
                                              name: str) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)  # opening it to read would block forever: no writer ever comes
    message = refused(main_db, [fifo], capsys, snapshot)
    assert message == (f"{fifo}: is a named pipe (FIFO), not a regular file; nothing was read "
                       f"from it; nothing was merged")


def test_a_folder_a_device_and_a_link_loop(main_db: Path, tmp_path: Path, capsys, snapshot) -> None:
    loop = tmp_path / "loop.annotator"
    loop.symlink_to(tmp_path / "loop2.annotator")
    (tmp_path / "loop2.annotator").symlink_to(loop)
    (tmp_path / "folder.annotator").mkdir()
    for path, reason in ((tmp_path / "folder.annotator", "is a folder, not a file"),
                         (Path("/dev/null"), "is a character device, not a regular file"),
                         (loop, "is a symbolic link loop")):
        assert refused(main_db, [path], capsys, snapshot).startswith(f"{path}: {reason}")


def test_the_open_project_itself_under_any_name(main_db: Path, tmp_path: Path, capsys,
                                                snapshot) -> None:
    link = tmp_path / "link.annotator"
    link.symlink_to(main_db)
    hard = tmp_path / "hard.annotator"
    os.link(main_db, hard)
    relative = os.path.relpath(main_db)
    for path in (main_db, link, hard, relative):
        message = refused(main_db, [path], capsys, snapshot)
        assert message.startswith(f"{path}: this is the project open here ({main_db}); it "
                                  f"cannot merge itself")


def test_the_open_projects_write_ahead_log(main_db: Path, capsys) -> None:
    with Project.open(main_db) as project:
        wal = Path(f"{main_db}-wal")
        assert wal.exists()
        with pytest.raises(DataError) as caught:
            merge_work(project, [wal], who="rita")
        assert "this is the project open here" in str(caught.value)


def test_a_bad_file_among_good_ones_merges_nothing(main_db: Path, tmp_path: Path, bob: Path,
                                                   capsys, snapshot) -> None:
    good = colleague_export(tmp_path, "alice")
    corrupt(bob, 'UPDATE spans SET "end" = 99999 WHERE id = ?', first_span_id(bob))
    assert "is out of bounds" in refused(main_db, [good, bob], capsys, snapshot)


# -- JSONL exports: the importer's checks and the same span checks ---------------------------

def _export_with(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    path = colleague_export(tmp_path, "alice")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(records[0]["spans"][0])
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "reason"), [
    (lambda s: s.update(end=99999), "span 0 [3, 99999) is outside the text"),
    (lambda s: s.update(annotator="alice\x1b]0;owned\x07"), "its annotator 'alice\\x1b]0;owned\\x07'"),
    (lambda s: s.update(created_at="last week"), "its created_at 'last week' is not an ISO"),
    (lambda s: s.update(value={"value": float("nan")}), "(NaN or infinity)"),
    (lambda s: s.update(label="act\u202eor"), "control character (U+202E)"),
])
def test_jsonl_merges_are_as_strict(main_db: Path, tmp_path: Path, capsys, snapshot,
                                    change: Callable[[dict], None], reason: str) -> None:
    path = _export_with(tmp_path, change)
    message = refused(main_db, [path], capsys, snapshot)
    assert message.startswith(f"{path}:1: ") and reason in message


# -- the good cases ---------------------------------------------------------------------------

def test_a_good_project_file_merges_exactly(main_db: Path, bob: Path, capsys, snapshot) -> None:
    before = snapshot(main_db)
    with Project.open(bob) as project:
        theirs = sorted(project.spans(), key=lambda s: s.id)
    assert main(["merge", "--db", str(main_db), str(bob)]) == 0
    assert "0 documents added; 2 already in the project; 7 spans added" in \
        capsys.readouterr().err
    after = snapshot(main_db)
    grown = {"spans", "history", "document_span_counts", "annotator_span_counts",
             "label_span_counts"}  # the spans and what counts them
    assert {k: v for k, v in after.items() if k not in grown} == \
        {k: v for k, v in before.items() if k not in grown}
    with Project.open(main_db) as project:
        assert sorted(project.spans(), key=lambda s: s.id) == theirs  # ids, times, all kept
        imports = [h for h in project.history() if h.action == "import"]
    assert [h.document_id for h in imports] == [1, 2]
    merged = snapshot(main_db)
    assert main(["merge", "--db", str(main_db), str(bob)]) == 0  # twice: nothing more
    assert "0 spans added; 7 duplicate spans skipped" in capsys.readouterr().err
    assert snapshot(main_db) == merged


def test_exact_duplicates_within_the_file_are_skipped_as_import_does(
        main_db: Path, bob: Path, capsys) -> None:
    # A tool rebuilt the spans table without its UNIQUE constraint and copied a row.
    conn = sqlite3.connect(bob)
    conn.executescript("""
        CREATE TABLE spans_copy AS SELECT * FROM spans;
        DROP TABLE spans;
        ALTER TABLE spans_copy RENAME TO spans;
        INSERT INTO spans SELECT 'ffffffffffffffffffffffffffffffff', document_id, start, "end",
            label_id, annotator, note, created_at, updated_at, value, attributes
            FROM spans LIMIT 1;
    """)
    conn.close()
    assert main(["merge", "--db", str(main_db), str(bob)]) == 0
    assert "7 spans added; 1 duplicate span skipped" in capsys.readouterr().err


def test_the_real_command_line_refuses_without_a_traceback(main_db: Path, bob: Path,
                                                           tmp_path: Path) -> None:
    corrupt(bob, 'UPDATE spans SET "end" = 99999 WHERE id = ?', first_span_id(bob))
    fifo = tmp_path / "pipe.annotator"
    os.mkfifo(fifo)
    env = {**os.environ, "ANNOTATOR_DATA_DIR": str(tmp_path / "data")}
    for path, reason in ((bob, "is out of bounds"), (fifo, "named pipe"),
                         (main_db, "this is the project open here")):
        done = subprocess.run([sys.executable, "-m", "annotator", "merge", "--db", str(main_db),
                               str(path)], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.startswith(f"annotator: error: {path}: ") and reason in done.stderr
