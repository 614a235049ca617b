"""Schema version 10: the spans' index by (document, start) is dropped, being a prefix of their
unique index; an existing project loses it on opening, keeps its spans, and its span lookups
use the unique index."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from annotator.domain.text import sha256_text
from annotator.store import Project
from annotator.store.schema import APPLICATION_ID, MIGRATIONS


def indexes(project: Project) -> set[str]:
    return {r[0] for r in project.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'spans'")}


def test_an_existing_project_loses_the_redundant_index_and_keeps_its_spans(
        project_path: Path) -> None:
    db = sqlite_utils.Database(project_path)
    for migration in MIGRATIONS[:9]:
        migration(db)
    db.execute("PRAGMA user_version = 9")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("INSERT INTO documents (id, uid, name, sha256, text, length, created_at) "
               "VALUES (1, 'doc', 'a.txt', ?, '北朝鮮は', 4, '2026-01-01T00:00:00.000Z')",
               [sha256_text("北朝鮮は")])
    db.execute('INSERT INTO spans (id, document_id, start, "end", label_id, annotator, '
               "created_at, updated_at) VALUES ('s1', 1, 0, 3, 1, 'alice', "
               "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')")
    db.conn.commit()
    assert "spans_by_document" in {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    db.conn.close()
    with Project.open(project_path) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 10
        assert "spans_by_document" not in indexes(project)
        assert "spans_by_label" in indexes(project)
        assert [(s.id, s.start, s.end) for s in project.spans(1)] == [("s1", 0, 3)]
        plan = " ".join(r[3] for r in project.db.execute(
            'EXPLAIN QUERY PLAN SELECT start, "end" FROM spans WHERE document_id = 1 '
            "ORDER BY start"))
        assert "sqlite_autoindex_spans_2 (document_id=?)" in plan and "TEMP B-TREE" not in plan
    assert project_path.with_name(f"{project_path.name}.v9.backup").exists()


def test_a_new_project_has_no_redundant_index(project: Project) -> None:
    assert "spans_by_document" not in indexes(project)
