"""Helpers for the reading-aid window tests: the seed project (with astral copies), points."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from annotator.domain.offsets import Utf16Map
from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.reading import ReadingAids, install
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
WHO = "tester"
ASTRAL = "😀𠮷🇯🇵𩸽"


def seed_texts() -> dict[str, str]:
    """Document name -> text: the astral copies first (so they open first), then the seeds."""
    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    astral = {"astral_" + n: ASTRAL + t.replace("\n", "\n" + ASTRAL) for n, t in seeds.items()}
    return {**astral, **seeds}


def make_project(path: Path, texts: dict[str, str] | None = None) -> Path:
    with Project.open(path) as project:
        for name, text in (texts or seed_texts()).items():
            project.add_document(name, text, who=WHO)
    return path


def occurrences(text: str, word: str) -> list[tuple[int, int]]:
    out, i = [], text.find(word)
    while i != -1:
        out.append((i, i + len(word)))
        i = text.find(word, i + 1)
    return out


def point_at(window: MainWindow, cp: int, right: bool = False) -> QPoint:
    """Viewport point inside character ``cp`` (its left or right quarter)."""
    view = window.view
    offsets = Utf16Map(view.canonical_text)
    cursor = QTextCursor(view.document())
    cursor.setPosition(offsets.to_utf16(cp))
    left = view.cursorRect(cursor)
    cursor.setPosition(offsets.to_utf16(cp + 1))
    nxt = view.cursorRect(cursor)
    width = max(4, nxt.center().x() - left.center().x()) if nxt.top() == left.top() else 8
    x = left.center().x() + (3 * width // 4 if right else width // 4)
    return QPoint(x, left.center().y())


def stored(path: Path, **filters: object):  # type: ignore[no-untyped-def]
    """Spans in the project file, read through a separate connection."""
    with Project.open(path) as project:
        return project.spans(**filters)  # type: ignore[arg-type]


def type_text(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` into ``widget``: ASCII as key presses, anything else as an input-method
    commit (how Japanese reaches a field: QTest cannot press keys for kana)."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def open_window(qtbot, path: Path, tmp_path: Path, *, readings: bool = True) -> tuple[MainWindow, ReadingAids]:  # type: ignore[no-untyped-def]
    """The window with the reading aids; ``readings``: the Readings panel opened, as an analyst
    reading it does (it starts folded, and a hidden panel reads nothing until shown)."""
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
    if readings:
        aids.readings.show()
        aids.readings.raise_()
        QApplication.processEvents()  # the window's layout settles around the shown panel
    window.view.setFocus()
    return window, aids
