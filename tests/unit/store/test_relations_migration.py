"""The relations migration: tables, the new span column, defaults, and data kept from v7."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from annotator.domain.relations import DEFAULT_ATTRIBUTES, DEFAULT_RELATION_TYPES
from annotator.domain.text import sha256_text
from annotator.store import Project
from annotator.store.schema import APPLICATION_ID, MIGRATIONS

TEXT = "米CNNは、金氏が発射を見学したと報じました"


def _index_of_relations_migration() -> int:
    return next(i for i, m in enumerate(MIGRATIONS) if m.__name__ == "_relations_and_attributes")


def _build(path: Path, version: int, *, drop_labels: tuple[str, ...] = ()) -> None:
    db = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:version]:
        migration(db)
    for name in drop_labels:
        db.execute("DELETE FROM labels WHERE name = ?", [name])
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("INSERT INTO documents (id, uid, name, sha256, text, length, created_at) "
               "VALUES (1, 'doc', 'a.txt', ?, ?, ?, '2026-01-01T00:00:00.000Z')",
               [sha256_text(TEXT), TEXT, len(TEXT)])
    label_id = db.execute("SELECT id FROM labels WHERE name = 'claim'").fetchone()[0]
    db.execute('INSERT INTO spans (id, document_id, start, "end", label_id, annotator, note, '
               "created_at, updated_at) VALUES ('s1', 1, 0, 4, ?, 'alice', 'kept', "
               "'2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z')", [label_id])
    db.conn.commit()
    db.conn.close()


def test_the_migration_is_the_last_so_far_and_a_new_project_has_the_defaults(
        project: Project) -> None:
    assert _index_of_relations_migration() >= 7
    assert project.relation_types() == list(DEFAULT_RELATION_TYPES)
    assert project.label_attributes() == list(DEFAULT_ATTRIBUTES)
    assert project.relations() == []
    columns = {r[1] for r in project.db.execute("PRAGMA table_info(spans)")}
    assert "attributes" in columns


def test_migrating_a_project_of_the_version_before_keeps_its_spans(project_path: Path) -> None:
    version = _index_of_relations_migration()
    _build(project_path, version)
    with Project.open(project_path) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        [span] = project.spans()
        assert (span.id, span.note, span.attributes, span.updated_at) == (
            "s1", "kept", {}, "2026-01-02T00:00:00.000Z")
        assert [rt.name for rt in project.relation_types()] == [
            "attributed_to", "involves", "quantifies"]
        # The migrated project takes relations and attributes at once.
        source = project.add_span(1, 5, 8, "source", "alice")
        project.add_relation("s1", source.id, "attributed_to")
        project.set_span_attribute("s1", "stance", "reported", who="alice")
        assert project.span("s1").attributes == {"stance": "reported"}
    backup = project_path.with_name(f"{project_path.name}.v{version}.backup")
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    finally:
        conn.close()


def test_defaults_follow_the_labels_the_project_has(project_path: Path) -> None:
    """A project without a 'source' label gets no 'attributed_to' type and no source.kind;
    'quantifies' keeps only the tail labels there are."""
    _build(project_path, _index_of_relations_migration(), drop_labels=("source", "weapon"))
    with Project.open(project_path) as project:
        types = {rt.name: rt for rt in project.relation_types()}
        assert set(types) == {"involves", "quantifies"}
        assert types["quantifies"].tails == ("actor",)
        assert [a.qualified for a in project.label_attributes()] == ["claim.stance"]
