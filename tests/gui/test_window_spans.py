"""A focused span: overlaps, relabel, nudge, delete, note, navigation, undo and redo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from annotator.ui.dialogs.prompts import NoteDialog
from tests.gui.conftest import (
    TEXT,
    assert_file_matches_screen,
    cp_of,
    drawn_background,
    point_of,
)
from tests.gui.test_editing_flow import drive_dialog

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def make(window, needle, label):
    start, end = cp_of(TEXT, needle)
    window.view.select_cp(start, end)
    return window.editor.apply_label(label)


def test_overlapping_spans_are_drawn_listed_and_reachable(qtbot, window, project_path):
    outer = make(window, "プーチン氏は北朝鮮", "claim")
    inner = make(window, "北朝鮮", "actor")
    window.session.focus_span(None)
    spans = assert_file_matches_screen(window, project_path)
    assert len(spans) == 2
    # Outer span as background over the overlap, inner one as an underline.
    overlap = inner.start + 1
    assert drawn_background(window, overlap).name() == QColor("#f28e2b").name()
    block = window.view.document().findBlockByNumber(1)
    ranges = block.layout().formats()
    underlines = [r.format.underlineColor().name() for r in ranges
                  if r.format.underlineStyle() != r.format.UnderlineStyle.NoUnderline]
    assert underlines == [QColor("#4e79a7").name()]
    # The "spans here" panel lists both; clicks on the text cycle through them, innermost first.
    window.spans_here.set_position(overlap)
    assert window.spans_here.span_ids() == [inner.id, outer.id]  # innermost first
    viewport = window.view.viewport()
    point = point_of(window, overlap)
    point.setX(point.x() + 3)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    assert window.session.focused_span_id == inner.id
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    assert window.session.focused_span_id == outer.id
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    assert window.session.focused_span_id == inner.id
    # A click on a row of the panel picks that span too.
    item = window.spans_here.item(1)
    qtbot.mouseClick(window.spans_here.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.spans_here.visualItemRect(item).center())
    assert window.session.focused_span_id == outer.id


def test_relabel_nudge_delete_by_keys_and_undo_redo(qtbot, window, project_path):
    span = make(window, "金正恩氏", "claim")
    view = window.view
    assert window.session.focused_span_id == span.id
    qtbot.keyClick(view, Qt.Key.Key_2)  # relabel
    assert [s.label for s in assert_file_matches_screen(window, project_path)] == ["actor"]
    qtbot.keyClick(view, Qt.Key.Key_Right, ALT)  # end + 1
    qtbot.keyClick(view, Qt.Key.Key_Left, ALT | SHIFT)  # start - 1
    spans = assert_file_matches_screen(window, project_path)
    assert (spans[0].start, spans[0].end) == (span.start - 1, span.end + 1)
    assert spans[0].id == span.id
    qtbot.keyClick(view, Qt.Key.Key_Left, ALT)  # end - 1
    qtbot.keyClick(view, Qt.Key.Key_Right, ALT | SHIFT)  # start + 1
    spans = assert_file_matches_screen(window, project_path)
    assert (spans[0].start, spans[0].end, spans[0].label) == (span.start, span.end, "actor")
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert assert_file_matches_screen(window, project_path) == []
    # Undo everything back, step by step, with the three undo/redo keys.
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert len(assert_file_matches_screen(window, project_path)) == 1
    for _ in range(6):  # four nudges, the relabel, the creation
        qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert assert_file_matches_screen(window, project_path) == []
    assert not window.actions_registry.action("edit.undo").isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL | SHIFT)  # redo create
    spans = assert_file_matches_screen(window, project_path)
    assert [(s.id, s.label) for s in spans] == [(span.id, "claim")]
    qtbot.keyClick(view, Qt.Key.Key_Y, CTRL)  # redo relabel
    assert [s.label for s in assert_file_matches_screen(window, project_path)] == ["actor"]


def test_nudge_refuses_to_empty_a_span(qtbot, window, project_path):
    span = make(window, "終", "claim")
    qtbot.keyClick(window.view, Qt.Key.Key_Left, ALT)
    assert "cannot become empty" in window.status.currentMessage()
    spans = assert_file_matches_screen(window, project_path)
    assert (spans[0].start, spans[0].end) == (span.start, span.end)


def test_note_key_edits_note(qtbot, window, project_path, monkeypatch):
    make(window, "砲弾", "weapon")
    asked = []

    def type_note(dialog):
        asked.append(dialog.edit.toPlainText())
        qtbot.keyClicks(dialog.edit, "155 mm <b>shells</b>")
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return, CTRL)

    drive_dialog(monkeypatch, NoteDialog, type_note)
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    assert asked == [""]
    spans = assert_file_matches_screen(window, project_path)
    assert spans[0].note == "155 mm <b>shells</b>"
    model = window.span_table.span_model
    assert model.index(0, 5).data() == "155 mm <b>shells</b>"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert assert_file_matches_screen(window, project_path)[0].note is None


def test_next_and_previous_span_keys(qtbot, window, project_path):
    first = make(window, "プーチン氏", "actor")
    second = make(window, "北朝鮮", "actor")
    third = make(window, "ドローン", "weapon")
    window.session.focus_span(None)
    window.view.select_cp(0, 0)
    qtbot.keyClick(window.view, Qt.Key.Key_Down, ALT)
    assert window.session.focused_span_id == first.id
    qtbot.keyClick(window.view, Qt.Key.Key_F8)
    assert window.session.focused_span_id == second.id
    qtbot.keyClick(window.view, Qt.Key.Key_Down, ALT)
    assert window.session.focused_span_id == third.id
    qtbot.keyClick(window.view, Qt.Key.Key_Up, ALT)
    assert window.session.focused_span_id == second.id
    assert window.span_table.currentIndex().row() == 1


def test_duplicate_span_is_refused_with_a_message(qtbot, window, project_path):
    make(window, "北朝鮮", "actor")
    make(window, "北朝鮮", "actor")
    assert "already has" in window.status.currentMessage()
    assert len(assert_file_matches_screen(window, project_path)) == 1


def test_delete_focuses_the_next_span_so_presses_clear_a_run(qtbot, window, project_path):
    first = make(window, "金正恩氏", "actor")
    second = make(window, "砲弾", "weapon")
    third = make(window, "ドローン5機", "weapon")
    window.session.focus_span(first.id)
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert window.session.focused_span_id == second.id
    assert [s.id for s in assert_file_matches_screen(window, project_path)] == [second.id, third.id]
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert window.session.focused_span_id == third.id
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # each press is its own undo step
    assert [s.id for s in assert_file_matches_screen(window, project_path)] == [second.id, third.id]
