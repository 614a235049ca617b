"""Forward migrations: from nothing, and from every earlier version, with data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from annotator.domain.labels import DEFAULT_LABELS
from annotator.domain.text import sha256_text
from annotator.store import Project, presence
from annotator.store.schema import APPLICATION_ID, MIGRATIONS, current_version

TEXT = "北朝鮮は\U0001F600ミサイルを発射"


def build_at_version(path: Path, version: int) -> None:
    """A project file at schema ``version``: the first ``version`` migrations applied by hand,
    with one document, one span and one history row written in version-1 columns."""
    db = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:version]:
        migration(db)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("INSERT INTO documents (id, uid, name, sha256, text, length, created_at) "
               "VALUES (1, 'doc', 'a.txt', ?, ?, ?, '2026-01-01T00:00:00.000Z')",
               [sha256_text(TEXT), TEXT, len(TEXT)])
    label_id = db.execute("SELECT id FROM labels WHERE name = 'actor'").fetchone()[0]
    db.execute('INSERT INTO spans (id, document_id, start, "end", label_id, annotator, note, '
               "created_at, updated_at) VALUES ('s1', 1, 0, 3, ?, 'alice', 'kept', "
               "'2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z')", [label_id])
    db.execute("INSERT INTO history (at, who, action, entity, entity_id) "
               "VALUES ('2026-01-01T00:00:00.000Z', 'alice', 'add', 'span', 's1')")
    db.conn.commit()
    db.conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_new_project_runs_every_migration(project_path: Path) -> None:
    with Project.open(project_path) as project:
        conn = project.db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert project.labels() == list(DEFAULT_LABELS)
    assert current_version() == len(MIGRATIONS)
    assert not list(project_path.parent.glob("*.backup"))  # nothing to back up


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_migrate_from_every_earlier_version(project_path: Path, version: int) -> None:
    build_at_version(project_path, version)
    with Project.open(project_path) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == current_version()
        [document] = project.documents()
        assert (document.uid, document.name, project.text(document.id)) == ("doc", "a.txt", TEXT)
        [span] = project.spans()
        assert (span.id, span.start, span.end, span.label, span.annotator, span.note,
                span.updated_at) == ("s1", 0, 3, "actor", "alice", "kept",
                                     "2026-01-02T00:00:00.000Z")
        assert [h.entity_id for h in project.history()] == ["s1"]
        tables = {r[0] for r in project.db.execute("SELECT name FROM sqlite_master")}
        assert {"review_decisions", "aliases", "reading_cache", "presence"} <= tables
        # The migrated project works as a new one does.
        project.add_span(document.id, 1, 4, "claim", "bob")
        assert presence.register(project, "bob")
    backup = project_path.with_name(f"{project_path.name}.v{version}.backup")
    assert backup.exists()
    assert user_version(backup) == version


@pytest.mark.skipif(len(MIGRATIONS) < 2,
                    reason="needs a second migration to have an earlier version to fail from")
def test_failed_migration_leaves_the_old_version(project_path: Path) -> None:
    build_at_version(project_path, len(MIGRATIONS) - 1)

    def broken(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration failed")

    last = MIGRATIONS[-1]
    MIGRATIONS[-1] = broken
    try:
        with pytest.raises(RuntimeError, match="migration failed"):
            Project.open(project_path)
    finally:
        MIGRATIONS[-1] = last
    assert user_version(project_path) == len(MIGRATIONS) - 1
    conn = sqlite3.connect(project_path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 1
    finally:
        conn.close()
    with Project.open(project_path) as project:  # the real migration still runs afterwards
        assert len(project.spans()) == 1
