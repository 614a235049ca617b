"""Fixtures: a window on the seed project with the reading aids installed and indexed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.ui.main_window import MainWindow
from annotator.ui.reading import ReadingAids
from reading_fixtures import make_project, open_window


@pytest.fixture
def seed_project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "seeds.annotator")


@pytest.fixture
def aids_window(qtbot, seed_project: Path, tmp_path: Path) -> Iterator[tuple[MainWindow, ReadingAids]]:  # type: ignore[no-untyped-def]
    window, aids = open_window(qtbot, seed_project, tmp_path)
    qtbot.waitUntil(lambda: not aids.indexer.missing() and not aids.indexer.busy(), timeout=30_000)
    yield window, aids
    window.close()
    window.session.close()
