"""Start-up: default project with the seeds, settings restored, name asked once, font banner,
projects opened and refused with a message, plain-text display."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLineEdit, QMessageBox

from annotator.services import default_project
from annotator.store import Project
from annotator.ui import app as app_module
from annotator.ui.dialogs.prompts import ask_annotator_name
from annotator.ui.fonts import FontStatus
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from tests.gui.conftest import WHO
from tests.gui.test_editing_flow import drive_dialog


def manager_for(settings, monkeypatch, tmp_path) -> app_module.WindowManager:
    monkeypatch.setenv(default_project.DATA_DIR_ENV, str(tmp_path / "data"))
    return app_module.WindowManager(settings, WHO)


def test_default_project_opens_with_seed_texts_ready(qtbot, settings, monkeypatch, tmp_path):
    manager = manager_for(settings, monkeypatch, tmp_path)
    window = manager.open(None)
    qtbot.addWidget(window)
    try:
        assert window.session.project.path == tmp_path / "data" / "default.annotator"
        assert len(window.session.documents) >= 2
        assert window.session.document is not None
        assert window.view.toPlainText() == window.session.text != ""
        assert settings.recent_projects == [str(window.session.project.path)]
    finally:
        manager.close()


def test_the_keyboard_starts_in_the_text_so_a_label_key_labels(qtbot, settings, monkeypatch,
                                                                tmp_path):
    manager = manager_for(settings, monkeypatch, tmp_path)
    window = manager.open(None)
    qtbot.addWidget(window)
    try:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        assert QApplication.focusWidget() is window.view
        target = QApplication.focusWidget()  # keys go where a user's would, not to a chosen widget
        qtbot.keyClick(target, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(target, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(target, Qt.Key.Key_2)
        [span] = window.session.project.spans(window.session.document.id)
        assert (span.start, span.end, span.label) == (0, 2, "actor")
    finally:
        manager.close()


def test_geometry_splitters_document_and_scroll_come_back(qtbot, settings, project_path):
    long_text = "\n".join(f"{i}行目の文章です。😀" for i in range(400))
    with Project.open(project_path) as project:
        project.add_document("long.txt", long_text, who=WHO)

    def make() -> MainWindow:
        win = MainWindow(Session(Project.open(project_path), WHO), settings)
        qtbot.addWidget(win)
        win.restore()
        win.show()
        qtbot.waitExposed(win)
        return win

    first = make()
    first.resize(760, 560)  # the offscreen screen is 800 x 600
    first.splitter.setSizes([150, 400, 200])
    first.open_document(3)
    first.view.verticalScrollBar().setValue(120)
    sizes = first.splitter.sizes()
    first.close()
    first.session.close()
    second = make()
    try:
        assert second.session.document.name == "long.txt"
        assert second.view.verticalScrollBar().value() == 120
        assert second.size().width() == 760
        assert second.splitter.sizes() == sizes
    finally:
        second.close()
        second.session.close()


def test_annotator_name_prompt_is_prefilled_and_validated(qtbot, monkeypatch):
    calls = []

    def answer(dialog):  # real keys: an empty name and Enter, then a name and Enter
        field = dialog.findChild(QLineEdit)
        calls.append(field.text())
        field.selectAll()
        if len(calls) == 1:
            qtbot.keyClick(field, Qt.Key.Key_Delete)
        else:
            qtbot.keyClicks(field, "  Aiko   Tanaka ")
        qtbot.keyClick(field, Qt.Key.Key_Return)

    drive_dialog(monkeypatch, QInputDialog, answer)
    assert ask_annotator_name(None) == "Aiko Tanaka"
    assert calls[0]  # pre-filled with the OS user name
    assert len(calls) == 2


def test_missing_font_banner(qtbot, settings, monkeypatch, tmp_path):
    monkeypatch.setattr(app_module, "japanese_font_status", lambda: FontStatus(
        False, message="No Japanese font was found. Install fonts-noto-cjk."))
    manager = manager_for(settings, monkeypatch, tmp_path)
    window = manager.open(None)
    qtbot.addWidget(window)
    try:
        banner = window.editor.banner
        assert banner.isVisible() and "fonts-noto-cjk" in banner.text()
        assert banner.textFormat() == Qt.TextFormat.PlainText
    finally:
        manager.close()


def test_open_bad_project_shows_message_and_keeps_window(qtbot, settings, monkeypatch, tmp_path):
    manager = manager_for(settings, monkeypatch, tmp_path)
    window = manager.open(None)
    qtbot.addWidget(window)
    bad = tmp_path / "not-a-project.annotator"
    bad.write_text("hello", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    try:
        window.actions_registry.action("file.open").trigger()
        assert manager.window is window
        box = window.findChild(QMessageBox, "errorMessage")
        assert box is not None and "not an annotator project" in box.text()
        box.close()
        assert bad.read_text(encoding="utf-8") == "hello"
        # A new project replaces the window; the old project is closed cleanly.
        new_path = tmp_path / "fresh"
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, **k: (str(new_path), "")))
        window.actions_registry.action("file.new").trigger()
        assert manager.window is not window
        qtbot.addWidget(manager.window)
        assert manager.window.session.project.path == Path(str(new_path) + ".annotator")
        assert settings.recent_projects[0].endswith("fresh.annotator")
    finally:
        manager.close()


def test_strings_are_shown_as_plain_text(qtbot, window, project_path):
    html_text = "<b>太字</b>&amp;😀"
    with Project.open(project_path) as project:
        project.add_document("<i>name</i>.txt", html_text, who=WHO)
    window.session.reload_documents()
    window.open_document(3)
    assert window.view.toPlainText() == html_text
    assert window.status.text("document") == "<i>name</i>.txt (new)"
    window.view.select_cp(0, 3)
    window.editor.apply_label("claim")
    model = window.span_table.span_model
    assert model.index(0, 1).data() == "<b>"
    tip = window.view.tooltip_html_at(1)
    assert "&lt;b&gt;" in tip and "<b>" not in tip


def test_run_starts_and_quits(qtbot, monkeypatch, tmp_path):
    """``annotator`` without arguments: the name is asked once, the default project opens."""
    from PySide6.QtCore import QSettings, QTimer

    from annotator.ui import main_window as main_window_module

    monkeypatch.setenv(default_project.DATA_DIR_ENV, str(tmp_path / "data"))
    ini = QSettings(str(tmp_path / "run.ini"), QSettings.Format.IniFormat)
    real_settings = app_module.AppSettings
    monkeypatch.setattr(app_module, "AppSettings", lambda: real_settings(ini))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(main_window_module, "_PANEL_FACTORIES", [])
    def answer(dialog):
        field = dialog.findChild(QLineEdit)
        field.selectAll()
        qtbot.keyClicks(field, "Aiko")
        qtbot.keyClick(field, Qt.Key.Key_Return)

    drive_dialog(monkeypatch, QInputDialog, answer)
    monkeypatch.setattr(app_module.QApplication, "exec", staticmethod(lambda: 0))
    seen = []
    monkeypatch.setattr(app_module.WindowManager, "open", lambda self, path: seen.append(
        (path, self.annotator)) or object())
    assert app_module.run(None) == 0
    assert seen == [(None, "Aiko")]
    assert ini.value("annotator/name") == "Aiko"
    assert [f.__module__ for f in main_window_module._PANEL_FACTORIES] == [
        "annotator.ui.review", "annotator.ui.reading"]


def test_theme_toggle_is_kept_and_shortcut_list_shows_keys(qtbot, window, settings):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from annotator.ui import theme
    from annotator.ui.help_dialog import ShortcutsDialog

    app = QApplication.instance()
    before = theme.current_theme()
    try:
        window.actions_registry.action("view.dark").trigger()
        assert settings.theme == theme.current_theme() != before
        dark = theme.palette("dark").color(QPalette.ColorRole.Base)
        assert (app.palette().color(QPalette.ColorRole.Base) == dark) == (settings.theme == "dark")
    finally:
        theme.apply_theme(app, before)
    window.actions_registry.action("help.shortcuts").trigger()
    dialog = window.findChild(ShortcutsDialog)
    keys = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert keys[:5] == ["1", "2", "3", "4", "5"]
    assert "Alt+Right" in keys and "Alt+Shift+Left" in keys and "Ctrl+Shift+Z, Ctrl+Y" in keys
    dialog.close()
