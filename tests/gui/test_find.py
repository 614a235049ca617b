"""Ctrl+F: every hit highlighted; "label all hits" is one undoable step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import TEXT, assert_file_matches_screen

CTRL = Qt.KeyboardModifier.ControlModifier


def type_japanese(widget, text):
    """Type ``text`` as an input method delivers it: a preedit, then the commit."""
    QApplication.sendEvent(widget, QInputMethodEvent(text, []))
    commit = QInputMethodEvent("", [])
    commit.setCommitString(text)
    QApplication.sendEvent(widget, commit)


def test_find_highlights_every_hit_and_labels_all_in_one_step(qtbot, window, project_path):
    qtbot.keyClick(window.view, Qt.Key.Key_F, CTRL)
    bar = window.editor.find_bar
    assert bar.isVisible() and bar.edit.hasFocus()
    type_japanese(bar.edit, "氏")
    expected = [(i, i + 1) for i, c in enumerate(TEXT) if c == "氏"]
    assert len(expected) == 2
    assert bar.hits == expected
    assert window.view.transient_ranges("find") == expected
    assert bar.count_label.text() == "1 of 2"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert window.view.selection_cp() == expected[0]
    bar.label_combo.setCurrentText("actor")
    qtbot.mouseClick(bar.label_all_button, Qt.MouseButton.LeftButton)
    spans = assert_file_matches_screen(window, project_path)
    assert [(s.start, s.end, s.label) for s in spans] == [(a, b, "actor") for a, b in expected]
    assert all(TEXT[s.start:s.end] == "氏" for s in spans)
    # Labelling again adds nothing (exact duplicates are skipped).
    assert bar.label_all() == 0
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert assert_file_matches_screen(window, project_path) == []
    qtbot.keyClick(window.view, Qt.Key.Key_Y, CTRL)
    assert len(assert_file_matches_screen(window, project_path)) == 2


def test_find_after_astral_characters_and_escape_closes(qtbot, window):
    window.editor.find_bar.open_bar()
    bar = window.editor.find_bar
    type_japanese(bar.edit, "ロシア軍")
    start = TEXT.index("ロシア軍")
    assert bar.hits == [(start, start + 4)]
    bar.next_hit()
    assert window.view.selection_cp() == (start, start + 4)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.view.transient_ranges("find") == []


def test_find_ignores_case_unless_asked(qtbot, window):
    bar = window.editor.find_bar
    bar.open_bar()
    window.session.open_document(2)
    type_japanese(bar.edit, "ミサイル")
    assert len(bar.hits) == 1
    bar.edit.setText("nothing here")
    assert bar.hits == [] and bar.count_label.text() == "no hits"
    assert not bar.label_all_button.isEnabled()
