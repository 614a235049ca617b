"""Fixtures: a window on the seed project with the reading aids installed and indexed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.reading import ReadingAids, install
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from reading_fixtures import WHO, make_project


@pytest.fixture
def seed_project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "seeds.annotator")


def open_window(qtbot, path: Path, tmp_path: Path) -> tuple[MainWindow, ReadingAids]:  # type: ignore[no-untyped-def]
    settings = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    session = Session(Project.open(path), WHO)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    aids = install(window)
    window.restore()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    return window, aids


@pytest.fixture
def aids_window(qtbot, seed_project: Path, tmp_path: Path) -> Iterator[tuple[MainWindow, ReadingAids]]:  # type: ignore[no-untyped-def]
    window, aids = open_window(qtbot, seed_project, tmp_path)
    qtbot.waitUntil(lambda: not aids.indexer.missing() and not aids.indexer.busy(), timeout=30_000)
    yield window, aids
    window.close()
    window.session.close()
