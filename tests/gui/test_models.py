"""The span table and document list models: Qt's model checks, sorting, row-level signals."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.ui.overlap_panel import innermost_first
from tests.gui.conftest import TEXT, assert_file_matches_screen, cp_of


def add(window, needle, label):
    start, end = cp_of(TEXT, needle)
    window.view.select_cp(start, end)
    return window.editor.apply_label(label)


def test_span_table_passes_qtmodeltester_through_edits(qtmodeltester, window):
    model = window.span_table.span_model
    add(window, "プーチン氏", "actor")
    add(window, "北朝鮮", "actor")
    qtmodeltester.check(model, force_py=True)
    add(window, "ドローン", "weapon")
    window.editor.delete_focused()
    window.session.undo()
    qtmodeltester.check(model, force_py=True)


def test_one_edit_is_one_row_signal_never_a_reset(qtbot, window, project_path):
    model = window.span_table.span_model
    add(window, "北朝鮮", "actor")
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.rowsInserted.connect(lambda *_: events.append("insert"))
    model.rowsRemoved.connect(lambda *_: events.append("remove"))
    model.dataChanged.connect(lambda *_: events.append("changed"))
    add(window, "プーチン氏", "claim")
    window.editor.apply_label("source")  # relabel the focused span
    window.editor.delete_focused()
    window.session.undo()
    assert "reset" not in events
    assert events.count("insert") >= 2 and events.count("remove") >= 1
    assert_file_matches_screen(window, project_path)


def test_sorting_by_each_column_keeps_rows_and_edits_consistent(qtbot, window, project_path):
    add(window, "プーチン氏", "claim")
    add(window, "北朝鮮", "actor")
    add(window, "ドローン", "weapon")
    table = window.span_table
    model = table.span_model
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 0).data() for r in range(3)] == ["actor", "claim", "weapon"]
    table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    starts = [model.index(r, 2).data() for r in range(3)]
    assert starts == sorted(starts, reverse=True)
    add(window, "金正恩氏", "number")
    starts = [model.index(r, 2).data() for r in range(4)]
    assert starts == sorted(starts, reverse=True)
    span_id = window.session.focused_span_id
    assert model.span_id(table.currentIndex().row()) == span_id
    assert_file_matches_screen(window, project_path)


def test_selecting_a_table_row_focuses_and_shows_the_span(qtbot, window):
    first = add(window, "プーチン氏", "claim")
    add(window, "ドローン", "weapon")
    table = window.span_table
    row = table.span_model.row_of(first.id)
    rect = table.visualRect(table.span_model.index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.session.focused_span_id == first.id
    assert window.view.transient_ranges("focus") == [(first.start, first.end)]


def test_document_list_counts_status_and_filter(qtmodeltester, qtbot, window):
    panel = window.documents
    qtmodeltester.check(panel.model, force_py=True)
    add(window, "北朝鮮", "actor")
    assert panel.model.index(0, 1).data() == 1
    assert panel.model.index(0, 2).data() == "in progress"
    window.actions_registry.action("doc.status_done").trigger()
    assert panel.model.index(0, 2).data() == "done"
    window.session.undo()
    assert panel.model.index(0, 2).data() == "in progress"
    panel.filter_edit.setText("SECOND")
    assert panel.model.rowCount() == 1
    panel.filter_edit.setText("new")
    assert panel.model.rowCount() == 1
    panel.filter_edit.clear()
    rect = panel.view.visualRect(panel.model.index(1, 0))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.session.document.name == "second.txt"
    assert window.status.text("document") == "second.txt (new)"
    qtbot.keyClick(window.view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.session.document.name == "astral.txt"


def test_large_table_fetches_rows_lazily(qtmodeltester, qtbot, window, project_path, monkeypatch):
    from annotator.domain.spans import Span, new_span_id, now
    from annotator.store import Project
    from annotator.ui import span_table

    monkeypatch.setattr(span_table, "FETCH_CHUNK", 5)
    stamp = now()
    with Project.open(project_path) as project:
        spans = [Span(new_span_id(), 1, i, i + 1, "claim", "bulk", None, stamp, stamp)
                 for i in range(30)]
        project.add_spans_bulk(spans, who="bulk", source="test")
    window.session.open_document(1)
    model = window.span_table.span_model
    assert (model.rowCount(), model.total()) == (5, 30)
    qtmodeltester.check(model, force_py=True)
    start, end = cp_of(TEXT, "ドローン")
    window.view.select_cp(start, end)
    span = window.editor.apply_label("weapon")  # sorts after the fetched rows: shown on demand
    assert model.total() == 31
    assert model.span_id(window.span_table.currentIndex().row()) == span.id
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 31
    qtmodeltester.check(model, force_py=True)


def test_random_creates_relabels_deletes_and_undos_keep_every_panel_exact(
    qtmodeltester, qtbot, window, project_path, monkeypatch
):
    """The table (fetched in small chunks), the "Spans here" list and the document list agree
    with the project file after many random edits, undos and redos."""
    import random

    from annotator.ui import span_table

    monkeypatch.setattr(span_table, "FETCH_CHUNK", 3)
    window.session.open_document(1)
    session, editor, view = window.session, window.editor, window.view
    model = window.span_table.span_model
    here = window.spans_here
    rng = random.Random(11)
    labels = [lab.name for lab in session.labels]
    qtmodeltester.check(model, force_py=True)  # and again after every signal of the model
    for step in range(120):
        move = rng.random()
        if move < 0.45 or len(session.index) == 0:
            start = rng.randrange(0, len(TEXT) - 3)
            end = start + rng.randint(1, 4)
            if "\n" in TEXT[start:end]:  # (the file-vs-table helper compares one-line texts)
                continue
            view.select_cp(start, end)
            editor.apply_label(rng.choice(labels))
        elif move < 0.6:
            session.focus_span(rng.choice([s.id for s in session.index]))
            editor.apply_label(rng.choice(labels))
        elif move < 0.75:
            session.focus_span(rng.choice([s.id for s in session.index]))
            editor.delete_focused()
        elif move < 0.9:
            session.undo()
        else:
            session.redo()
        if rng.random() < 0.3:
            here.set_position(rng.randrange(0, len(TEXT)))
        ids = [model.span_id(row) for row in range(model.rowCount())]
        assert all(i in session.index for i in ids)
        QApplication.processEvents()  # ("Spans here" shows a change of its spans from the loop)
        assert here.span_ids() == [s.id for s in innermost_first(
            session.index.spans_at(here.position), session.annotator)]
        doc_row = window.documents.model.row_of(1)
        assert window.documents.model.index(doc_row, 1).data() == len(session.index)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == model.total() == len(session.index)
    session.focus_span(None)  # the focused span wins the background where it lies
    stored = assert_file_matches_screen(window, project_path)
    keys = [(s.start, -s.end, s.id) for s in stored]
    assert [model.span_id(r) for r in range(model.rowCount())] == [k[2] for k in sorted(keys)]


def test_status_bar_progress_from_the_maintained_counts(qtbot, window, project_path):
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication

    add(window, "北朝鮮", "actor")
    add(window, "ドローン", "weapon")
    window.actions_registry.action("doc.status_done").trigger()
    field = window.status.fields["spans"]
    QApplication.sendEvent(field, QHelpEvent(QEvent.Type.ToolTip, QPoint(2, 2),
                                             field.mapToGlobal(QPoint(2, 2))))
    tip = field.toolTip()
    project = window.session.project
    docs = project.db.execute("SELECT count(*) FROM documents").fetchone()[0]
    spans = project.db.execute("SELECT count(*) FROM spans").fetchone()[0]
    assert f"This document: 2 spans ({window.session.annotator} 2)" in tip
    assert f"Project: {docs} documents (1 done, 0 in progress, {docs - 1} new), " \
           f"{spans} spans" in tip
    window.session.undo()  # the status back to "in progress"
    assert "(0 done, 1 in progress" in window.status.progress_text()


def test_a_nudge_that_keeps_a_row_between_its_neighbours_changes_only_that_row(qtbot, window, project_path):
    """Nudging a span's end changes its sort key; while it stays between the same neighbours
    its row is changed in place (one row's cells, the selection kept); when it passes a
    neighbour the row moves. Either way the rows are in order and match the file."""
    add(window, "北朝鮮", "actor")
    add(window, "プーチン氏", "claim")  # focused; it ends before 北朝鮮 ends
    table = window.span_table
    model = table.span_model
    table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # by end
    events: list[str] = []
    for signal, name in ((model.rowsInserted, "insert"), (model.rowsRemoved, "remove"),
                         (model.dataChanged, "changed"), (model.modelReset, "reset")):
        signal.connect(lambda *_, name=name: events.append(name))
    session = window.session
    focused = session.focused_span_id
    other = next(s for s in session.index if s.id != focused)
    assert session.index.get(focused).end + 1 < other.end
    assert window.editor.nudge("span.end_right")
    assert events == ["changed"]
    assert model.span_id(table.currentIndex().row()) == focused
    while session.index.get(focused).end <= other.end:  # past 北朝鮮's end: the row moves
        assert window.editor.nudge("span.end_right")
    assert "remove" in events and "insert" in events and "reset" not in events
    ends = [model.index(r, 3).data() for r in range(model.rowCount())]
    assert ends == sorted(ends) and model.span_id(1) == focused
    assert model.span_id(table.currentIndex().row()) == focused
    assert_file_matches_screen(window, project_path)
