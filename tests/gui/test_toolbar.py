"""The toolbar's Undo and Redo: they undo and redo, follow the undo stack, and keep their size
while the Edit menu's items say what will be undone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from tests.gui.conftest import TEXT, cp_of, stored_spans


def _button(window, action_id: str) -> QToolButton:  # type: ignore[no-untyped-def]
    twin = next(a for a in window.toolbar.actions() if a.objectName() == f"{action_id}.toolbar")
    button = window.toolbar.widgetForAction(twin)
    assert isinstance(button, QToolButton)
    return button


def test_toolbar_undo_and_redo_follow_the_stack_and_keep_their_size(qtbot, window, project_path):  # type: ignore[no-untyped-def]
    undo, redo = _button(window, "edit.undo"), _button(window, "edit.redo")
    menu_undo = window.actions_registry.action("edit.undo")
    assert not undo.isEnabled() and not redo.isEnabled()
    sizes = (undo.size(), redo.size())
    window.view.select_cp(*cp_of(TEXT, "プーチン"))
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # actor
    assert len(stored_spans(project_path)) == 1
    assert undo.isEnabled() and not redo.isEnabled()
    assert menu_undo.text() != "&Undo" and undo.text() == "Undo"  # the menu says what
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert stored_spans(project_path) == []
    assert not undo.isEnabled() and redo.isEnabled()
    qtbot.mouseClick(redo, Qt.MouseButton.LeftButton)
    assert len(stored_spans(project_path)) == 1
    assert (undo.size(), redo.size()) == sizes
