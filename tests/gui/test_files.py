"""Import (files, drop, cancel, errors) and export through their dialogs."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

from annotator.store import Project
from tests.gui.conftest import TEXT, assert_file_matches_screen, cp_of

NEW_TEXT = "😀新しい記事。𠮷田氏が発表した。"


def documents(path: Path) -> list[str]:
    with Project.open(path) as project:
        return [d.name for d in project.documents()]


def test_import_files_through_dialog(qtbot, window, project_path, tmp_path, monkeypatch):
    source = tmp_path / "new.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: ([str(source)], "")))
    window.actions_registry.action("file.import_files").trigger()
    assert documents(project_path) == ["astral.txt", "second.txt", "new.txt"]
    assert window.documents.model.rowCount() == 3
    assert "1 document added" in window.status.currentMessage()
    window.open_document(3)
    assert window.view.toPlainText() == NEW_TEXT


def test_import_labelled_jsonl_adds_spans_to_open_document(qtbot, window, project_path, tmp_path):
    start, end = cp_of(TEXT, "ロシア軍")
    record = {"text": TEXT, "spans": [{"start": start, "end": end, "label": "actor",
                                       "annotator": "colleague"}]}
    source = tmp_path / "labels.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    window.import_paths([str(source)])
    spans = assert_file_matches_screen(window, project_path)
    assert [(s.start, s.end, s.annotator) for s in spans] == [(start, end, "colleague")]


def test_cancelled_import_writes_nothing(qtbot, window, project_path, tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(f"文書{i}😀", encoding="utf-8")

    def cancel() -> None:
        dialog = window.findChild(QProgressDialog, "progress")
        assert dialog is not None
        dialog.cancel()

    QTimer.singleShot(0, cancel)
    window.import_paths([str(folder)])
    assert documents(project_path) == ["astral.txt", "second.txt"]
    assert "cancelled" in window.status.currentMessage()
    assert window.documents.model.rowCount() == 2


def test_import_error_is_a_message_and_app_keeps_running(qtbot, window, project_path, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "spans": [{"start": 5, "end": 2, "label": "actor"}]}\n',
                   encoding="utf-8")
    window.import_paths([str(bad)])
    box = window.findChild(QMessageBox, "errorMessage")
    assert box is not None and "bad.jsonl" in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.close()
    assert documents(project_path) == ["astral.txt", "second.txt"]


def test_drag_and_drop_imports(qtbot, window, project_path, tmp_path):
    source = tmp_path / "dropped.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(source))])
    point = QPointF(window.rect().center())
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert documents(project_path)[-1] == "dropped.txt"


def test_export_through_dialog(qtbot, window, project_path, tmp_path):
    start, end = cp_of(TEXT, "ドローン")
    window.view.select_cp(start, end)
    window.editor.apply_label("weapon")
    window.actions_registry.action("file.export").trigger()
    dialog = window.export_dialog
    assert dialog is not None and dialog.isVisible()
    out = tmp_path / "out.jsonl"
    dialog.destination.setText(str(out))
    dialog.skip_empty.setChecked(True)
    with qtbot.waitSignal(dialog.exported):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1
    assert records[0]["text"] == TEXT
    (span,) = records[0]["spans"]
    assert (span["start"], span["end"], span["label"]) == (start, end, "weapon")
    assert records[0]["text"][span["start"]:span["end"]] == "ドローン"
    assert "Exported 1 document, 1 span to" in window.status.currentMessage()


def test_export_doccano_converts_offsets(qtbot, window, tmp_path):
    start, end = cp_of(TEXT, "ドローン")
    window.view.select_cp(start, end)
    window.editor.apply_label("weapon")
    window.export()
    dialog = window.export_dialog
    dialog.format_combo.setCurrentIndex(1)
    dialog.current_document.setChecked(True)
    out = tmp_path / "doccano.jsonl"
    dialog.destination.setText(str(out))
    with qtbot.waitSignal(dialog.exported):
        dialog.run_export()
    record = json.loads(out.read_text(encoding="utf-8"))
    shift = sum(1 for c in TEXT[:start] if ord(c) > 0xFFFF)
    assert shift == 6  # 😀 𠮷 🇯🇵(two) 𩸽 😀
    assert record["label"] == [[start + shift, end + shift, "weapon"]]


def test_export_error_keeps_dialog_open(qtbot, window, tmp_path):
    window.export()
    dialog = window.export_dialog
    dialog.destination.setText(str(tmp_path / "missing" / "out.jsonl"))
    with qtbot.waitSignal(dialog.failed):
        dialog.run_export()
    box = dialog.findChild(QMessageBox, "errorMessage")
    assert box is not None and "folder does not exist" in box.text()
    assert dialog.isVisible()
    box.close()
    dialog.reject()
