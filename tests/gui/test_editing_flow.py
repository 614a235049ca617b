"""The keyboard and editing flow: nudges keep the focus, the caret after a label, word
double-click, overlap click cycling, the note dialog, the find bar's width, export and
import reports, and the first-start name prompt. Real keys and mouse; the file is checked
after each action."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QStandardPaths, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QPlainTextEdit

from annotator.domain.spans import Span, now
from annotator.store import Project
from tests.gui.conftest import TEXT, assert_file_matches_screen, cp_of, point_of, stored_spans
from tests.gui.test_find import type_japanese

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def drive_dialog(monkeypatch, cls, drive):
    """Make ``cls.exec()`` show the real dialog and run ``drive(dialog)`` (real key presses)
    in its event loop, as a user would. Returns the dialogs shown."""
    shown = []

    def exec_(self):
        shown.append(self)
        errors = []

        def run():
            try:
                self.activateWindow()
                for _ in range(200):  # until the dialog has the keyboard, as a user's would
                    if self.isActiveWindow() and QApplication.focusWidget() is not None:
                        break
                    QTest.qWait(10)
                drive(self)
            except BaseException as exc:  # noqa: BLE001 (re-raised below)
                errors.append(exc)
            if self.isVisible():
                errors.append(AssertionError("the dialog is still open"))
                self.reject()

        loop = QEventLoop()
        self.finished.connect(loop.quit)
        self.open()
        QTimer.singleShot(0, run)
        loop.exec()
        parent = self.parentWidget()
        if parent is not None:  # the window manager gives the keyboard back to the window
            parent.window().activateWindow()
            for _ in range(200):
                if parent.window().isActiveWindow():
                    break
                QTest.qWait(10)
        if errors:
            raise errors[0]
        return self.result()

    monkeypatch.setattr(cls, "exec", exec_)
    return shown


def select_by_keys(qtbot, window, start, count):
    window.view.select_cp(start, start)
    for _ in range(count):
        qtbot.keyClick(window.view, Qt.Key.Key_Right, SHIFT)


def label(qtbot, window, needle, key):
    start, end = cp_of(TEXT, needle)
    select_by_keys(qtbot, window, start, end - start)
    qtbot.keyClick(window.view, key)
    span = window.session.focused_span()
    assert span is not None and (span.start, span.end) == (start, end)
    return span


def click_at(qtbot, window, cp):
    point = point_of(window, cp)
    point.setX(point.x() + 3)  # inside the character after the boundary
    qtbot.mouseClick(window.view.viewport(), LEFT, pos=point)


# -- 1. nudging keeps the focus on the nudged span ------------------------------------------------


def test_nudges_keep_acting_on_the_same_span(qtbot, window, project_path):
    first = label(qtbot, window, "北朝鮮", Qt.Key.Key_2)
    second = label(qtbot, window, "訪問", Qt.Key.Key_1)
    third = label(qtbot, window, "砲弾", Qt.Key.Key_4)
    click_at(qtbot, window, first.start + 1)
    assert window.session.focused_span_id == first.id
    qtbot.keyClick(window.view, Qt.Key.Key_Right, ALT)  # end one right: the row moves
    assert window.session.focused_span_id == first.id
    assert window.span_table.span_model.span_id(window.span_table.currentIndex().row()) \
        == first.id
    spans = {s.id: s for s in assert_file_matches_screen(window, project_path)}
    assert (spans[first.id].start, spans[first.id].end) == (first.start, first.end + 1)
    qtbot.keyClick(window.view, Qt.Key.Key_Left, ALT)  # and back: the same span
    assert window.session.focused_span_id == first.id
    qtbot.keyClick(window.view, Qt.Key.Key_Left, ALT | SHIFT)  # start one left
    qtbot.keyClick(window.view, Qt.Key.Key_Right, ALT | SHIFT)  # and back
    spans = {s.id: s for s in assert_file_matches_screen(window, project_path)}
    assert (spans[first.id].start, spans[first.id].end) == (first.start, first.end)
    assert (spans[second.id].start, spans[second.id].end) == (second.start, second.end)
    assert (spans[third.id].start, spans[third.id].end) == (third.start, third.end)
    assert window.session.focused_span_id == first.id
    # Undo of a nudge keeps the focus too.
    qtbot.keyClick(window.view, Qt.Key.Key_Right, ALT)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert window.session.focused_span_id == first.id
    spans = {s.id: s for s in assert_file_matches_screen(window, project_path)}
    assert (spans[first.id].start, spans[first.id].end) == (first.start, first.end)


def test_relabel_in_a_table_sorted_by_label_keeps_the_focus(qtbot, window, project_path):
    first = label(qtbot, window, "北朝鮮", Qt.Key.Key_2)  # actor
    label(qtbot, window, "訪問", Qt.Key.Key_1)  # claim
    window.span_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    click_at(qtbot, window, first.start + 1)
    assert window.session.focused_span_id == first.id
    qtbot.keyClick(window.view, Qt.Key.Key_5)  # relabel as source: the row moves to the end
    assert window.session.focused_span_id == first.id
    qtbot.keyClick(window.view, Qt.Key.Key_Right, ALT)
    spans = {s.id: s for s in assert_file_matches_screen(window, project_path)}
    assert (spans[first.id].label, spans[first.id].end) == ("source", first.end + 1)


def test_delete_still_passes_the_focus_to_the_next_span(qtbot, window, project_path):
    first = label(qtbot, window, "北朝鮮", Qt.Key.Key_2)
    second = label(qtbot, window, "訪問", Qt.Key.Key_1)
    click_at(qtbot, window, first.start + 1)
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert window.session.focused_span_id == second.id
    assert [s.id for s in assert_file_matches_screen(window, project_path)] == [second.id]


# -- 2. the caret after a label key ----------------------------------------------------------------


def test_after_a_label_key_the_caret_is_at_the_span_end(qtbot, window, project_path):
    start, end = cp_of(TEXT, "プーチン")
    select_by_keys(qtbot, window, start, end - start)
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert window.view.selection_cp() == (end, end)
    assert window.view.cursor_cp() == end
    # The next Shift+Right selection starts at the span's end, not inside it.
    qtbot.keyClick(window.view, Qt.Key.Key_Right, SHIFT)
    assert window.view.selection_cp() == (end, end + 1)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    spans = assert_file_matches_screen(window, project_path)
    assert [(s.start, s.end, s.label) for s in spans] == [(start, end, "actor"),
                                                           (end, end + 1, "claim")]
    assert TEXT[end:end + 1] == "氏"
    assert window.view.selection_cp() == (end + 1, end + 1)


# -- 3. double-click selects a word ----------------------------------------------------------------


def test_double_click_selects_a_japanese_word_after_astral_characters(qtbot, window,
                                                                       project_path):
    viewport = window.view.viewport()
    for needle in ("北朝鮮", "訪問", "砲弾", "ドローン", "野家"):
        start, end = cp_of(TEXT, needle)
        point = point_of(window, start + 1)
        point.setX(point.x() + 3)
        qtbot.mouseDClick(viewport, LEFT, pos=point)
        assert window.view.selection_cp() == (start, end), needle
        assert window.view.textCursor().selectedText() == needle
    start, end = cp_of(TEXT, "北朝鮮")
    point = point_of(window, start + 1)
    point.setX(point.x() + 3)
    qtbot.mouseDClick(viewport, LEFT, pos=point)
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    spans = assert_file_matches_screen(window, project_path)
    assert [(TEXT[s.start:s.end], s.label) for s in spans] == [("北朝鮮", "actor")]
    # An astral character alone (not the emoji beside it).
    start, _ = cp_of(TEXT, "𩸽")
    point = point_of(window, start)
    point.setX(point.x() + 3)
    qtbot.mouseDClick(viewport, LEFT, pos=point)
    assert window.view.selection_cp() == (start, start + 1)


def test_double_click_in_other_text_selects_a_whitespace_word(qtbot, window, project_path):
    english = "😀𠮷 Mr Putin, the president, said \"no\" twice.\nNext line."
    with Project.open(project_path) as project:
        doc_id = project.add_document("english.txt", english, who="tester")[0].id
    window.session.reload_documents()
    window.open_document(doc_id)
    start, end = english.index("Putin"), english.index("Putin") + 5
    cursor = window.view.textCursor()
    cursor.setPosition(window.view.offsets.to_utf16(start + 2))
    point = window.view.cursorRect(cursor).center()
    qtbot.mouseDClick(window.view.viewport(), LEFT, pos=point)
    assert window.view.selection_cp() == (start, end)
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    spans = stored_spans(project_path, doc_id)
    assert [(english[s.start:s.end], s.label) for s in spans] == [("Putin", "actor")]


# -- 4. clicks cycle through the spans at one place, innermost first ---------------------------


def test_clicks_cycle_innermost_first(qtbot, window, project_path):
    outer = label(qtbot, window, "プーチン氏は北朝鮮を訪問した。", Qt.Key.Key_1)
    middle = label(qtbot, window, "北朝鮮を訪問", Qt.Key.Key_3)
    inner = label(qtbot, window, "北朝鮮", Qt.Key.Key_2)
    window.session.focus_span(None)
    cp = inner.start + 1
    order = []
    for _ in range(4):
        click_at(qtbot, window, cp)
        order.append(window.session.focused_span_id)
    assert order == [inner.id, middle.id, outer.id, inner.id]
    # Another place starts again with its innermost span.
    click_at(qtbot, window, middle.end - 1)
    assert window.session.focused_span_id == middle.id
    click_at(qtbot, window, cp)
    assert window.session.focused_span_id == inner.id
    # A label key now relabels the inner span.
    qtbot.keyClick(window.view, Qt.Key.Key_5)
    labels = {s.id: s.label for s in stored_spans(project_path)}
    assert labels == {outer.id: outer.label, middle.id: middle.label, inner.id: "source"}
    assert window.session.focused_span_id == inner.id


def test_on_the_same_range_my_span_comes_first_in_the_click_cycle(qtbot, window, project_path):
    """A colleague's span on exactly my span's range (with the smaller id, so an order by id
    would put it first): clicks go mine, the colleague's, then outwards."""
    outer = label(qtbot, window, "プーチン氏は北朝鮮を訪問した。", Qt.Key.Key_1)
    mine = label(qtbot, window, "北朝鮮", Qt.Key.Key_2)
    stamp = now()
    theirs = Span("0" * 32, 1, mine.start, mine.end, "claim", "hana", None, stamp, stamp)
    with Project.open(project_path) as elsewhere:
        elsewhere.add_spans_bulk([theirs], who="hana", source="merge")
    window.session.sync()
    assert theirs.id in window.session.index and theirs.id < mine.id
    window.session.focus_span(None)
    order = []
    for _ in range(4):
        click_at(qtbot, window, mine.start + 1)
        order.append(window.session.focused_span_id)
    assert order == [mine.id, theirs.id, outer.id, mine.id]
    # a label key now relabels my span only; the colleague's stays as it was
    qtbot.keyClick(window.view, Qt.Key.Key_5)
    labels = {s.id: (s.annotator, s.label) for s in stored_spans(project_path)}
    assert labels[mine.id] == ("tester", "source") and labels[theirs.id] == ("hana", "claim")
    assert labels[outer.id] == ("tester", outer.label)


# -- 6. the find bar: a wide field, no reflow, "Label all hits" counts ---------------------------


def test_find_bar_keeps_its_field_wide_and_never_reflows_the_panes(qtbot, window, project_path):
    window.resize(1280, 800)
    for sizes, rows in (([200, 800, 280], 1), ([430, 330, 520], 2)):  # wide, narrow text pane
        window.splitter.setSizes(sizes)
        qtbot.wait(10)
        before = window.splitter.sizes()
        side_before = window.side.sizes()
        qtbot.keyClick(window.view, Qt.Key.Key_F, CTRL)
        bar = window.editor.find_bar
        qtbot.waitUntil(bar.isVisible)
        QApplication.processEvents()
        assert window.splitter.sizes() == before
        assert window.side.sizes() == side_before
        assert window.size().width() == 1280
        assert bar.edit.width() >= 200
        assert bar.geometry().right() <= window.editor.width()
        for widget in (bar.edit, bar.label_all_button, bar.close_button, bar.label_combo,
                       bar.case):
            assert widget.isVisible()
            assert widget.mapTo(bar, widget.rect().topRight()).x() < bar.width(), widget
        one_row = bar.label_all_button.mapTo(bar, bar.label_all_button.rect().center()).y() \
            < bar.edit.geometry().bottom()
        assert (1 if one_row else 2) == rows
        type_japanese(bar.edit, "北朝鮮")
        assert bar.edit.width() >= 200
        assert window.splitter.sizes() == before
        qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
        assert not bar.isVisible()
        assert window.splitter.sizes() == before
        bar.edit.clear()


def test_label_all_hits_reports_its_count(qtbot, window, project_path):
    qtbot.keyClick(window.view, Qt.Key.Key_F, CTRL)
    bar = window.editor.find_bar
    type_japanese(bar.edit, "氏")
    bar.label_combo.setCurrentText("actor")
    qtbot.mouseClick(bar.label_all_button, LEFT)
    spans = assert_file_matches_screen(window, project_path)
    assert [(TEXT[s.start:s.end], s.label) for s in spans] == [("氏", "actor")] * 2
    assert window.status.currentMessage().startswith("Labelled 2 hits of “氏” as 'actor'")
    qtbot.mouseClick(bar.label_all_button, LEFT)
    assert len(assert_file_matches_screen(window, project_path)) == 2
    assert window.status.currentMessage().startswith("Nothing labelled")


# -- 5. the note dialog: Ctrl+Enter accepts, Enter is a new line, Tab moves the focus -------------


def test_note_dialog_keys(qtbot, window, project_path, monkeypatch):
    from annotator.ui.dialogs.prompts import NoteDialog

    span = label(qtbot, window, "砲弾", Qt.Key.Key_4)

    def type_note(dialog):
        edit = dialog.findChild(QPlainTextEdit, "noteEdit")
        assert edit.hasFocus()
        qtbot.keyClicks(edit, "155 mm")
        qtbot.keyClick(edit, Qt.Key.Key_Tab)  # moves the focus, types nothing
        assert not edit.hasFocus()
        assert edit.toPlainText() == "155 mm"
        assert isinstance(QApplication.focusWidget().parent(), QDialogButtonBox)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, SHIFT)
        assert edit.hasFocus()
        qtbot.keyClick(edit, Qt.Key.Key_Return)  # a new line, the dialog stays open
        assert dialog.isVisible()
        qtbot.keyClicks(edit, "shells")
        qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
        assert not dialog.isVisible()

    shown = drive_dialog(monkeypatch, NoteDialog, type_note)
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    assert len(shown) == 1
    [stored] = assert_file_matches_screen(window, project_path)
    assert (stored.id, stored.note) == (span.id, "155 mm\nshells")

    def enter_on_ok(dialog):  # Ctrl+Enter also accepts from the buttons; Escape cancels
        edit = dialog.findChild(QPlainTextEdit, "noteEdit")
        assert edit.toPlainText() == "155 mm\nshells"
        qtbot.keyClicks(edit, " x")
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
        assert dialog.result() == QDialog.DialogCode.Rejected

    shown = drive_dialog(monkeypatch, NoteDialog, enter_on_ok)
    qtbot.keyClick(window.view, Qt.Key.Key_F2)
    assert len(shown) == 1
    [stored] = assert_file_matches_screen(window, project_path)
    assert stored.note == "155 mm\nshells"

    def tab_then_ctrl_enter(dialog):
        edit = dialog.findChild(QPlainTextEdit, "noteEdit")
        edit.selectAll()
        qtbot.keyClicks(edit, "rounds")
        assert edit.toPlainText() == "rounds"
        qtbot.keyClick(edit, Qt.Key.Key_Tab)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)
        assert not dialog.isVisible()

    shown = drive_dialog(monkeypatch, NoteDialog, tab_then_ctrl_enter)
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    assert len(shown) == 1
    [stored] = assert_file_matches_screen(window, project_path)
    assert stored.note == "rounds"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert assert_file_matches_screen(window, project_path)[0].note == "155 mm\nshells"


# -- 7. export confirms and remembers its folder; a folder import says what it left out ----------


def test_export_confirms_and_remembers_its_folder(qtbot, window, project_path, settings,
                                                  tmp_path, monkeypatch):
    from annotator.ui.dialogs.export_dialog import ExportDialog, default_export_folder

    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    assert default_export_folder() == home / "Documents"
    label(qtbot, window, "北朝鮮", Qt.Key.Key_2)
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL)
    dialog = window.findChild(ExportDialog)
    qtbot.waitUntil(dialog.isVisible)
    field = dialog.destination
    assert Path(field.text()).parent == home / "Documents"  # not the project's folder
    out = tmp_path / "exports" / "mine.jsonl"
    out.parent.mkdir()
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, str(out))
    qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert out.is_file()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    message = window.status.currentMessage()
    assert str(out) in message and "Exported 2 documents, 1 span to" in message
    # The next export starts in the same folder, also in a new window (the settings).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL)
    again = window.export_dialog
    qtbot.waitUntil(again.isVisible)
    assert Path(again.destination.text()).parent == out.parent
    again.reject()
    fresh = ExportDialog(window.session, None, settings=settings)
    qtbot.addWidget(fresh)
    assert Path(fresh.destination.text()).parent == out.parent


def test_folder_import_summarises_added_skipped_and_refused(qtbot, window, project_path,
                                                            monkeypatch, tmp_path):
    import os

    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "incoming"
    (folder / "sub").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / ".git" / "notes.txt").write_text("hidden", encoding="utf-8")
    (folder / "a.txt").write_text("新しい文書です。", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("もう一つ。", encoding="utf-8")
    (folder / "dup.txt").write_text(TEXT, encoding="utf-8")  # already in the project
    (folder / ".draft.txt").write_text("隠し", encoding="utf-8")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    (folder / "report.pdf").write_bytes(b"%PDF")
    os.mkfifo(folder / "pipe.txt")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folder)))
    qtbot.keyClick(window.view, Qt.Key.Key_I, CTRL | SHIFT)
    message = window.status.currentMessage()
    assert message.startswith("Imported: 2 documents added; 1 already in the project")
    assert "skipped 4: 2 not a format annotator reads (photo.png, report.pdf); 2 hidden " \
        "(.draft.txt, .git/)" in message
    assert "refused 1 not a regular file (pipe.txt)" in message
    with Project.open(project_path) as project:
        names = sorted(d.name for d in project.documents())
    assert names == ["a.txt", "astral.txt", "b.txt", "second.txt"]


# -- 8. cancelling the name prompt at first start ---------------------------------------------


def test_cancelled_name_prompt_says_which_name_is_used_and_asks_again(qtbot, monkeypatch,
                                                                      tmp_path):
    import sys

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    from annotator.services import default_project
    from annotator.services.importing import default_annotator
    from annotator.ui import app as app_module
    from annotator.ui import main_window as main_window_module

    monkeypatch.setenv(default_project.DATA_DIR_ENV, str(tmp_path / "data"))
    ini = QSettings(str(tmp_path / "run.ini"), QSettings.Format.IniFormat)
    real_settings = app_module.AppSettings
    monkeypatch.setattr(app_module, "AppSettings", lambda: real_settings(ini))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(main_window_module, "_PANEL_FACTORIES", [])
    monkeypatch.setattr(app_module.QApplication, "exec", staticmethod(lambda: 0))
    managers = []
    real_open = app_module.WindowManager.open

    def open_(self, path):
        managers.append(self)
        return real_open(self, path)

    monkeypatch.setattr(app_module.WindowManager, "open", open_)
    asked = drive_dialog(monkeypatch, QInputDialog,
                         lambda d: qtbot.keyClick(d.findChild(QLineEdit), Qt.Key.Key_Escape))
    assert app_module.run(None) == 0
    [manager] = managers
    window = manager.window
    qtbot.addWidget(window)
    try:
        assert len(asked) == 1
        os_user = default_annotator()
        assert ini.value("annotator/name", "") == ""  # nothing recorded: asked again next time
        assert window.session.annotator == os_user
        message = window.status.currentMessage()
        assert "No name given" in message and f"“{os_user}”" in message
        assert "Annotator Name" in message
        # Setting a name from the menu (real keys in the prompt) clears the notice.

        def type_name(dialog):
            field = dialog.findChild(QLineEdit)
            field.selectAll()
            qtbot.keyClicks(field, "Aiko")
            qtbot.keyClick(field, Qt.Key.Key_Return)

        drive_dialog(monkeypatch, QInputDialog, type_name)
        window.actions_registry.action("edit.annotator").trigger()
        assert window.session.annotator == "Aiko" == ini.value("annotator/name")
        assert "No name given" not in window.status.currentMessage()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        window.view.setFocus()
        window.view.select_cp(0, 0)
        qtbot.keyClick(window.view, Qt.Key.Key_Right, SHIFT)
        qtbot.keyClick(window.view, Qt.Key.Key_2)
        [span] = window.session.project.spans(window.session.document.id)
        assert span.annotator == "Aiko"
    finally:
        manager.close()
