"""Pragmas, one committed transaction per action, history in the same transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.store import Document, Project


def test_pragmas(project: Project) -> None:
    conn = project.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_journal_mode_is_persistent(project: Project, project_path: Path) -> None:
    other = sqlite3.connect(project_path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def _count(path: Path, sql: str) -> int:
    other = sqlite3.connect(path)
    try:
        return other.execute(sql).fetchone()[0]
    finally:
        other.close()


def test_each_action_commits_before_returning(project: Project, document: Document,
                                              project_path: Path) -> None:
    assert not project.db.conn.in_transaction
    span = project.add_span(document.id, 0, 3, "actor", "alice")
    assert not project.db.conn.in_transaction
    assert _count(project_path, f"SELECT count(*) FROM spans WHERE id = '{span.id}'") == 1
    assert _count(project_path, "SELECT count(*) FROM history WHERE entity = 'span' "
                                f"AND entity_id = '{span.id}'") == 1
    project.update_span(span.id, who="bob", note="checked")
    assert _count(project_path, "SELECT count(*) FROM spans WHERE note = 'checked'") == 1
    project.delete_span(span.id, who="bob")
    assert _count(project_path, "SELECT count(*) FROM spans") == 0
    project.set_document_status(document.id, "done", who="bob")
    assert _count(project_path, "SELECT count(*) FROM documents WHERE status = 'done'") == 1
    project.set_setting("font", {"size": 12}, who="bob")
    assert _count(project_path, "SELECT count(*) FROM settings") == 1


def test_history_row_is_in_the_same_transaction(project: Project, document: Document,
                                                project_path: Path, snapshot) -> None:
    before = snapshot(project_path)
    with pytest.raises(RuntimeError), project.atomic():
        project.add_span(document.id, 0, 3, "actor", "alice")
        project.update_label("actor", who="alice", color="#000000")
        assert project.db.conn.in_transaction
        raise RuntimeError("power cut")
    assert snapshot(project_path) == before
    assert project.spans() == [] and project.history(entity="span") == []


def test_atomic_groups_actions(project: Project, document: Document, project_path: Path) -> None:
    with project.atomic():
        project.add_span(document.id, 0, 3, "actor", "alice")
        project.add_span(document.id, 0, 4, "actor", "alice")
        assert _count(project_path, "SELECT count(*) FROM spans") == 0  # not yet committed
    assert _count(project_path, "SELECT count(*) FROM spans") == 2


def test_history_records_who_what_before_after(project: Project, document: Document) -> None:
    span = project.add_span(document.id, 0, 3, "actor", "alice")
    project.update_span(span.id, who="bob", label="source")
    project.delete_span(span.id, who="carol")
    rows = project.history(entity="span", entity_id=span.id)
    assert [(r.who, r.action) for r in rows] == [
        ("alice", "add"), ("bob", "update"), ("carol", "delete")]
    assert rows[0].before is None and rows[0].after["label"] == "actor"
    assert rows[1].before["label"] == "actor" and rows[1].after["label"] == "source"
    assert rows[2].before["label"] == "source" and rows[2].after is None
    assert all(r.document_id == document.id and r.at.endswith("Z") for r in rows)


@pytest.mark.parametrize("sql", ["UPDATE history SET who = 'mallory'", "DELETE FROM history"])
def test_history_is_append_only(project: Project, document: Document, sql: str) -> None:
    assert project.history()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.db.execute(sql)
    other = sqlite3.connect(project.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            other.execute(sql)
    finally:
        other.close()


def test_foreign_keys_enforced(project: Project) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        project.db.execute(
            "INSERT INTO spans (id, document_id, start, \"end\", label_id, annotator, "
            "created_at, updated_at) VALUES ('x', 999, 0, 1, 1, 'a', 't', 't')")
