"""Names are shown as plain text: the remove-label confirmation, message boxes, the encoding
choice of an import, the start-up error; control characters shown escaped."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox

from annotator.domain.commands import AddLabel
from annotator.domain.labels import Label
from annotator.store import Project
from annotator.ui.dialogs.messages import literal_html, show_message
from tests.gui.conftest import TEXT, cp_of

MARKUP = "<b>x</b><img src=x>"


def rendered(rich: str) -> str:
    """What Qt shows for rich text: the plain text of the document it makes."""
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


def labels_of(path: Path) -> list[str]:
    with Project.open(path) as project:
        return [label.name for label in project.labels()]


def test_the_remove_label_confirmation_shows_the_name_as_plain_text(qtbot, window, project_path):
    assert window.session.push(AddLabel(Label(MARKUP, "#123456", "m"), "tester"))
    start, end = cp_of(TEXT, "ロシア軍")
    window.view.select_cp(start, end)
    window.editor.apply_label(MARKUP)
    window.actions_registry.action("edit.labels").trigger()
    editor = window.label_editor
    row = [editor.table.item(r, 0).text() for r in range(editor.table.rowCount())].index(MARKUP)
    editor.table.setCurrentCell(row, 0)
    editor.buttons["remove"].click()
    box = editor.findChild(QMessageBox, "confirmMessage")
    assert box is not None and box.isVisible()
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert f"the label “{MARKUP}”" in box.text()
    shown = [lab for lab in box.findChildren(QLabel) if MARKUP in lab.text()]
    assert shown and all(lab.textFormat() == Qt.TextFormat.PlainText for lab in shown)
    box.button(QMessageBox.StandardButton.No).click()
    assert MARKUP in labels_of(project_path)  # No keeps it
    editor.buttons["remove"].click()
    editor.findChild(QMessageBox, "confirmMessage").button(QMessageBox.StandardButton.Yes).click()
    assert MARKUP not in labels_of(project_path)


def test_a_label_renamed_to_an_invisible_character_is_refused(qtbot, window, project_path):
    window.actions_registry.action("edit.labels").trigger()
    editor = window.label_editor
    editor.table.item(0, 0).setText("cl\u202eaim")
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in window.status.currentMessage()
    assert editor.table.item(0, 0).text() == "claim"
    assert labels_of(project_path)[0] == "claim"


def test_messages_are_plain_and_escape_control_characters(qtbot, window):
    box = show_message(window, "Failed", f"label {MARKUP} and \x1b]0;title\x07 and a\u202eb\nnext")
    try:
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert box.text() == f"label {MARKUP} and \\x1b]0;title\\x07 and a\\u202eb\nnext"
    finally:
        box.close()
    assert rendered(literal_html(MARKUP)) == MARKUP
    assert QtGui.Qt.mightBeRichText(literal_html(MARKUP))  # so Qt renders it, showing the text
    assert QtGui.Qt.mightBeRichText(MARKUP)  # what a raw name would have been taken for


def test_an_ambiguous_text_asks_for_its_encoding(qtbot, window, project_path, tmp_path,
                                                 monkeypatch):
    source = tmp_path / "kanji.txt"
    source.write_bytes("日本語".encode("cp932"))
    asked = []

    def choose(parent, title, label, items, current=0, editable=True):
        asked.append((rendered(label), list(items)))
        return "cp932", True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(choose))
    window.import_paths([str(source)])
    [(label, items)] = asked
    assert f"{source}: the encoding is ambiguous" in label
    assert items[:2] == ["cp932", "gb18030"] and "euc-jp" in items and "Detect" not in items
    with Project.open(project_path) as project:
        names = {d.name: project.text(d.id) for d in project.documents()}
    assert names["kanji.txt"] == "日本語"
    assert "1 document added" in window.status.currentMessage()


def test_cancelling_the_encoding_choice_imports_nothing(qtbot, window, project_path, tmp_path,
                                                       monkeypatch):
    source = tmp_path / "<b>kanji<b>.txt"
    source.write_bytes("日本語".encode("cp932"))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("", False)))
    window.import_paths([str(source)])
    box = window.findChild(QMessageBox, "errorMessage")
    assert box is not None and box.textFormat() == Qt.TextFormat.PlainText
    assert f"{source}: the encoding is ambiguous" in box.text()
    box.close()
    with Project.open(project_path) as project:
        assert [d.name for d in project.documents()] == ["astral.txt", "second.txt"]


def test_import_with_an_encoding_chosen_from_the_file_menu(qtbot, window, project_path, tmp_path,
                                                     monkeypatch):
    from annotator.ui.dialogs.import_dialog import ENCODING_CHOICES

    source = tmp_path / "korean.txt"
    source.write_bytes("대한민국 국회는 오늘 본회의를 열었다.".encode("euc_kr"))
    offered = []

    def choose(parent, title, label, items, current=0, editable=True):
        offered.append(list(items))
        return "euc-kr", True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(choose))
    from annotator.ui.dialogs import project_files

    monkeypatch.setattr(project_files, "choose_import_files", lambda *a: [str(source)])
    window.actions_registry.action("file.import_encoding").trigger()  # File menu
    assert offered == [list(ENCODING_CHOICES)] and offered[0][0] == "Detect"
    assert "1 document added" in window.status.currentMessage()
    with Project.open(project_path) as project:
        texts = [project.text(d.id) for d in project.documents()]
    assert "대한민국 국회는 오늘 본회의를 열었다." in texts


def test_a_project_that_cannot_open_at_start_up_is_named_literally(qtbot, settings, monkeypatch,
                                                                    tmp_path):
    from annotator.services import default_project
    from annotator.ui import app as app_module

    monkeypatch.setenv(default_project.DATA_DIR_ENV, str(tmp_path / "data"))
    bad = tmp_path / "<b>x<b>\x1b[2J.annotator"
    bad.write_text("not a project", encoding="utf-8")
    shown = []

    def critical(parent, title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "critical", staticmethod(critical))
    assert app_module.WindowManager(settings, "tester").open(str(bad)) is None
    [text] = shown
    assert rendered(text).startswith("The project could not be opened:\n")
    assert f"{tmp_path}/<b>x<b>\\x1b[2J.annotator: not an annotator project" in rendered(text)
