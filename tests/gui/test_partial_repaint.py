"""An edit repaints only the lines it changed, and what the screen then shows is exactly what a
full repaint draws (no stale tag, underline, background or focus anywhere in the paragraph)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QImage, QPaintEvent, QRegion
from PySide6.QtWidgets import QApplication

from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings

from tests.gui.conftest import WHO

#: One long paragraph (it wraps over many lines), astral characters early in it, and a second.
PARAGRAPH = "😀𠮷" + "".join(
    f"北朝鮮はロシアに砲弾{i}万発を送ったと国営通信社が伝えた。金正恩氏は工場を視察した。"
    for i in range(12))
TEXT = PARAGRAPH + "\n" + "二つ目の段落です。ミサイル100発。"
COLLEAGUE = "hana"


@pytest.fixture
def window(qtbot, tmp_path: Path, settings: AppSettings):  # type: ignore[no-untyped-def]
    path = tmp_path / "p.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("long.txt", TEXT, who=WHO)
        at = 0
        for i, word in enumerate(("北朝鮮", "砲弾", "国営通信社", "金正恩氏", "工場") * 6):
            at = TEXT.index(word, at)
            project.add_span(doc.id, at, at + len(word), ("actor", "weapon", "source",
                             "actor", "claim")[i % 5], COLLEAGUE if i % 3 == 0 else WHO)
            at += 1
    session = Session(Project.open(path), WHO)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.open_document(doc.id)
    qtbot.waitUntil(lambda: win.view.document().firstBlock().layout().lineCount() > 1)
    yield win
    win.close()
    session.close()


class _Regions(QObject):
    def __init__(self, widget) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.region = QRegion()
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]  # noqa: N802
        if event.type() == QEvent.Type.Paint and isinstance(event, QPaintEvent):
            self.region += event.region()
        return False


def _screen(window: MainWindow) -> QImage:
    """What the window shows now (its backing store), not a fresh paint."""
    view = window.view.viewport()
    top_left = view.mapTo(window, QPoint(0, 0))
    image = QApplication.primaryScreen().grabWindow(window.winId()).toImage()
    return image.copy(top_left.x(), top_left.y(), view.width(), view.height())


def _settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(5)


def test_an_edit_repaints_its_lines_and_the_screen_matches_a_full_repaint(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    session, view = window.session, window.view
    doc = view.document()
    block = doc.firstBlock()
    assert block.layout().lineCount() >= 6  # the paragraph wraps over many lines
    paragraph = view.blockBoundingGeometry(block).translated(view.contentOffset()).toAlignedRect()
    view.viewport().repaint()
    _settle(qtbot)
    regions = _Regions(view.viewport())
    start = TEXT.index("送った")

    def check(what: str) -> QRegion:
        """The region the edit repainted; the screen after it is what a full repaint draws."""
        _settle(qtbot)
        painted = QRegion(regions.region)
        shown = _screen(window)
        view.viewport().repaint()
        _settle(qtbot)
        assert _screen(window) == shown, f"stale pixels after {what}"
        regions.region = QRegion()
        return painted

    regions.region = QRegion()
    span = session.create_span(start, start + 3, "claim")  # focused: outlined, tagged
    painted = check("a create").boundingRect()
    assert not painted.isEmpty()
    assert painted.height() < paragraph.height() / 2, (painted, paragraph)
    inner = session.create_span(start + 1, start + 2, "number")  # nested: stacked rows
    check("a nested create")
    session.focus_span(span.id)
    check("a focus change")
    assert session.update_span(span.id, "Relabel", label="source")
    check("a relabel")
    assert session.update_span(span.id, "Resize", end=start + 5)
    check("a resize")
    session.delete_span(inner.id)
    check("a delete")
    session.undo()
    check("an undo")
    (first,) = [s for s in session.index if s.start == TEXT.index("北朝鮮") and s.end - s.start == 3]
    session.delete_span(first.id)  # the first span, after the astral characters
    check("a delete at the paragraph's start")


def test_an_edit_beside_a_relation_s_tag_redraws_its_arc(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """A new tag pushes the tags beside it along the line: the arcs anchored on them are
    drawn anew (the screen is what a full repaint draws)."""
    session, view = window.session, window.view
    claim_at = TEXT.index("送った")
    claim = session.create_span(claim_at, claim_at + 3, "claim")
    # a source some lines below: the arc crosses lines the new tag's repaint does not
    source = max((s for s in session.index if s.label == "source" and s.annotator == WHO),
                 key=lambda s: s.start)
    layout = view.document().firstBlock().layout()
    assert layout.lineForTextPosition(source.start + 2).lineNumber() \
        >= layout.lineForTextPosition(claim_at + 2).lineNumber() + 3
    assert window.relations.actions.create(claim.id, source.id, "attributed_to")
    session.focus_span(None)
    view.viewport().repaint()
    _settle(qtbot)
    assert window.relations.arcs.drawn
    before = window.editor.tags.tag_rect(claim.id)
    session.create_span(claim_at - 1, claim_at + 2, "number")  # starts just before the claim
    _settle(qtbot)
    after = window.editor.tags.tag_rect(claim.id)
    assert before is not None and after is not None and after.left() > before.left()
    shown = _screen(window)
    view.viewport().repaint()
    _settle(qtbot)
    assert _screen(window) == shown, "the arc at the pushed tag was left as it was"
