"""Fixtures for the window tests: a project whose text has astral characters before every
span, a window on it with private settings, and helpers comparing the file with the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QColor, QTextCursor

from annotator.domain.offsets import Utf16Map
from annotator.domain.spans import Span
from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings

# Emoji and 𠮷 (U+20BB7) before every span: a UTF-16 slip would shift each span by 1-3.
TEXT = (
    "😀𠮷野家の記事🇯🇵\n"
    "プーチン氏は北朝鮮を訪問した。金正恩氏は砲弾を提供した。\n"
    "𩸽と😀のあとで、ロシア軍はドローン5機を受け取った。\n"
    "終わり。"
)
SECOND = "二つ目の文書です。ミサイル100発。"
WHO = "tester"


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    path = tmp_path / "test.annotator"
    with Project.open(path) as project:
        project.add_document("astral.txt", TEXT, who=WHO)
        project.add_document("second.txt", SECOND, who=WHO)
    return path


@pytest.fixture
def window(qtbot, project_path: Path, settings: AppSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    session = Session(Project.open(project_path), WHO)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.restore()
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow())
    win.view.setFocus()
    yield win
    win.close()
    session.close()


def stored_spans(path: Path, document_id: int = 1) -> list[Span]:
    """The spans in the project file, read through a separate connection."""
    with Project.open(path) as project:
        return project.spans(document_id)


def shown(window: MainWindow) -> list[tuple[int, int, str, str]]:
    """(start, end, label, text) of every row of the span table, in start order."""
    model = window.span_table.span_model
    rows = []
    for row in range(model.rowCount()):
        span = window.session.index.get(model.span_id(row))
        rows.append((span.start, span.end, span.label, model.index(row, 1).data()))
    return sorted(rows)


def drawn_background(window: MainWindow, cp: int) -> QColor | None:
    """The background colour the highlighter gave the character at ``cp`` (None: none)."""
    doc = window.view.document()
    u16 = Utf16Map(window.session.text).to_utf16(cp)
    block = doc.findBlock(u16)
    offset = u16 - block.position()
    for fmt_range in block.layout().formats():
        if fmt_range.start <= offset < fmt_range.start + fmt_range.length:
            brush = fmt_range.format.background()
            return brush.color() if brush.style() != 0 else None
    return None


def assert_file_matches_screen(window: MainWindow, path: Path) -> list[Span]:
    """The project file holds exactly the spans the table, index and highlighter show."""
    session = window.session
    doc_id = session.document.id
    spans = stored_spans(path, doc_id)
    text = session.text
    assert [(s.start, s.end, s.label, text[s.start:s.end][:60]) for s in spans] == shown(window)
    assert sorted(s.id for s in spans) == sorted(s.id for s in session.index)
    colors = session.colors()
    for span in spans:
        primary = session.index.spans_at(span.start)[0]
        color = drawn_background(window, span.start)
        assert color is not None, f"span {span} is not drawn"
        if primary.id != session.focused_span_id:
            assert color.name() == QColor(colors[primary.label]).name()
    assert window.status.text("spans") == f"{len(spans)} spans"
    return spans


def point_of(window: MainWindow, cp: int) -> QPoint:
    """Viewport point at the boundary before code point ``cp``."""
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(Utf16Map(window.session.text).to_utf16(cp))
    return window.view.cursorRect(cursor).center()


def cp_of(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)
