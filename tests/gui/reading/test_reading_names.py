"""The reading search shows document names and texts as plain text: its tooltips are markup
that shows them literally, and a name's control characters are shown escaped."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import QToolTip

from reading_fixtures import make_project, open_window

NAME = "<b>x</b><img src=x>\u202e"
TEXT = "北朝鮮は<i>発表</i>した。<img src=y>北朝鮮の軍。"


def rendered(rich: str) -> str:
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


def test_search_hits_show_names_and_text_literally(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make_project(tmp_path / "names.annotator", {NAME: TEXT})
    window, aids = open_window(qtbot, path, tmp_path)
    try:
        qtbot.waitUntil(lambda: not aids.indexer.missing() and not aids.indexer.busy(),
                        timeout=30_000)
        panel = aids.search
        hits = panel.run_search("kitachousen")
        assert len(hits) == 2
        model, table = panel.model, panel.table
        panel.show()
        qtbot.waitExposed(panel)
        shown_name = "<b>x</b><img src=x>\\u202e"
        assert model.index(0, 0).data() == shown_name
        for column, literal in ((0, shown_name), (2, None)):
            index = model.index(0, column)
            tip = index.data(Qt.ItemDataRole.ToolTipRole)
            expected = literal if literal is not None else index.data()
            assert rendered(tip) == expected
            assert "<img" not in tip and "<b>" not in tip
            rect = table.visualRect(index)
            event = QHelpEvent(QEvent.Type.ToolTip, rect.center(),
                               table.viewport().mapToGlobal(rect.center()))
            QToolTip.hideText()
            table.viewportEvent(event)
            qtbot.waitUntil(QToolTip.isVisible)
            assert QToolTip.text() == tip
            QToolTip.hideText()
        assert "<i>発表</i>" in model.index(0, 2).data()  # the text itself, unchanged
    finally:
        window.close()
        window.session.close()
