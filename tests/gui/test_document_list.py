"""The lazy document list on a corpus of a few thousand documents: the rows sorted by each
column and filtered are what a plain SQL reference gives, the cells show the stored names,
statuses and counts, and the list is driven with real keys and clicks."""

from __future__ import annotations

import contextlib
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from annotator.domain.spans import Span, new_span_id, now
from annotator.store import Project, document_rows
from annotator.ui.document_list import DOCUMENT_ID_ROLE
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from tests.gui.conftest import WHO

N_DOCS = 2500
STATUSES = ("new", "in progress", "done")
WORDS = ("Report", "report", "memo", "Memo_x", "brief%", "記事", "速報", "article")


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: documents with repeated and mixed-case names, random statuses and span
    counts (0–6, three annotators)."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.annotator"
    rng = random.Random(10)
    stamp = now()
    with Project.open(path) as project, project.atomic():
        for n in range(N_DOCS):
            name = f"{rng.choice(WORDS)}-{rng.randrange(400):03d}.txt"
            doc, _ = project.add_document(name, f"文書{n}。北朝鮮はミサイルを発射した。",
                                          who=WHO)
            spans = [Span(new_span_id(), doc.id, i, i + 2, "claim", ("hana", "ken", WHO)[i % 3],
                          None, stamp, stamp) for i in range(rng.randrange(7))]
            if spans:
                project.add_spans_bulk(spans, who=WHO, source="test")
            status = rng.choice(STATUSES)
            if status != "new":
                project.set_document_status(doc.id, status, who=WHO)
    with Project.open(path) as project, project.atomic():
        document_rows.index_names(project)  # what the window does a moment after it opens
    return path


@contextlib.contextmanager
def shown_window(qtbot, path: Path, settings: AppSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The window on the project at ``path``, 1280×800, shown; closed with its session."""
    session = Session(Project.open(path), WHO)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.restore()
    win.show()
    qtbot.waitExposed(win)
    try:
        yield win
    finally:
        win.close()
        session.close()


@pytest.fixture
def corpus_window(qtbot, corpus_file: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                  settings: AppSettings) -> Iterator[MainWindow]:
    path = tmp_path / "corpus.annotator"
    shutil.copyfile(corpus_file, path)
    with shown_window(qtbot, path, settings) as win:
        yield win


def reference(project: Project, order: str, descending: bool, needle: str = "") -> list[int]:
    """The list's rows computed without the maintained counts or the list's own queries."""
    rows = project.db.execute(
        "SELECT d.id, d.name, d.status, (SELECT count(*) FROM spans s WHERE s.document_id = d.id) "
        "FROM documents d").fetchall()
    needle = needle.strip().casefold()
    if needle:
        rows = [r for r in rows if needle in r[1].casefold() or needle in r[2]]
    keys = {"id": lambda r: (r[0],), "name": lambda r: (r[1].encode(), r[2], r[0]),
            "status": lambda r: (r[2], r[1].encode(), r[0]), "spans": lambda r: (r[3], r[0])}
    return [r[0] for r in sorted(rows, key=keys[order], reverse=descending)]


def shown_ids(win: MainWindow) -> list[int]:
    """The rows, all of them (a filter that matches many documents reads them as asked)."""
    model = win.documents.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    return [model.index(row, 0).data(DOCUMENT_ID_ROLE) for row in range(model.rowCount())]


def test_sorted_by_each_column_like_sql(qtbot, corpus_window) -> None:  # type: ignore[no-untyped-def]
    win = corpus_window
    project, model, view = win.session.project, win.documents.model, win.documents.view
    assert shown_ids(win) == reference(project, "id", False)
    header = view.horizontalHeader()
    for column, order in ((0, "name"), (1, "spans"), (2, "status")):
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=header.rect().center().__class__(x, header.height() // 2))
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert header.sortIndicatorSection() == column
        assert shown_ids(win) == reference(project, order, descending), order
        view.sortByColumn(column, Qt.SortOrder.DescendingOrder if not descending
                          else Qt.SortOrder.AscendingOrder)
        assert shown_ids(win) == reference(project, order, not descending), order
    # The cells are the stored values (the rows on screen and far down the list).
    counts = dict(project.db.execute(
        "SELECT document_id, count(*) FROM spans GROUP BY document_id").fetchall())
    for row in (0, 1, 17, model.rowCount() // 2, model.rowCount() - 1):
        doc = project.document(model.document_id(row))
        assert model.index(row, 0).data() == doc.name
        assert model.index(row, 1).data() == counts.get(doc.id, 0)
        assert model.index(row, 2).data() == doc.status


def test_filter_by_typing_like_sql(qtbot, qtmodeltester, corpus_window) -> None:  # type: ignore[no-untyped-def]
    win = corpus_window
    project, panel = win.session.project, win.documents
    panel.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    panel.filter_edit.setFocus()
    typed = ""
    for char in "memo_x":  # "_" is a character here, not LIKE's wildcard; case is ignored
        qtbot.keyClicks(panel.filter_edit, char)
        typed += char
        assert shown_ids(win) == reference(project, "spans", True, typed), typed
    assert 0 < panel.model.rowCount() < N_DOCS
    panel.filter_edit.clear()
    qtbot.keyClicks(panel.filter_edit, "in prog")
    assert shown_ids(win) == reference(project, "spans", True, "in prog")
    assert {panel.model.index(r, 2).data() for r in range(panel.model.rowCount())} == {
        "in progress"}
    qtbot.keyClicks(panel.filter_edit, "zzz")
    assert panel.model.rowCount() == 0
    panel.filter_edit.clear()
    assert panel.model.rowCount() == N_DOCS
    # Last: the model tester runs its checks again on each reset, fetching rows inside it.
    qtbot.keyClicks(panel.filter_edit, "memo")
    qtmodeltester.check(panel.model, force_py=True)


def test_keys_and_clicks_switch_documents(qtbot, corpus_window) -> None:  # type: ignore[no-untyped-def]
    win = corpus_window
    panel, session = win.documents, win.session
    panel.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    model, view = panel.model, panel.view
    rect = view.visualRect(model.index(3, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert session.document.id == model.document_id(3)
    assert model.index(3, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(2, 0).data(Qt.ItemDataRole.FontRole) is None
    for expected in (4, 5, 6):
        qtbot.keyClick(view, Qt.Key.Key_Down)
        assert session.document.id == model.document_id(expected)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert session.document.id == model.document_id(5)
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert session.document.id == model.document_id(model.rowCount() - 1)
    assert win.status.text("document").startswith(session.document.name)
    # Ctrl+PgUp / Ctrl+PgDown from the text go through the list in its order.
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert session.document.id == model.document_id(model.rowCount() - 2)
    assert view.currentIndex().row() == model.rowCount() - 2


def test_an_edit_moves_the_row_when_sorted_by_spans(qtbot, corpus_window) -> None:  # type: ignore[no-untyped-def]
    win = corpus_window
    panel, session = win.documents, win.session
    panel.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    model = panel.model
    doc_id = model.document_id(model.rowCount() - 1)  # one without spans
    win.open_document(doc_id)
    assert model.index(model.row_of(doc_id), 1).data() == 0
    resets: list[str] = []
    model.modelReset.connect(lambda: resets.append("reset"))
    for start in range(0, 14, 2):
        win.view.select_cp(start, start + 1)
        assert win.editor.apply_label("actor") is not None
    row = model.row_of(doc_id)
    assert model.index(row, 1).data() == 7  # the count at once, the place a moment later
    qtbot.waitUntil(lambda: model.row_of(doc_id) == 0, timeout=2000)
    assert shown_ids(win) == reference(session.project, "spans", True)
    assert panel.view.currentIndex().row() == 0  # the selection moved with the row
    assert resets == []


def test_a_filter_matching_many_reads_its_rows_as_the_list_scrolls(  # type: ignore[no-untyped-def]
        qtbot, corpus_window) -> None:
    win = corpus_window
    project, panel = win.session.project, win.documents
    model, view = panel.model, panel.view
    qtbot.keyClicks(panel.filter_edit, "e")  # "new" and "done" too: most documents
    expected = reference(project, "id", False, "e")
    assert model.rowCount() == model.PAGE < len(expected) and model.canFetchMore(QModelIndex())
    bar = view.verticalScrollBar()
    while model.rowCount() < len(expected):
        rows = model.rowCount()
        qtbot.waitUntil(lambda: bar.maximum() > bar.value())  # laid out with the rows read
        bar.setValue(bar.maximum())  # the view asks for more at the end of the list
        qtbot.waitUntil(lambda rows=rows: model.rowCount() > rows, timeout=2000)
    assert not model.canFetchMore(QModelIndex())
    assert [model.index(r, 0).data(DOCUMENT_ID_ROLE) for r in range(model.rowCount())] == expected


def test_names_added_are_indexed_a_moment_later(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    project = window.session.project
    assert document_rows.names_pending(project) == 2  # added by the fixture, not indexed
    assert document_rows.plan(project, needle="astral").total == 1  # found above the watermark
    qtbot.waitUntil(lambda: document_rows.names_pending(project) == 0, timeout=5000)
    assert project.db.execute(
        "SELECT rowid FROM document_name_index WHERE document_name_index MATCH 'tra'"
    ).fetchall() == [(1,)]
    window.documents.filter_edit.setText("STRAL")
    assert [window.documents.model.document_id(0)] == [1] == [
        r[0] for r in document_rows.rows(project, document_rows.plan(project, needle="STRAL"),
                                          0, 10)]


def test_the_name_index_goes_a_slice_at_a_time_and_waits_while_the_window_works(  # type: ignore[no-untyped-def]
        qtbot, corpus_file: Path, tmp_path: Path, settings: AppSettings) -> None:
    """A corpus none of whose names are indexed (written by an older version): the window adds
    them in short slices between events, never while a switch or an edit is being handled."""
    path = tmp_path / "imported.annotator"
    shutil.copyfile(corpus_file, path)
    with Project.open(path) as project, project.atomic():  # as an older version left it
        project.db.execute("INSERT INTO document_name_index(document_name_index) VALUES ('delete-all')")
        project.db.execute("UPDATE document_name_state SET indexed_through = 0 WHERE id = 1")
    with shown_window(qtbot, path, settings) as win:
        session = win.session
        project, model = session.project, win.documents.model
        win.open_document(model.document_id(0))

        def through() -> int:
            return project.db.execute(
                "SELECT indexed_through FROM document_name_state WHERE id = 1").fetchone()[0]

        assert model.INDEX_SLICE * 4 < N_DOCS
        qtbot.waitUntil(lambda: through() > 0, timeout=5000)
        assert through() < N_DOCS  # a slice at a time, not the whole corpus in one event
        # A label key: for a while after it nothing is indexed; then the rest is.
        win.view.select_cp(0, 2)
        before = through()
        qtbot.keyClick(win.view, Qt.Key.Key_1)
        assert project.db.execute("SELECT count(*) FROM spans WHERE document_id = ? AND "
                                  "annotator = ? AND start = 0 AND end = 2",
                                  [session.document.id, WHO]).fetchone()[0] == 1
        qtbot.wait(model.INDEX_QUIET_MS // 2)
        assert through() == before
        qtbot.waitUntil(lambda: through() == N_DOCS, timeout=20_000)
        # (raises "database disk image is malformed" when the index does not match the names)
        project.db.execute("INSERT INTO document_name_index(document_name_index, rank) "
                           "VALUES ('integrity-check', 1)")
        win.documents.filter_edit.setText("memo_x")
        assert shown_ids(win) == reference(project, "id", False, "memo_x")
        assert len(shown_ids(win)) > 100  # answered from the index (a trigram in many names)
