"""Text first: the window's layout on first start at 1280x800 (and 1920x1080), measured on the
real widgets with the review and reading extensions installed as the application does.

The text column gets at least 55% of the width, every label of the default set is visible with
its key in the palette without scrolling, the span table's columns fit its panel (no sideways
scrolling, the End column whole), the find field is at least 200 px wide, secondary panels
start hidden and a changed layout comes back in a new window with the same settings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from annotator.domain.labels import DEFAULT_LABELS
from annotator.store import Project
from annotator.ui.app import EXTENSIONS
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings

WHO = "hana"
LONG_NAME = "2023-09-13_北朝鮮_ロシア_首脳会談_be41f9e744db60e0.txt"
TEXT = (
    "記事のポイント\n"
    "・プーチン氏は、「ロシアを米国の覇権に対抗する存在にする」という野望があり、"
    "そのために北朝鮮からロシア軍への軍需品供与を必要としています。\n"
    "・一方の金正恩氏が求めているのは、衛星技術や戦闘機、"
    "軍備増強のための知見です。\n"
) * 100
SECONDARY_DOCKS = ("readingsDock", "numberValueDock", "readingSearchDock")


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    path = tmp_path / "layout.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document(LONG_NAME, TEXT, who=WHO)
        project.add_document("short.txt", "二つ目の文書です。", who=WHO)
        doc_id = doc.id
        # Five-digit offsets near the end of the text.
        for i, word in enumerate(("プーチン", "北朝鮮", "金正恩", "衛星技術", "戦闘機")):
            start = TEXT.rindex(word)
            label = ("actor", "actor", "actor", "weapon", "weapon")[i]
            project.add_span(doc_id, start, start + len(word), label, WHO, who=WHO)
    return path


OpenWindow = Callable[..., MainWindow]


@pytest.fixture
def open_window(qtbot, project_path: Path,  # type: ignore[no-untyped-def]
                tmp_path: Path) -> Iterator[OpenWindow]:
    """Opens a window as the application does (extensions, restore, show) at a size, on
    settings kept in ``tmp_path`` (the same for every window opened by one test)."""
    opened: list[MainWindow] = []
    settings_file = str(tmp_path / "settings.ini")

    def _open(width: int = 1280, height: int = 800) -> MainWindow:
        qsettings = QSettings(settings_file, QSettings.Format.IniFormat)
        # The offscreen screen is smaller than 1280x800 and Qt fits a restored geometry into
        # the screen: reopen at the same size instead (docks and splitters are restored).
        qsettings.remove("window/geometry")
        settings = AppSettings(qsettings)
        session = Session(Project.open(project_path), WHO)
        window = MainWindow(session, settings)
        qtbot.addWidget(window)
        for name in EXTENSIONS:
            importlib.import_module(name).install(window)
        window.resize(width, height)
        window.restore()
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.editor.width() > 0)
        opened.append(window)
        return window

    yield _open
    for window in opened:
        if window.isVisible():
            window.close()
        window.session.close()


def _share(window: MainWindow) -> float:
    return window.editor.width() / window.width()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_text_takes_at_least_55_percent_of_the_width(  # type: ignore[no-untyped-def]
        open_window, size) -> None:
    window = open_window(*size)
    assert (window.width(), window.height()) == size
    assert _share(window) >= 0.55, (window.splitter.sizes(), window.width())
    assert window.view.viewport().width() >= 0.5 * window.width()


def test_secondary_docks_start_hidden_and_listed_in_the_view_menu(  # type: ignore[no-untyped-def]
        open_window) -> None:
    window = open_window()
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    view_menu = set(window.menus["View"].actions())
    for name in SECONDARY_DOCKS:
        dock = docks[name]
        assert not dock.isVisible(), name
        assert dock.toggleViewAction() in view_menu


def test_every_default_label_is_visible_with_its_key(  # type: ignore[no-untyped-def]
        open_window) -> None:
    window = open_window()
    palette = window.palette_panel
    assert [lab.name for lab in window.session.labels] == [lab.name for lab in DEFAULT_LABELS]
    viewport = palette.viewport().rect()
    assert not palette.verticalScrollBar().isVisible()
    assert not palette.horizontalScrollBar().isVisible()
    for row, label in enumerate(DEFAULT_LABELS):
        item = palette.item(row)
        rect = palette.visualItemRect(item)
        assert viewport.contains(rect), (label.name, rect, viewport)
        assert item.text() == f"{label.key}  {label.name}"  # one line: key and name
        text_width = palette.fontMetrics().horizontalAdvance(item.text())
        assert rect.width() >= text_width + palette.iconSize().width()
        assert label.description and label.description in item.toolTip()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_span_table_columns_fit_without_sideways_scrolling(  # type: ignore[no-untyped-def]
        open_window, size) -> None:
    window = open_window(*size)
    table = window.span_table
    assert table.span_model.rowCount() == 5
    assert not table.horizontalScrollBar().isVisible()
    assert table.horizontalScrollBar().maximum() == 0
    width = table.viewport().width()
    header = table.horizontalHeader()
    end_column = 3
    assert table.columnViewportPosition(end_column) + table.columnWidth(end_column) <= width
    last = header.logicalIndex(header.count() - 1)
    assert table.columnViewportPosition(last) + table.columnWidth(last) <= width
    # The offsets and the label names fit their cells.
    fm = table.fontMetrics()
    for row in range(table.span_model.rowCount()):
        for column in (2, 3):
            value = str(table.span_model.index(row, column).data())
            assert fm.horizontalAdvance(value) < table.columnWidth(column), value
        label = str(table.span_model.index(row, 0).data())
        assert fm.horizontalAdvance(label) + 16 < table.columnWidth(0), label
    assert table.columnWidth(1) >= 40  # the Text column keeps some room


def test_document_names_elide_in_the_middle_with_a_tooltip(  # type: ignore[no-untyped-def]
        open_window) -> None:
    window = open_window()
    view = window.documents.view
    assert view.textElideMode() == Qt.TextElideMode.ElideMiddle
    index = view.model().index(0, 0)
    assert index.data() == LONG_NAME
    assert LONG_NAME in index.data(Qt.ItemDataRole.ToolTipRole)
    # The name column gets the room: span count and status mark are narrow.
    assert view.columnWidth(0) >= 100
    assert view.model().index(0, 2).data() == "new"  # the status is a mark, its text kept


def test_find_field_is_at_least_200_px(  # type: ignore[no-untyped-def]
        qtbot, open_window) -> None:
    window = open_window()
    sizes = window.splitter.sizes()
    window.actions_registry.action("edit.find").trigger()
    bar = window.editor.find_bar
    qtbot.waitUntil(bar.isVisible)
    assert bar.edit.width() >= 200
    assert window.splitter.sizes() == sizes


def test_panel_state_is_remembered_across_a_restart(  # type: ignore[no-untyped-def]
        qtbot, open_window) -> None:
    window = open_window()
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    docks["readingsDock"].toggleViewAction().trigger()
    assert docks["readingsDock"].isVisible()
    QApplication.processEvents()
    side = window.side.sizes()
    side = [side[0], side[1] + 30, side[2] + 30, side[3] - 60]
    window.side.setSizes(side)
    side = window.side.sizes()
    main = window.splitter.sizes()
    window.close()
    again = open_window()
    docks = {d.objectName(): d for d in again.findChildren(QDockWidget)}
    assert docks["readingsDock"].isVisible()
    assert not docks["numberValueDock"].isVisible()
    assert not docks["readingSearchDock"].isVisible()
    assert again.side.sizes() == side
    assert again.splitter.sizes() == main


def test_first_start_layout_is_not_forced_on_a_restored_window(  # type: ignore[no-untyped-def]
        open_window) -> None:
    window = open_window()
    narrow = window.splitter.sizes()
    narrow = [narrow[0] + 100, narrow[1] - 100, narrow[2]]
    window.splitter.setSizes(narrow)
    narrow = window.splitter.sizes()
    window.close()
    again = open_window()
    assert (again.width(), again.height()) == (1280, 800)
    assert again.splitter.sizes() == narrow
