"""Fixtures of the Qt-free unit tests: fresh project files, snapshots, an isolated data dir."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from annotator.store import Document, Project

Snapshot = dict[str, Any]

SAMPLE_TEXT = "北朝鮮は\U0001F600ミサイル\U00020BB7を3発\n発射した葛\U000E0100城と発表。"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``ANNOTATOR_DATA_DIR`` at a fresh folder: no test touches the real data dir."""
    folder = tmp_path_factory.mktemp("annotator-data")
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    """Where a test's project file lives (not created yet)."""
    return tmp_path / "test.annotator"


@pytest.fixture
def project(project_path: Path) -> Iterator[Project]:
    """A fresh, empty project (default labels) in ``tmp_path``."""
    opened = Project.open(project_path)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def document(project: Project) -> Document:
    """One document (with an emoji, 𠮷 and an ideographic variation selector) in ``project``."""
    doc, created = project.add_document("sample.txt", SAMPLE_TEXT, who="tester")
    assert created
    return doc


def take_snapshot(path: Path, *, history: bool = True) -> Snapshot:
    """Read every table of the project file at ``path`` read-only, as comparable plain data.

    Rows are sorted, so the physical order (rowids) does not matter. Labels are compared
    without their row id and spans and the per-label counts carry their label's name instead of its id: an undo that
    puts a label back gives it a new row id, which nothing outside the store sees.
    ``history=False`` leaves the (ever-growing) history out, for undo/redo comparisons.
    """
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        snap: Snapshot = {
            "user_version": conn.execute("PRAGMA user_version").fetchone()[0],
            "application_id": conn.execute("PRAGMA application_id").fetchone()[0],
        }
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            if table == "history" and not history:
                continue
            if table == "labels":
                sql = "SELECT * FROM labels"
                drop = {"id"}
            elif table == "spans":
                sql = "SELECT s.*, l.name AS label FROM spans s JOIN labels l ON l.id = s.label_id"
                drop = {"label_id"}
            elif table == "label_span_counts":
                sql = ("SELECT l.name AS label, c.spans FROM label_span_counts c "
                       "LEFT JOIN labels l ON l.id = c.label_id")
                drop = set()
            else:
                sql, drop = f'SELECT * FROM "{table}"', set()
            cursor = conn.execute(sql)
            keep = [i for i, d in enumerate(cursor.description) if d[0] not in drop]
            rows = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
            snap[table] = sorted(rows, key=repr)
        return snap
    finally:
        conn.close()


@pytest.fixture
def snapshot() -> Callable[..., Snapshot]:
    """``snapshot(path, history=True)``: see :func:`take_snapshot`."""
    return take_snapshot
