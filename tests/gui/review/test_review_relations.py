"""Relations in the review window, by keys and clicks: listed per unit with type and both span
texts; accept (its ends too), reject, add between reviewed spans; undo and redo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from annotator.store import Project
from annotator.ui.review import ReviewContext, ReviewWindow
from annotator.ui.text_view import AnnotationTextView

TEXT = "😀米CNNは、金氏が『戦闘機や飛行場の様子を見学し』と報じました。"
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def project(tmp_path: Path):
    with Project.open(tmp_path / "p.annotator") as project:
        doc, _ = project.add_document("one.txt", TEXT, who="test")
        for who in ("hana", "ken"):
            source = project.add_span(doc.id, 1, 5, "source", who)
            actor = project.add_span(doc.id, 7, 9, "actor", who)
            claim = project.add_span(doc.id, 11, 24 if who == "hana" else 25, "claim", who)
            project.add_relation(claim.id, source.id, "attributed_to")
            project.add_relation(claim.id, actor.id, "involves")
        yield project


@pytest.fixture
def window(qtbot, project: Project) -> ReviewWindow:
    win = ReviewWindow(ReviewContext(project, "rita"), project.documents()[0].id,
                       ["hana", "ken"])
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _key(qtbot, win: ReviewWindow, key: Qt.Key,
         modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = win.lanes.lanes["hana"].view
    target.setFocus()
    qtbot.keyClick(target, key, modifiers)


def _click_at(qtbot, view: AnnotationTextView, cp: int) -> None:
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_utf16(cp))
    rect = view.cursorRect(cursor)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 2, rect.center().y()))


def _rows(win: ReviewWindow) -> list[tuple[str, ...]]:
    table = win.unit_panel.relation_table
    return [tuple(table.item(r, c).text() for c in range(table.columnCount()))
            for r in range(table.rowCount())]


def _reviewed(project: Project):
    spans = {s.id: s for s in project.spans(annotators=["reviewed"])}
    return (sorted((s.start, s.end, s.label) for s in spans.values()),
            sorted((r.type, spans[r.head].label, spans[r.tail].label)
                   for r in project.relations(annotator="reviewed")))


def _to_claim(qtbot, win: ReviewWindow) -> None:
    for _ in range(5):
        unit = win.unit_panel.unit
        if unit is not None and unit.start <= 11 < unit.end:
            return
        _key(qtbot, win, Qt.Key.Key_N)
    raise AssertionError("no unit holds the claim")


def test_relations_of_the_unit_are_listed_with_both_texts(qtbot, window: ReviewWindow) -> None:
    _to_claim(qtbot, window)
    claim = TEXT[11:24]
    assert _rows(window) == [
        ("hana", "attributed_to", f"claim: {claim}", "source: 米CNN", ""),
        ("hana", "involves", f"claim: {claim}", "actor: 金氏", ""),
        ("ken", "attributed_to", f"claim: {TEXT[11:25]}", "source: 米CNN", ""),
        ("ken", "involves", f"claim: {TEXT[11:25]}", "actor: 金氏", "")]
    assert window.unit_panel.relation_heading.text().endswith(": 4")
    _key(qtbot, window, Qt.Key.Key_J, SHIFT)
    assert window.unit_panel.current_relation().relation.type == "involves"
    _key(qtbot, window, Qt.Key.Key_K, SHIFT)
    _key(qtbot, window, Qt.Key.Key_K, SHIFT)  # wraps to the last
    assert window.unit_panel.current_relation().relation.annotator == "ken"


def test_accept_a_relation_with_its_ends_then_undo_and_redo(
        qtbot, window: ReviewWindow, project: Project) -> None:
    _to_claim(qtbot, window)
    assert window.unit_panel.current_relation().relation.type == "attributed_to"
    _key(qtbot, window, Qt.Key.Key_A, SHIFT)
    assert _reviewed(project) == ([(1, 5, "source"), (11, 24, "claim")],
                                  [("attributed_to", "claim", "source")])
    rows = _rows(window)
    assert rows[0][4] == "accepted" and rows[1][4] == ""
    assert ("reviewed", "attributed_to") in {(r[0], r[1]) for r in rows}
    assert window.lanes.reviewed.count == 2  # the lane follows the accepted ends
    assert window.unit_panel.current_relation().relation.annotator == "hana"
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _reviewed(project) == ([], [])
    assert [r[4] for r in _rows(window)] == ["", "", "", ""]
    assert window.lanes.reviewed.count == 0
    _key(qtbot, window, Qt.Key.Key_Z,
         Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _reviewed(project)[1] == [("attributed_to", "claim", "source")]
    # accepting it twice says so and changes nothing
    window.unit_panel.relation_table.selectRow(0)
    _key(qtbot, window, Qt.Key.Key_A, SHIFT)
    assert "already" in window.statusBar().currentMessage()
    assert len(project.relations(annotator="reviewed")) == 1


def test_reject_then_add_a_relation_between_reviewed_spans(
        qtbot, window: ReviewWindow, project: Project) -> None:
    _to_claim(qtbot, window)
    window.unit_panel.relation_table.selectRow(3)  # ken's involves
    _key(qtbot, window, Qt.Key.Key_R, SHIFT)
    assert _rows(window)[3][4] == "rejected"
    doc = project.documents()[0].id
    assert [d["decision"] for d in project.relation_decisions(doc)] == ["reject"]
    assert _reviewed(project) == ([], [])

    # the spans by span decisions: every agreed span (source, actor), then hana's claim
    _key(qtbot, window, Qt.Key.Key_A,
         Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.unit_panel.current_mark().span.annotator == "hana"
    _key(qtbot, window, Qt.Key.Key_A)
    assert _reviewed(project) == ([(1, 5, "source"), (7, 9, "actor"), (11, 24, "claim")], [])
    reviewed = window.lanes.reviewed.view
    _click_at(qtbot, reviewed, 12)  # the reviewed claim
    _key(qtbot, window, Qt.Key.Key_H)
    _click_at(qtbot, reviewed, 2)  # the reviewed source
    window.unit_panel.relation_type_box.setCurrentText("attributed_to")
    qtbot.keyClick(reviewed, Qt.Key.Key_Insert, SHIFT)
    assert _reviewed(project)[1] == [("attributed_to", "claim", "source")]
    assert [d["decision"] for d in project.relation_decisions(doc)] == ["reject", "add"]
    assert ("reviewed", "attributed_to") in {(r[0], r[1]) for r in _rows(window)}
    # a type that does not allow the labels is refused, nothing written
    _click_at(qtbot, reviewed, 12)
    _key(qtbot, window, Qt.Key.Key_H)
    _click_at(qtbot, reviewed, 2)
    window.unit_panel.relation_type_box.setCurrentText("quantifies")
    qtbot.keyClick(reviewed, Qt.Key.Key_Insert, SHIFT)
    assert len(project.relations(annotator="reviewed")) == 1
    assert "quantifies" in window.statusBar().currentMessage()
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _reviewed(project)[1] == []


RELATE = """
import sys
from annotator.store import Project
path, head, tail, kind = sys.argv[1:]
with Project.open(path) as project:
    project.add_relation(head, tail, kind, who="ken")
"""


def test_a_relation_made_by_another_process_is_listed(qtbot, tmp_path: Path, settings) -> None:
    """Opened from a main window, the review window lists a relation another process wrote."""
    import os
    import subprocess
    import sys

    from annotator.ui.main_window import MainWindow
    from annotator.ui.review import install
    from annotator.ui.session import Session

    path = tmp_path / "p.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("one.txt", TEXT, who="test")
        for who in ("hana", "ken"):
            source = project.add_span(doc.id, 1, 5, "source", who)
            project.add_span(doc.id, 7, 9, "actor", who)
            claim = project.add_span(doc.id, 11, 24 if who == "hana" else 25, "claim", who)
        head, tail = claim.id, source.id  # ken's
    session = Session(Project.open(path), "rita")
    main = MainWindow(session, settings)
    qtbot.addWidget(main)
    install(main)
    main.restore()
    main.show()
    review = ReviewWindow(main.review.context, 1, ["hana", "ken"], parent=main)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitExposed(review)
    review.activateWindow()
    qtbot.waitUntil(review.isActiveWindow)
    try:
        _to_claim(qtbot, review)
        assert _rows(review) == []
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run([sys.executable, "-c", RELATE, str(path), head, tail,
                               "attributed_to"], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        qtbot.waitUntil(lambda: len(_rows(review)) == 1, timeout=3000)
        assert _rows(review)[0][:2] == ("ken", "attributed_to")
    finally:
        review.close()
        main.close()
        session.close()
