"""Layers: my layer is edited, colleagues' and the reviewed layer are read-only, shown or
hidden one by one from the layer list; the table, the text and navigation follow them.

The project is set up as after a merge: my spans (``tester``), a colleague's (``hana``)
overlapping them, and the reviewed layer. After each action the project file is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor

from annotator.store import Project
from annotator.ui.actions import ACTIONS
from annotator.ui.main_window import MainWindow
from annotator.ui.session import COPY_SHORTCUT, Session
from annotator.ui.settings import AppSettings
from tests.gui.conftest import TEXT, cp_of, drawn_background, point_of

WHO = "tester"
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def merged_path(tmp_path: Path) -> Path:
    """My 北朝鮮 (actor) inside hana's プーチン氏は北朝鮮 (claim); hana's 金正恩 (actor)
    alone; the reviewed layer's 砲弾 (weapon); my ドローン (weapon)."""
    path = tmp_path / "merged.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("astral.txt", TEXT, who=WHO)
        project.add_span(doc.id, *cp_of(TEXT, "北朝鮮"), "actor", WHO)
        project.add_span(doc.id, *cp_of(TEXT, "プーチン氏は北朝鮮"), "claim", "hana")
        project.add_span(doc.id, *cp_of(TEXT, "金正恩"), "actor", "hana")
        project.add_span(doc.id, *cp_of(TEXT, "砲弾"), "weapon", "reviewed")
        project.add_span(doc.id, *cp_of(TEXT, "ドローン"), "weapon", WHO)
    return path


def open_window(qtbot, path: Path, settings: AppSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    session = Session(Project.open(path), WHO)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.restore()
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow())
    win.view.setFocus()
    return win


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, merged_path: Path,  # type: ignore[no-untyped-def]
           settings: AppSettings) -> Iterator[MainWindow]:
    win = open_window(qtbot, merged_path, settings)
    yield win
    win.close()
    win.session.close()


def stored(path: Path) -> set[tuple[str, int, int, str, str, str | None]]:
    """(id, start, end, label, annotator, note) of every span, read through another
    connection."""
    with Project.open(path) as project:
        return {(s.id, s.start, s.end, s.label, s.annotator, s.note) for s in project.spans(1)}


def span_of(window: MainWindow, needle: str, who: str):  # type: ignore[no-untyped-def]
    start, end = cp_of(TEXT, needle)
    session = window.session
    return next(s for s in [*session.index, *session.hidden.values()]
                if (s.start, s.end, s.annotator) == (start, end, who))


def click(qtbot, window: MainWindow, cp: int) -> None:  # type: ignore[no-untyped-def]
    point = point_of(window, cp)
    point.setX(point.x() + 3)
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def table_ids(window: MainWindow) -> set[str]:
    model = window.span_table.span_model
    model._fetch_to(model.total())
    return {model.span_id(row) for row in range(model.rowCount())}


def toggle_layer(qtbot, window: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    """Click the layer's row in the layer list, then press Space (toggles its check box)."""
    table = window.layers.table
    row = window.layers.model.row_of(name)
    rect = table.visualRect(window.layers.model.index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    table.setCurrentIndex(window.layers.model.index(row, 0))
    qtbot.keyClick(table, Qt.Key.Key_Space)


def test_keys_never_change_a_colleagues_span(qtbot, window, merged_path):
    before = stored(merged_path)
    mine = span_of(window, "北朝鮮", WHO)
    hers = span_of(window, "プーチン氏は北朝鮮", "hana")
    session, view = window.session, window.view
    # A click on the overlap focuses my span; a label key relabels mine only.
    click(qtbot, window, mine.start + 1)
    assert session.focused_span_id == mine.id
    qtbot.keyClick(view, Qt.Key.Key_3)
    after = stored(merged_path)
    assert (mine.id, mine.start, mine.end, "weapon", WHO, None) in after
    assert (hers.id, hers.start, hers.end, "claim", "hana", None) in after
    before = after
    # Clicking again cycles to the colleague's span: label keys, Delete, nudges and notes
    # write nothing and say why.
    click(qtbot, window, mine.start + 1)
    assert session.focused_span_id == hers.id
    for key, modifiers in ((Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier),  # its own label
                           (Qt.Key.Key_2, Qt.KeyboardModifier.NoModifier),
                           (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
                           (Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier),
                           (Qt.Key.Key_Right, ALT), (Qt.Key.Key_Left, ALT | SHIFT),
                           (Qt.Key.Key_F2, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(view, key, modifiers)
        assert stored(merged_path) == before
        assert "hana's layer, read-only here" in window.status.currentMessage(), key
        assert window.status.text("saved") == "not done"
    assert session.focused_span_id == hers.id
    # A colleague's span alone under the click is focused, and stays read-only.
    alone = span_of(window, "金正恩", "hana")
    click(qtbot, window, alone.start)
    assert session.focused_span_id == alone.id
    qtbot.keyClick(view, Qt.Key.Key_4)
    assert stored(merged_path) == before
    # The same from the span table (label keys work there too).
    table = window.span_table
    table.setFocus()
    window.status.clearMessage()
    qtbot.keyClick(table, Qt.Key.Key_5)
    assert stored(merged_path) == before
    assert "hana's layer, read-only here" in window.status.currentMessage()
    # With a selection, a label key creates my span over it as usual.
    view.setFocus()
    view.select_cp(alone.start, alone.end)
    qtbot.keyClick(view, Qt.Key.Key_2)
    (created,) = stored(merged_path) - before
    assert created[1:] == (alone.start, alone.end, "actor", WHO, None)
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert stored(merged_path) == before
    # The reviewed layer is read-only too.
    reviewed = span_of(window, "砲弾", "reviewed")
    session.focus_span(reviewed.id)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert stored(merged_path) == before
    # Nothing of the refused actions reached the undo stack.
    assert session.undo_stack.undo_text() == "Relabel span as 'weapon'"


def test_copy_into_my_layer_is_one_undoable_step(qtbot, window, merged_path):
    spec = next(s for s in ACTIONS if s.id == "span.copy_mine")
    assert spec.shortcuts == (COPY_SHORTCUT,)
    hers = span_of(window, "金正恩", "hana")
    session, view = window.session, window.view
    click(qtbot, window, hers.start)
    assert session.focused_span_id == hers.id
    before = stored(merged_path)
    qtbot.keyClick(view, Qt.Key.Key_C, CTRL | SHIFT)
    after = stored(merged_path)
    (copy,) = after - before
    assert copy[1:] == (hers.start, hers.end, "actor", WHO, None)
    assert session.focused_span_id == copy[0]
    assert copy[0] in table_ids(window)
    assert "Copied hana's 'actor' span into my layer" in window.status.currentMessage()
    # My copy is mine: a label key relabels it (and not hana's).
    qtbot.keyClick(view, Qt.Key.Key_5)
    assert (copy[0], hers.start, hers.end, "source", WHO, None) in stored(merged_path)
    assert (hers.id, hers.start, hers.end, "actor", "hana", None) in stored(merged_path)
    # Undo the relabel, then the copy; redo brings the copy back.
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert stored(merged_path) == before
    assert copy[0] not in session.index
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert stored(merged_path) == after
    # Copying again focuses the existing copy and writes nothing.
    session.focus_span(hers.id)
    qtbot.keyClick(view, Qt.Key.Key_C, CTRL | SHIFT)
    assert stored(merged_path) == after
    assert session.focused_span_id == copy[0]
    # My own span cannot be copied into my layer.
    qtbot.keyClick(view, Qt.Key.Key_C, CTRL | SHIFT)
    assert "already in your layer" in window.status.currentMessage()
    assert stored(merged_path) == after


def test_hiding_and_showing_a_layer_in_text_table_and_settings(qtbot, window, merged_path,
                                                               settings):
    hers = span_of(window, "プーチン氏は北朝鮮", "hana")
    alone = span_of(window, "金正恩", "hana")
    mine = span_of(window, "北朝鮮", WHO)
    session = window.session
    colors = session.colors()
    # Shown: hana's span alone is a faint fill with a dotted underline; over mine, mine is the
    # background and hers a dotted underline.
    assert drawn_background(window, alone.start).name() == QColor(colors["actor"]).name()
    block = window.view.document().findBlockByNumber(1)
    styles = {(r.format.underlineStyle(), r.format.underlineColor().name())
              for r in block.layout().formats()}
    dotted = (block.layout().formats()[0].format.UnderlineStyle.DotLine,
              QColor(colors["claim"]).name())
    assert dotted in styles
    assert drawn_background(window, mine.start).name() == QColor(colors["actor"]).name()
    assert {hers.id, alone.id} <= table_ids(window)
    # Hide hana's layer from the layer list.
    session.focus_span(alone.id)
    toggle_layer(qtbot, window, "hana")
    assert "hana" in session.hidden_layers
    assert session.focused_span_id is None  # a hidden span keeps no focus
    qtbot.waitUntil(lambda: window.editor.highlighter.pending == 0)
    assert drawn_background(window, alone.start) is None
    assert drawn_background(window, hers.start) is None  # プーチン: only hers was there
    assert drawn_background(window, mine.start).name() == QColor(colors["actor"]).name()
    assert not {hers.id, alone.id} & table_ids(window)
    assert table_ids(window) == {s.id for s in session.index}
    assert window.status.text("spans") == "3 spans"
    assert settings.hidden_layers(str(merged_path)) == ["hana"]
    assert len(stored(merged_path)) == 5  # a view change: nothing written
    # Clicking where her span was focuses nothing.
    click(qtbot, window, alone.start)
    assert session.focused_span_id is None
    # Show it again.
    toggle_layer(qtbot, window, "hana")
    qtbot.waitUntil(lambda: window.editor.highlighter.pending == 0)
    assert drawn_background(window, alone.start) is not None
    assert {hers.id, alone.id} <= table_ids(window)
    assert settings.hidden_layers(str(merged_path)) == []


def test_hidden_layers_are_remembered_per_project(qtbot, merged_path, settings):
    first = open_window(qtbot, merged_path, settings)
    toggle_layer(qtbot, first, "reviewed")
    first.close()
    first.session.close()
    second = open_window(qtbot, merged_path, settings)
    try:
        assert second.session.hidden_layers == {"reviewed"}
        reviewed = span_of(second, "砲弾", "reviewed")
        assert reviewed.id not in second.session.index
        assert reviewed.id not in table_ids(second)
        assert drawn_background(second, reviewed.start) is None
        assert second.layers.model.layers()[1] == ("reviewed", 1, False)
    finally:
        second.close()
        second.session.close()


def test_my_layer_cannot_be_hidden(qtbot, window):
    toggle_layer(qtbot, window, WHO)
    assert window.session.hidden_layers == frozenset()
    flags = window.layers.model.flags(window.layers.model.index(0, 0))
    assert not flags & Qt.ItemFlag.ItemIsUserCheckable


def test_navigation_skips_hidden_layers(qtbot, window):
    session, view = window.session, window.view
    order = sorted(session.index, key=lambda s: (s.start, -s.end))
    view.select_cp(0, 0)
    seen = []
    for _ in order:
        qtbot.keyClick(view, Qt.Key.Key_Down, ALT)
        seen.append(session.focused_span_id)
    assert seen == [s.id for s in order]
    window.layers.set_visible("hana", False)
    window.layers.set_visible("reviewed", False)
    session.focus_span(None)
    view.select_cp(0, 0)
    seen = []
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_F8)
        seen.append(session.focused_span_id)
    mine = sorted((s for s in order if s.annotator == WHO), key=lambda s: s.start)
    assert seen == [mine[0].id, mine[1].id, mine[1].id]
    qtbot.keyClick(view, Qt.Key.Key_Up, ALT)
    assert session.focused_span_id == mine[0].id


def test_layer_list_counts_follow_edits_here_and_elsewhere(qtbot, window, merged_path):
    model = window.layers.model
    assert model.layers() == [(WHO, 2, True), ("reviewed", 1, True), ("hana", 2, True)]
    assert model.index(0, 0).data() == f"{WHO} (me)"
    assert model.index(1, 0).data() == "reviewed"
    session, view = window.session, window.view
    view.select_cp(*cp_of(TEXT, "ロシア軍"))
    qtbot.keyClick(view, Qt.Key.Key_2)
    assert model.layers()[0] == (WHO, 3, True)
    window.layers.set_visible("hana", False)
    # Another connection adds a span to hana's hidden layer and deletes the reviewed one.
    with Project.open(merged_path) as other:
        other.add_span(1, *cp_of(TEXT, "終わり"), "claim", "hana")
        reviewed = next(s for s in other.spans(1) if s.annotator == "reviewed")
        other.delete_span(reviewed.id, who="reviewer")
    session.sync()
    assert model.layers() == [(WHO, 3, True), ("hana", 3, False)]
    assert session.span_counts[1] == 6
    added = span_of(window, "終わり", "hana")
    assert added.id in session.hidden and added.id not in table_ids(window)
    assert drawn_background(window, added.start) is None
    # Shown again: the span added meanwhile is drawn and listed.
    window.layers.set_visible("hana", True)
    qtbot.waitUntil(lambda: window.editor.highlighter.pending == 0)
    assert drawn_background(window, added.start) is not None
    assert added.id in table_ids(window)
    assert len(stored(merged_path)) == 6


def test_table_marks_other_layers(qtbot, window):
    model = window.span_table.span_model
    rows = {model.span_id(r): r for r in range(model.rowCount())}
    hers = span_of(window, "金正恩", "hana")
    mine = span_of(window, "北朝鮮", WHO)
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Layer"
    assert model.index(rows[hers.id], 4).data() == "hana"
    assert model.index(rows[hers.id], 1).data(Qt.ItemDataRole.FontRole).italic()
    assert model.index(rows[mine.id], 1).data(Qt.ItemDataRole.FontRole) is None
    assert "read-only" in model.index(rows[hers.id], 4).data(Qt.ItemDataRole.ToolTipRole)


def _long_text(tmp_path: Path, annotator: str) -> tuple[Path, int]:
    """A project with a 400-line text and a span of ``annotator`` on every line."""
    lines = [f"第{n:03d}行：プーチン氏は😀北朝鮮を訪問した。" for n in range(400)]
    path = tmp_path / "long.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("long.txt", "\n".join(lines), who=WHO)
        for n in range(400):
            at = sum(len(line) + 1 for line in lines[:n]) + lines[n].index("北朝鮮")
            project.add_span(doc.id, at, at + 3, "actor", annotator)
    return path, doc.id


def test_lines_off_screen_are_redrawn_after_a_toggle_and_on_scroll(qtbot, tmp_path, settings):
    path, _doc_id = _long_text(tmp_path, "hana")
    window = open_window(qtbot, path, settings)
    try:
        highlighter = window.editor.highlighter
        qtbot.waitUntil(lambda: highlighter.pending == 0)  # the lines the opening left
        first_span = min(window.session.index, key=lambda s: s.start)
        last_span = max(window.session.index, key=lambda s: s.start)
        window.layers.set_visible("hana", False)
        # The visible lines are redrawn at once, the others wait for the event loop.
        assert drawn_background(window, first_span.start) is None
        assert highlighter.pending > 0
        assert drawn_background(window, last_span.start) is not None  # not redrawn yet
        # Scrolling to the end draws the lines that come into view first.
        window.view.verticalScrollBar().setValue(window.view.verticalScrollBar().maximum())
        assert drawn_background(window, last_span.start) is None
        qtbot.waitUntil(lambda: highlighter.pending == 0)
        assert all(drawn_background(window, s.start) is None
                   for s in window.session.hidden.values())
        window.layers.set_visible("hana", True)
        qtbot.waitUntil(lambda: highlighter.pending == 0)
        assert all(drawn_background(window, s.start) is not None for s in window.session.index)
    finally:
        window.close()
        window.session.close()


def test_opening_a_long_text_draws_the_lines_shown_first_and_the_rest_after(
        qtbot, tmp_path, settings):
    path, doc_id = _long_text(tmp_path, WHO)
    window = open_window(qtbot, path, settings)
    try:
        window.open_document(doc_id)  # again, with no event loop turn before the paint
        view, highlighter = window.view, window.editor.highlighter
        spans = sorted(window.session.index, key=lambda s: s.start)
        assert highlighter.pending > 380  # Qt asked for every line; they wait
        view.viewport().repaint()  # the first frame draws the lines it shows
        first, last = window.visible_lines()
        assert 5 < last - first < 100
        assert all(drawn_background(window, s.start) is not None for s in spans[first:last + 1])
        assert drawn_background(window, spans[-1].start) is None  # not drawn yet
        bar = view.verticalScrollBar()
        bar.setValue(bar.maximum())  # scrolled into view: drawn before it is shown
        view.viewport().repaint()
        assert drawn_background(window, spans[-1].start) is not None
        qtbot.waitUntil(lambda: highlighter.pending == 0)  # the rest, from the event loop
        assert all(drawn_background(window, s.start) is not None for s in spans)
        assert not view.document().isModified()
    finally:
        window.close()
        window.session.close()


def test_layer_list_toggle_in_the_view_menu(qtbot, window):
    action = window.actions_registry.action("view.layers")
    assert action in window.menus["View"].actions()
    assert window.layers.isVisible() and action.isChecked()
    action.trigger()
    assert not window.layers.isVisible()
    action.trigger()
    assert window.layers.isVisible()
    assert window.actions_registry.action("span.copy_mine") in window.menus["Span"].actions()


def test_changing_my_name_changes_my_layer(qtbot, window, merged_path):
    session, view = window.session, window.view
    window.layers.set_visible("hana", False)
    session.set_annotator("hana")  # hana's layer becomes mine: shown, editable
    assert session.hidden_layers == frozenset()
    assert window.layers.model.layers()[0] == ("hana", 2, True)
    hers = span_of(window, "金正恩", "hana")
    tester = span_of(window, "北朝鮮", WHO)
    session.focus_span(hers.id)
    qtbot.keyClick(view, Qt.Key.Key_3)
    assert (hers.id, hers.start, hers.end, "weapon", "hana", None) in stored(merged_path)
    before = stored(merged_path)
    session.focus_span(tester.id)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert stored(merged_path) == before
    assert "tester's layer, read-only here" in window.status.currentMessage()


def test_layer_list_model_passes_the_model_tester(qtmodeltester, window):
    qtmodeltester.check(window.layers.model)
    window.layers.set_visible("hana", False)
    qtmodeltester.check(window.layers.model)


def test_a_hidden_layer_changed_elsewhere_is_shown_as_it_is_now(qtbot, window, merged_path):
    session = window.session
    model = window.span_table.span_model
    alone = span_of(window, "金正恩", "hana")
    hers = span_of(window, "プーチン氏は北朝鮮", "hana")
    window.layers.set_visible("hana", False)
    with Project.open(merged_path) as other:  # relabel one, resize the other, elsewhere
        other.update_span(alone.id, who="hana", label="source")
        other.update_span(hers.id, who="hana", start=hers.start + 1)
    session.sync()
    assert session.hidden[alone.id].label == "source"
    assert not {alone.id, hers.id} & table_ids(window)
    window.layers.set_visible("hana", True)
    rows = {model.span_id(r): r for r in range(model.rowCount())}
    assert model.index(rows[alone.id], 0).data() == "source"
    assert model.index(rows[hers.id], 2).data() == hers.start + 1
    starts = [model.index(r, 2).data() for r in range(model.rowCount())]
    assert starts == sorted(starts)
    assert table_ids(window) == {s.id for s in session.index}
    assert {(s.id, s.start, s.end, s.label) for s in session.index} == \
        {(i, a, b, lab) for i, a, b, lab, _who, _note in stored(merged_path)}


def test_no_toggle_while_a_change_is_being_saved(qtbot, window):
    session = window.session
    session.in_command = True  # as while a write waits for another program's lock
    try:
        toggle_layer(qtbot, window, "hana")
        assert session.hidden_layers == frozenset()
        assert "still being saved" in window.status.currentMessage()
        assert window.layers.model.layers()[2] == ("hana", 2, True)
    finally:
        session.in_command = False
    toggle_layer(qtbot, window, "hana")
    assert session.hidden_layers == {"hana"}


def test_layer_list_folds_to_its_title_and_remembers_it(qtbot, merged_path, settings):
    """A click on the title folds the list (the span table gets the room, the title sums the
    layers up), another click unfolds it; a new window starts as the last one was left."""
    window = open_window(qtbot, merged_path, settings)
    try:
        panel, table = window.layers, window.span_table
        assert not panel.collapsed and panel.table.isVisible()
        window.layers.set_visible("hana", False)
        open_height, table_height = panel.height(), table.height()
        qtbot.mouseClick(panel.title, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not panel.table.isVisible())
        assert panel.collapsed and settings.layers_collapsed
        assert panel.title.text() == "Layers: 3, 1 hidden"
        qtbot.waitUntil(lambda: panel.height() <= panel.title.sizeHint().height() + 4)
        assert table.height() >= table_height + open_height - panel.height() - 8
        # folding changes what is shown only: the hidden layer stays hidden, nothing is written
        assert "hana" in window.session.hidden_layers
        assert len(window.session.project.spans(window.session.document.id)) == 5
        window.close()
        window.session.close()
        window = open_window(qtbot, merged_path, settings)
        panel = window.layers
        assert panel.collapsed and not panel.table.isVisible()
        assert panel.height() <= panel.title.sizeHint().height() + 4
        qtbot.mouseClick(panel.title, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.table.isVisible())
        assert not panel.collapsed and not settings.layers_collapsed
        assert panel.title.text() == "Layers"
        assert panel.height() >= panel.rows_height(3) - 4
        assert AppSettings(QSettings(settings.qsettings.fileName(),
                                     QSettings.Format.IniFormat)).layers_collapsed is False
    finally:
        window.close()
        window.session.close()


@pytest.mark.parametrize(("sort_column", "focused"), [(0, False), (2, False), (4, False),
                                                     (2, True)])
def test_span_table_cells_look_as_the_standard_delegate_draws_them(
        qtbot, window, sort_column: int, focused: bool) -> None:
    """The table paints its cells itself, copying the cells its delegate kept (the delegate
    asks the model once per cell); what it draws (my rows plain, the other layers' in grey
    italics, label swatches, right-aligned offsets, the grid, the selected row, the focused
    cell), also after an edit when most cells are copied from the kept ones, is pixel for
    pixel what Qt's table paint and standard delegate draw from the model's roles."""
    from PySide6.QtWidgets import QApplication, QStyledItemDelegate

    from annotator.ui.span_cells import SpanCellDelegate

    window.session.open_document(1)
    table = window.span_table
    table.sortByColumn(sort_column, Qt.SortOrder.AscendingOrder)
    table.selectRow(1)
    if focused:  # the current cell is drawn with the focus state
        table.setFocus()
        qtbot.waitUntil(table.hasFocus)
        table.setCurrentIndex(table.span_model.index(3, 2))
    QApplication.processEvents()
    assert isinstance(table.itemDelegate(), SpanCellDelegate)
    first = table.viewport().grab().toImage()
    assert table.viewport().grab().toImage() == first  # every cell copied from the kept ones
    # An edit and a new selection: some cells are drawn anew, the others copied.
    own = next(s for s in window.session.index if window.session.is_own(s))
    assert window.session.update_span(own.id, "Relabel", label="weapon")
    table.selectRow(2)
    QApplication.processEvents()
    ours = table.viewport().grab().toImage()
    assert ours != first
    table.setItemDelegate(QStyledItemDelegate(table))
    QApplication.processEvents()
    theirs = table.viewport().grab().toImage()
    assert table.span_model.rowCount() == 5
    if not focused:
        assert ours == theirs
    else:  # the swatch drawn over the focused cell's highlight rounds a channel either way
        assert ours.size() == theirs.size() and ours.format() == theirs.format()
        mine, standard = bytes(ours.constBits()), bytes(theirs.constBits())
        assert max(abs(a - b) for a, b in zip(mine, standard, strict=True)) <= 1


def _rows(window: MainWindow) -> list[str]:
    model = window.span_table.span_model
    model._fetch_to(model.total())
    return [model.span_id(row) for row in range(model.rowCount())]


def _expected_rows(window: MainWindow) -> list[str]:
    """The visible spans in the table's order (start, longest first, id), from the index."""
    return [s.id for s in sorted(window.session.index, key=lambda s: (s.start, -s.end, s.id))]


def test_table_rows_after_toggles_with_and_without_edits_between(qtbot, window) -> None:
    """Hiding and showing a layer gives the rows of the visible spans in order, whether the
    rows come back as they were (nothing changed meanwhile), are merged (my layer changed while
    it was hidden), or the hidden layer itself changed."""
    session, view = window.session, window.view
    assert _rows(window) == _expected_rows(window)
    before = _rows(window)
    for _ in range(2):
        session.set_layer_visible("hana", False)
        assert _rows(window) == _expected_rows(window) and len(_rows(window)) == len(before) - 2
        session.set_layer_visible("hana", True)
        assert _rows(window) == before
    session.set_layer_visible("hana", False)
    view.select_cp(*cp_of(TEXT, "プーチン"))
    assert window.editor.apply_label("actor") is not None  # my layer changes meanwhile
    session.set_layer_visible("hana", True)
    assert _rows(window) == _expected_rows(window) and len(_rows(window)) == len(before) + 1
    session.set_layer_visible("reviewed", False)
    session.set_layer_visible("hana", False)
    assert _rows(window) == _expected_rows(window)
    session.set_layer_visible("reviewed", True)  # shown again after another layer was hidden
    assert _rows(window) == _expected_rows(window)
    session.set_layer_visible("hana", True)
    assert _rows(window) == _expected_rows(window) and len(_rows(window)) == len(before) + 1
