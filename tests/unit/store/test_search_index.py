"""The search index in the project file: built by its migration, kept by triggers (also for
documents another process adds), candidates in id order, short strings scanned."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from annotator.domain.text import sha256_text
from annotator.store import Project, search_index
from annotator.store import schema
from annotator.store.schema import APPLICATION_ID, MIGRATIONS

TEXTS = ["北朝鮮はミサイルを発射した", "プーチン大統領は CNN に語った", "ロシアと北朝鮮", "短い"]


def _candidates(project: Project, table: str, *strings: str) -> list[int]:
    return list(search_index.candidate_documents(project.db.conn, table, strings))


def test_text_index_follows_added_documents(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.annotator") as project:
        ids = [project.add_document(f"{i}.txt", t, who="t")[0].id for i, t in enumerate(TEXTS)]
        assert _candidates(project, "search_text", "北朝鮮") == [ids[0], ids[2]]
        assert _candidates(project, "search_text", "cnn") == [ids[1]]  # ASCII folded
        assert _candidates(project, "search_text", "北朝鮮", "プーチン") == ids[:3]
        assert _candidates(project, "search_text", "短") == [ids[3]]  # no trigram: a scan
        assert _candidates(project, "search_text", "Cn") == [ids[1]]
        assert _candidates(project, "search_text", "ミサイルを発射しない") == []
        assert list(search_index.candidate_documents(project.db.conn, "search_text", ["北朝鮮"],
                                                     after=ids[0])) == [ids[2]]


def test_a_document_added_by_another_process_is_found(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    with Project.open(path) as project:
        project.add_document("a.txt", TEXTS[0], who="t")
        code = ("import sys; from annotator.store import Project\n"
                "with Project.open(sys.argv[1]) as p: p.add_document('b.txt', '金正恩氏が視察', who='u')")
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)
        [doc_id] = _candidates(project, "search_text", "金正恩")
        assert project.document(doc_id).name == "b.txt"


def test_migration_indexes_the_texts_of_an_existing_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "BUILD_BATCH", 5)
    path = tmp_path / "old.annotator"
    db = sqlite_utils.Database(path)
    version = MIGRATIONS.index(schema._search_index)
    for migration in MIGRATIONS[:version]:
        migration(db)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for i, text in enumerate(TEXTS * 3):  # three batches
        text = f"{i} {text}"
        db.execute("INSERT INTO documents (uid, name, sha256, text, length, created_at) "
                   "VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')",
                   [f"u{i}", f"{i}.txt", sha256_text(text), text, len(text)])
    db.conn.commit()
    db.conn.close()
    seen: list[tuple[int, int]] = []
    search_index.migration_progress = lambda done, total: seen.append((done, total))
    try:
        project = Project.open(path)
    finally:
        search_index.migration_progress = None
    with project:
        assert seen == [(5, 12), (10, 12), (12, 12)]
        assert len(_candidates(project, "search_text", "プーチン大統領")) == 3
        assert search_index.readings_count(project.db.conn, 1) == (0, 12)
