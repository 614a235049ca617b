"""The label-set editor: every change stored in the project and undoable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QMessageBox

from annotator.store import Project
from tests.gui.conftest import TEXT, assert_file_matches_screen, cp_of


def stored_labels(path):
    with Project.open(path) as project:
        return [(lab.name, lab.key, lab.color, lab.description) for lab in project.labels()]


def editor_for(window):
    window.actions_registry.action("edit.labels").trigger()
    return window.label_editor


def test_add_rename_rekey_describe_recolour_and_undo(qtbot, window, project_path, monkeypatch):
    editor = editor_for(window)
    assert editor.isVisible()
    editor.buttons["add"].click()
    assert stored_labels(project_path)[-1] == ("label", "6", "#76b7b2", "")
    row = editor.table.rowCount() - 1
    editor.table.item(row, 0).setText("place")
    editor.table.item(row, 1).setText("p")
    editor.table.item(row, 3).setText("A <i>place</i> name.")
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor("#123456")))
    editor.buttons["color"].click()
    assert stored_labels(project_path)[-1] == ("place", "p", "#123456", "A <i>place</i> name.")
    assert window.palette_panel.names()[-1] == "place"
    # The new key labels at once.
    start, end = cp_of(TEXT, "ロシア軍")
    window.view.select_cp(start, end)
    qtbot.keyClick(window.view, Qt.Key.Key_P)
    assert [s.label for s in assert_file_matches_screen(window, project_path)] == ["place"]
    for _ in range(6):  # the span, colour, description, key, name, the label itself
        window.session.undo()
    assert [name for name, *_ in stored_labels(project_path)] == [
        "claim", "actor", "weapon", "number", "source"]
    assert window.palette_panel.names() == ["claim", "actor", "weapon", "number", "source"]


def test_rename_relabels_shown_spans_and_refuses_duplicate_key(qtbot, window, project_path):
    start, end = cp_of(TEXT, "北朝鮮")
    window.view.select_cp(start, end)
    window.editor.apply_label("actor")
    editor = editor_for(window)
    editor.table.item(1, 0).setText("party")
    spans = assert_file_matches_screen(window, project_path)
    assert spans[0].label == "party"
    editor.table.item(1, 1).setText("1")  # already claim's key
    assert "already used" in window.status.currentMessage()
    assert editor.table.item(1, 1).text() == "2"
    assert stored_labels(project_path)[1][:2] == ("party", "2")


def test_reorder_and_remove_with_spans(qtbot, window, project_path):
    start, end = cp_of(TEXT, "砲弾")
    window.view.select_cp(start, end)
    window.editor.apply_label("weapon")
    editor = editor_for(window)
    editor.table.setCurrentCell(2, 0)
    editor.buttons["up"].click()
    assert [n for n, *_ in stored_labels(project_path)][:3] == ["claim", "weapon", "actor"]
    editor.buttons["remove"].click()
    box = editor.findChild(QMessageBox, "confirmMessage")
    assert box is not None and box.isVisible()
    assert box.text().startswith("1 span carries the label “weapon”. Remove the label and that "
                                 "span?")
    assert "weapon" in [n for n, *_ in stored_labels(project_path)]  # nothing before Yes
    box.button(QMessageBox.StandardButton.Yes).click()
    assert "weapon" not in [n for n, *_ in stored_labels(project_path)]
    assert assert_file_matches_screen(window, project_path) == []
    window.session.undo()
    assert [n for n, *_ in stored_labels(project_path)][:3] == ["claim", "weapon", "actor"]
    assert [s.label for s in assert_file_matches_screen(window, project_path)] == ["weapon"]
