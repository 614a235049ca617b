"""A relation's note, edited from the Relations list with real keys: N or F2 (or the row's
context menu) opens the span note's dialog (Ctrl+Enter saves, Enter starts a new line, Tab
moves the focus, Esc cancels); the note is saved, shown in the list's Note column and its
tooltip, undone and redone; another layer's relation is read-only; a note written by another
process reaches the list."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPlainTextEdit

from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.relations_panel import RelationNoteDialog
from tests.gui.test_editing_flow import drive_dialog
from tests.gui.test_find import type_japanese
from tests.gui.test_relations_live import other_process
from tests.gui.test_relations_window import ctrl, rel_path, span_at, stored, win

__all__ = ["rel_path", "win"]  # the fixtures, used by name

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def note_of(path: Path, relation_id: str) -> str | None:
    return {r.id: r for r in stored(path)}[relation_id].note


def into_list(qtbot, win: MainWindow, span_id: str) -> None:  # type: ignore[no-untyped-def]
    """Focus ``span_id`` and put the keyboard in its relation list (Ctrl+Shift+L)."""
    win.session.focus_span(span_id)
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_L, CTRL | SHIFT)
    assert win.relations.panel.list.hasFocus()


def test_note_by_keys_shown_undone_and_redone(qtbot, win: MainWindow, rel_path: Path,  # type: ignore[no-untyped-def]
                                              monkeypatch) -> None:
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    actor = span_at(win, "金氏")
    rid = win.relations.actions.create(claim.id, source.id, "attributed_to")
    other = win.relations.actions.create(claim.id, actor.id, "involves")
    assert rid and other
    panel = win.relations.panel
    into_list(qtbot, win, claim.id)
    panel.select(rid)

    def type_note(dialog: RelationNoteDialog) -> None:
        assert dialog.windowTitle() == "Relation note"
        edit = dialog.findChild(QPlainTextEdit, "noteEdit")
        assert edit.hasFocus() and edit.toPlainText() == ""
        qtbot.keyClicks(edit, "CNN quoting ")
        type_japanese(edit, "金氏")  # as an input method types it
        qtbot.keyClick(edit, Qt.Key.Key_Tab)  # moves the focus, types nothing
        assert not edit.hasFocus() and edit.toPlainText() == "CNN quoting 金氏"
        assert isinstance(QApplication.focusWidget().parent(), QDialogButtonBox)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, SHIFT)
        assert edit.hasFocus()
        qtbot.keyClick(edit, Qt.Key.Key_Return)  # a new line: the dialog stays open
        assert dialog.isVisible()
        qtbot.keyClicks(edit, "second hand")
        qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
        assert not dialog.isVisible()

    shown = drive_dialog(monkeypatch, RelationNoteDialog, type_note)
    qtbot.keyClick(panel.list, Qt.Key.Key_N)
    assert len(shown) == 1
    prompt = shown[0].layout().itemAt(0).widget().text()
    assert "attributed_to relation claim 「戦闘機や飛行場の様子を見学し」 → source 「米CNN」" in prompt
    assert note_of(rel_path, rid) == "CNN quoting 金氏\nsecond hand"
    assert note_of(rel_path, other) is None  # only the selected relation
    assert panel.current_relation().id == rid and panel.list.hasFocus()
    item = panel.list.currentItem()
    assert item.text(3) == "CNN quoting 金氏 ⏎ second hand"
    assert "note: CNN quoting 金氏<br>second hand" in item.toolTip(0)
    assert "attributed_to" in win.status.currentMessage()

    # F2 opens it too; Esc keeps the note as it was
    def cancel(dialog: RelationNoteDialog) -> None:
        edit = dialog.findChild(QPlainTextEdit, "noteEdit")
        assert edit.toPlainText() == "CNN quoting 金氏\nsecond hand"
        qtbot.keyClicks(edit, " x")
        qtbot.keyClick(edit, Qt.Key.Key_Escape)

    shown = drive_dialog(monkeypatch, RelationNoteDialog, cancel)
    qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    assert len(shown) == 1
    assert note_of(rel_path, rid) == "CNN quoting 金氏\nsecond hand"

    # the row's context menu: an emptied note is no note
    def empty(dialog: RelationNoteDialog) -> None:
        edit = dialog.findChild(QPlainTextEdit, "noteEdit")
        edit.selectAll()
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
        qtbot.keyClick(edit, Qt.Key.Key_Tab)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)
        assert not dialog.isVisible()

    shown = drive_dialog(monkeypatch, RelationNoteDialog, empty)
    menu = panel.row_menu()
    entry = next(a for a in menu.actions() if a.text().startswith("Edit Note…"))
    assert entry.text().endswith("\tN")
    entry.trigger()
    assert len(shown) == 1
    assert note_of(rel_path, rid) is None
    assert panel.list.currentItem().text(3) == ""

    # undo brings the note back, redo takes it away again; the list follows the file
    win.view.setFocus()
    ctrl(qtbot, win, Qt.Key.Key_Z)
    assert note_of(rel_path, rid) == "CNN quoting 金氏\nsecond hand"
    assert win.relations.state.relations.get(rid).note == "CNN quoting 金氏\nsecond hand"
    rows = {panel.list.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole):
            panel.list.topLevelItem(i).text(3) for i in range(panel.list.topLevelItemCount())}
    assert rows == {rid: "CNN quoting 金氏 ⏎ second hand", other: ""}
    ctrl(qtbot, win, Qt.Key.Key_Z)
    assert note_of(rel_path, rid) is None
    qtbot.keyClick(win.view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert note_of(rel_path, rid) == "CNN quoting 金氏\nsecond hand"
    qtbot.keyClick(win.view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert note_of(rel_path, rid) is None
    assert {r.id for r in stored(rel_path)} == {rid, other}  # the relations themselves stay


def test_a_colleagues_relation_note_is_read_only(qtbot, win: MainWindow, rel_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch) -> None:
    theirs = span_at(win, "米CNN", who="hana")
    with Project.open(rel_path) as project:
        hana_claim = project.add_span(1, theirs.end + 2, theirs.end + 5, "claim", "hana")
        rid = project.add_relation(hana_claim.id, theirs.id, "attributed_to", who="hana",
                                   note="hers").id
    win.session.sync()
    qtbot.waitUntil(lambda: win.relations.state.relations.get(rid) is not None, timeout=2000)
    shown = drive_dialog(monkeypatch, RelationNoteDialog, lambda _dialog: None)
    into_list(qtbot, win, theirs.id)
    win.relations.panel.select(rid)
    assert win.relations.panel.list.currentItem().text(3) == "hers"
    qtbot.keyClick(win.relations.panel.list, Qt.Key.Key_N)
    assert shown == []
    assert "hana's layer, read-only here" in win.status.currentMessage()
    assert note_of(rel_path, rid) == "hers"


def test_a_note_written_elsewhere_reaches_the_list(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    rid = win.relations.actions.create(claim.id, source.id, "attributed_to")
    win.session.focus_span(claim.id)
    panel = win.relations.panel
    other_process(rel_path, ["note", rid, "checked by hana"])
    qtbot.waitUntil(lambda: panel.list.topLevelItem(0).text(3) == "checked by hana",
                    timeout=2000)
    assert win.relations.state.relations.get(rid).note == "checked by hana"
    assert win.session.focused_span_id == claim.id
