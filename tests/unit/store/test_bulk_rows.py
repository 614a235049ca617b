"""Bulk writes of an import: rows by multi-row ``INSERT``s (``insert_rows``) and the new
documents of a chunk written together (``NewDocuments``), the rows those of a row at a time."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.domain.text import sha256_text
from annotator.store import Project, bulk
from annotator.store.bulk import insert_rows
from annotator.store.bulk_documents import NewDocuments

_INSERT = "INSERT INTO t (a, b, c, d) VALUES (?, ?, NULL, ?)"


def _table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE, c, d)")
    return conn


@pytest.mark.parametrize("count", [0, 1, 6, 7, 8, 23, 500])
@pytest.mark.parametrize("limit", [None, 21, 3])
def test_every_row_is_inserted_in_order(count: int, limit: int | None,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole statements of ROWS_PER_INSERT rows (or fewer, as the connection's parameter limit
    allows: 21 parameters hold 7 rows of 3), the rest one at a time: the table as
    executemany leaves it."""
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 7)
    rows = [(n * 3, f"b{n}", None if n % 2 else n / 2) for n in range(count)]
    got, expected = _table(), _table()
    if limit is not None:
        got.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    insert_rows(got, _INSERT, rows)
    expected.executemany(_INSERT, rows)
    assert (got.execute("SELECT * FROM t ORDER BY rowid").fetchall()
            == expected.execute("SELECT * FROM t ORDER BY rowid").fetchall())
    assert got.execute("SELECT count(*) FROM t").fetchone()[0] == count


def test_a_row_the_table_refuses_refuses_its_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """A constraint failure is the sqlite3 error executemany raises; inside a transaction the
    statement writes none of its rows."""
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 4)
    conn = _table()
    conn.execute("BEGIN")
    rows = [(n, f"b{n}", n) for n in range(8)]
    rows[6] = (6, "b1", 6)
    insert_rows(conn, _INSERT, rows[:4])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: t.b"):
        insert_rows(conn, _INSERT, rows[4:])
    assert conn.execute("SELECT a FROM t ORDER BY a").fetchall() == [(0,), (1,), (2,), (3,)]
    conn.execute("ROLLBACK")


def _documents(project: Project) -> list[tuple]:
    return project.db.execute(
        "SELECT id, uid, name, sha256, text, length, status, meta FROM documents ORDER BY id"
    ).fetchall()


def _history(project: Project) -> list[tuple]:
    """The documents' history rows, ``after`` decoded (the import writes it with orjson)."""
    return [(*row[:-1], json.loads(row[-1])) for row in project.db.execute(
        "SELECT id, who, action, entity, entity_id, document_id, after FROM history "
        "WHERE entity = 'document' ORDER BY id")]


def test_new_documents_are_the_rows_of_one_at_a_time(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids after the largest, in order; a uid the project or an earlier new document has gets
    the SHA-256's first eight characters; meta as JSON; one history row each: what
    ``add_document`` writes for the same documents."""
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 2)
    given = [("a.txt", "一つ目", None, {"k": 1}), ("b.txt", "二つ目", "doc", None),
             ("c.txt", "三つ目", "doc", {}), ("d.txt", "四つ目", "old", None),
             ("e.txt", "五つ目", None, None)]
    with Project.open(tmp_path / "one.annotator") as one, \
            Project.open(tmp_path / "batch.annotator") as batch:
        for project in (one, batch):
            project.add_document("old.txt", "前からある", who="t", uid="old")
        for name, text, uid, meta in given:
            one.add_document(name, text, who="bob", uid=uid, meta=meta)
        with batch.atomic():
            new = NewDocuments(batch.db.conn, who="bob", stamp="2026-12-03T10:00:00.000Z")
            ids = [new.add(name, text, sha256_text(text), uid=uid, meta=meta)
                   for name, text, uid, meta in given[:3]]
            new.flush()
            ids += [new.add(name, text, sha256_text(text), uid=uid, meta=meta)
                    for name, text, uid, meta in given[3:]]
            new.flush()
            new.flush()  # nothing left: nothing written
        assert ids == [2, 3, 4, 5, 6]
        assert _documents(batch) == _documents(one)
        assert [row[1] for row in _documents(batch)][2:4] == [
            "doc", f"doc-{sha256_text('三つ目')[:8]}"]
        assert _history(batch) == _history(one)
        assert batch.document_count() == 6
        assert batch.db.execute("SELECT count(*) FROM document_span_counts").fetchone()[0] == 6


def test_a_uid_taken_twice_is_refused_as_before(project: Project) -> None:
    """The suffixed uid is not checked again (as a document at a time): the project's
    constraint refuses the second clash."""
    text = "同じ接頭辞"
    project.add_document("x", "別の文書", who="t", uid="u")
    project.add_document("y", "また別の文書", who="t", uid=f"u-{sha256_text(text)[:8]}")
    with pytest.raises(sqlite3.IntegrityError, match="documents.uid"), project.atomic():
        new = NewDocuments(project.db.conn, who="t", stamp="2026-12-03T10:00:00.000Z")
        new.add("z", text, sha256_text(text), uid="u")
        new.flush()
    assert project.document_count() == 2


def test_a_text_given_as_its_utf8_is_stored_as_the_same_text(project: Project) -> None:
    """The bytes a reader hashed are stored as the text value itself (type text, the same
    characters, NUL and astral ones too), as the string would be."""
    texts = ["北朝鮮\x00の😀𠮷\n葛\U000e0100", "plain"]
    with project.atomic():
        new = NewDocuments(project.db.conn, who="t", stamp="2026-12-03T10:00:00.000Z")
        new.add("bytes", texts[0], sha256_text(texts[0]), data=texts[0].encode("utf-8"))
        new.add("str", texts[1], sha256_text(texts[1]))
        new.flush()
    rows = project.db.execute(
        "SELECT typeof(text), text, length, hex(text) FROM documents ORDER BY id").fetchall()
    assert rows == [("text", t, len(t), t.encode("utf-8").hex().upper()) for t in texts]
    assert [d.sha256 for d in project.documents()] == [sha256_text(t) for t in texts]
