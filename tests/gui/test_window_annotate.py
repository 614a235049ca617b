"""Selecting by mouse and keyboard and labelling with keys and the palette."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.conftest import TEXT, WHO, assert_file_matches_screen, cp_of, point_of


def test_mouse_drag_then_label_key_creates_span(qtbot, window, project_path):
    start, end = cp_of(TEXT, "プーチン氏")
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=point_of(window, start))
    qtbot.mouseMove(viewport, point_of(window, end))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=point_of(window, end))
    assert window.view.selection_cp() == (start, end)
    assert window.status.text("selection") == f"Sel {start}–{end} ({end - start} chars)"
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    spans = assert_file_matches_screen(window, project_path)
    assert [(s.start, s.end, s.label, s.annotator) for s in spans] == [(start, end, "actor", WHO)]
    assert TEXT[spans[0].start:spans[0].end] == "プーチン氏"
    assert window.session.focused_span_id == spans[0].id


def test_keyboard_selection_shift_arrows(qtbot, window, project_path):
    start, _ = cp_of(TEXT, "北朝鮮")
    window.view.select_cp(start, start)
    for _ in range(3):
        qtbot.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.selection_cp() == (start, start + 3)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    spans = assert_file_matches_screen(window, project_path)
    assert TEXT[spans[0].start:spans[0].end] == "北朝鮮"
    assert spans[0].label == "claim"


def test_keyboard_selection_ctrl_shift_arrows_after_astral(qtbot, window, project_path):
    start, _ = cp_of(TEXT, "𩸽")
    window.view.select_cp(start, start)
    qtbot.keyClick(window.view, Qt.Key.Key_Right,
                   Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    sel = window.view.selection_cp()
    assert sel[0] == start and sel[1] > start
    qtbot.keyClick(window.view, Qt.Key.Key_5)
    spans = assert_file_matches_screen(window, project_path)
    assert (spans[0].start, spans[0].end, spans[0].label) == (sel[0], sel[1], "source")
    assert TEXT[spans[0].start] == "𩸽"


def test_double_click_selects_and_palette_click_labels(qtbot, window, project_path):
    start, end = cp_of(TEXT, "ドローン")
    viewport = window.view.viewport()
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=point_of(window, start + 1))
    sel = window.view.selection_cp()
    assert sel[0] < sel[1]
    item = window.palette_panel.item_for("weapon")
    rect = window.palette_panel.visualItemRect(item)
    qtbot.mouseClick(window.palette_panel.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    spans = assert_file_matches_screen(window, project_path)
    assert [(s.start, s.end, s.label) for s in spans] == [(sel[0], sel[1], "weapon")]


def test_label_key_without_selection_or_focus_does_nothing(qtbot, window, project_path):
    window.view.select_cp(3, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert assert_file_matches_screen(window, project_path) == []
    assert "Select some text" in window.status.currentMessage()


def test_ime_composition_never_creates_a_span(qtbot, window, project_path):
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    start, end = cp_of(TEXT, "金正恩氏")
    window.view.select_cp(start, end)
    QApplication.sendEvent(window.view, QInputMethodEvent("いち", []))
    assert window.view.is_composing()
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # the key confirming the conversion
    commit = QInputMethodEvent("", [])
    commit.setCommitString("1")
    QApplication.sendEvent(window.view, commit)
    assert not window.view.is_composing()
    assert assert_file_matches_screen(window, project_path) == []
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # after the composition, the key labels again
    assert len(assert_file_matches_screen(window, project_path)) == 1
