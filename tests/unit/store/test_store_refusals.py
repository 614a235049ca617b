"""Files that are not usable projects: a clear error, and the file byte for byte untouched."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import annotator.store.database as database
from annotator.store import (
    NetworkShareError,
    NewerVersionError,
    NotAProjectError,
    Project,
    ProjectError,
    ReadOnlyError,
)


def _folder_state(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


def _refused(path: Path, error: type[ProjectError], message: str) -> None:
    before = _folder_state(path)
    with pytest.raises(error, match=message or None) as info:
        Project.open(path)
    assert str(path) in str(info.value)
    assert _folder_state(path) == before  # the file and its folder are untouched


def _closed_project(path: Path) -> Path:
    Project.open(path).close()
    assert not Path(f"{path}-wal").exists()
    return path


def test_newer_version(project_path: Path) -> None:
    _closed_project(project_path)
    conn = sqlite3.connect(project_path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    _refused(project_path, NewerVersionError, "written by a newer version of annotator")


def test_plain_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.annotator"
    path.write_text("これはプロジェクトではない\n" * 100, encoding="utf-8")
    _refused(path, NotAProjectError, "not an SQLite database")


def test_foreign_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE spans (id TEXT)")
    conn.execute("INSERT INTO spans VALUES ('a')")
    conn.commit()
    conn.close()
    _refused(path, NotAProjectError, "not an annotator project")


def test_foreign_wal_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    _refused(path, NotAProjectError, "it has other tables")


def test_truncated_database(project_path: Path) -> None:
    _closed_project(project_path)
    data = project_path.read_bytes()
    project_path.write_bytes(data[:1000])
    _refused(project_path, ProjectError, "")


def test_read_only_file(project_path: Path) -> None:
    _closed_project(project_path)
    os.chmod(project_path, 0o444)
    try:
        _refused(project_path, ReadOnlyError, "read-only")
    finally:
        os.chmod(project_path, 0o644)


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError, match="is a folder"):
        Project.open(tmp_path)


def test_missing_without_create(project_path: Path) -> None:
    with pytest.raises(ProjectError, match="no such project file"):
        Project.open(project_path, create=False)
    assert not project_path.exists()


def test_network_share(project_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _closed_project(project_path)

    def on_nfs(path: Path) -> str:
        return "nfs4"

    monkeypatch.setattr(database, "network_fs_type", on_nfs)
    _refused(project_path, NetworkShareError, r"on a network share \(nfs4\)")
    new_path = project_path.with_name("new.annotator")
    with pytest.raises(NetworkShareError):
        Project.open(new_path)
    assert not new_path.exists()


def test_empty_file_becomes_a_project(project_path: Path) -> None:
    project_path.write_bytes(b"")
    with Project.open(project_path) as project:
        assert len(project.labels()) == 5
