"""The review window driven by keys and clicks: navigate, accept, change, reject, add, undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from review_work import where

from annotator.cli import main
from annotator.store import Project
from annotator.ui.review import ReviewContext, ReviewWindow
from annotator.ui.text_view import AnnotationTextView


def _doc(project: Project, name: str = "one.txt") -> int:
    return next(d.id for d in project.documents() if d.name == name)


@pytest.fixture
def window(qtbot, merged: Project) -> ReviewWindow:
    context = ReviewContext(merged, "rita")
    win = ReviewWindow(context, _doc(merged), ["alice", "bob"])
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _key(qtbot, win: ReviewWindow, key: Qt.Key,
         modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = win.lanes.lanes["alice"].view
    target.setFocus()
    qtbot.keyClick(target, key, modifiers)


def _unit_text(win: ReviewWindow) -> str:
    unit = win.unit_panel.unit
    assert unit is not None
    return win.text[unit.start:unit.end]


def _reviewed(path: Path) -> list[tuple[int, int, str]]:
    with Project.open(path) as project:
        return [(s.start, s.end, s.label) for s in project.spans(annotators=["reviewed"])]


def _click_at(qtbot, view: AnnotationTextView, cp: int) -> None:
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_utf16(cp))
    rect = view.cursorRect(cursor)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 2, rect.center().y()))


def test_lanes_show_each_annotator_with_kinds(window: ReviewWindow) -> None:
    assert list(window.lanes.lanes) == ["alice", "bob"]
    bob = window.lanes.lanes["bob"].view
    start, _ = where("one.txt", "𠮷野家")
    assert [s.kind.value for s in bob.spans_at(start)] == ["only some marked it"]
    start, _ = where("one.txt", "東京")
    assert [s.kind.value for s in bob.spans_at(start)] == ["label differs"]
    assert window.lanes.reviewed is not None


def test_keys_jump_between_disagreements(qtbot, window: ReviewWindow) -> None:
    _key(qtbot, window, Qt.Key.Key_N)
    assert _unit_text(window) == "金正恩総書記"
    _key(qtbot, window, Qt.Key.Key_F8)
    assert _unit_text(window) == "東京"
    _key(qtbot, window, Qt.Key.Key_N)
    assert _unit_text(window) == "𠮷野家"
    _key(qtbot, window, Qt.Key.Key_P)
    assert _unit_text(window) == "東京"
    _key(qtbot, window, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert _unit_text(window) == "金正恩総書記"
    unit = window.unit_panel.unit
    for view in window.lanes.views():
        assert view.transient_ranges("focus") == [(unit.start, unit.end)]


def test_adjudicate_a_document_and_undo(qtbot, window: ReviewWindow, merged_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    kim, tokyo = where("one.txt", "金正恩"), where("one.txt", "東京")
    # accept alice's 金正恩 (first span of the first disagreement)
    _key(qtbot, window, Qt.Key.Key_N)
    assert window.unit_panel.current_mark().span.annotator == "alice"
    _key(qtbot, window, Qt.Key.Key_A)
    assert _reviewed(merged_path) == [(*kim, "actor")]
    # accept bob's 東京 with changes: label source, end one character further
    _key(qtbot, window, Qt.Key.Key_N)
    _key(qtbot, window, Qt.Key.Key_J)
    assert window.unit_panel.current_mark().span.annotator == "bob"
    window.unit_panel.label_box.setCurrentText("source")
    _key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    _key(qtbot, window, Qt.Key.Key_C)
    assert (tokyo[0], tokyo[1] + 1, "source") in _reviewed(merged_path)
    # reject bob's 𠮷野家 with a reason typed in the reason box
    _key(qtbot, window, Qt.Key.Key_N)
    reason = window.unit_panel.reason_box.lineEdit()
    reason.setFocus()
    qtbot.keyClicks(reason, "guideline gap")
    _key(qtbot, window, Qt.Key.Key_R)
    # add 会談 from a selection made by click and Shift+Right in alice's lane
    start, end = where("one.txt", "会談")
    view = window.lanes.lanes["alice"].view
    _click_at(qtbot, view, start)
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert view.selection_cp() == (start, end)
    window.unit_panel.label_box.setCurrentText("claim")
    _key(qtbot, window, Qt.Key.Key_Insert)
    assert (start, end, "claim") in _reviewed(merged_path)
    # undo the add, redo it, undo it again
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (start, end, "claim") not in _reviewed(merged_path)
    _key(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert (start, end, "claim") in _reviewed(merged_path)
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    decided = sorted([(*kim, "actor"), (tokyo[0], tokyo[1] + 1, "source")])
    assert sorted(_reviewed(merged_path)) == decided
    reviewed_lane = window.lanes.reviewed_highlighter.index
    assert sorted((s.start, s.end, s.label) for s in reviewed_lane) == decided
    with Project.open(merged_path) as other:
        doc = _doc(other)
        decisions = [(d.decision, d.who, d.reason) for d in other.decisions(doc)]
        assert decisions == [("accept", "rita", None), ("accept_with_changes", "rita", None),
                             ("reject", "rita", "guideline gap")]
        assert other.review_status(doc) == "in review"
        names = {d.id: d.name for d in other.documents()}
    assert main(["export", "--db", str(merged_path), "--annotator", "reviewed",
                 "--skip-empty"]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in exported] == [names[doc]]
    assert sorted((s["start"], s["end"], s["label"]) for s in exported[0]["spans"]) == decided
    assert [s["text"] for s in exported[0]["spans"]] == ["金正恩", "東京で"]


def test_accept_all_agreed_is_one_undoable_step(qtbot, window: ReviewWindow,
                                                merged_path: Path) -> None:
    _key(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
         | Qt.KeyboardModifier.ShiftModifier)
    agreed = sorted([(*where("one.txt", "北朝鮮"), "actor"), (*where("one.txt", "外務省"), "actor")])
    assert sorted(_reviewed(merged_path)) == agreed
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _reviewed(merged_path) == []
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
         | Qt.KeyboardModifier.ShiftModifier)
    assert sorted(_reviewed(merged_path)) == agreed


def test_three_annotators_and_the_reviewed_lane_is_editable(
        qtbot, window: ReviewWindow, merged_path: Path) -> None:
    window.set_annotators(["alice", "bob", "carol"])
    assert list(window.lanes.lanes) == ["alice", "bob", "carol"]
    _key(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
         | Qt.KeyboardModifier.ShiftModifier)
    start, _ = where("one.txt", "北朝鮮")
    assert (start, start + 3, "actor") in _reviewed(merged_path)
    reviewed = window.lanes.reviewed.view
    _click_at(qtbot, reviewed, start + 1)
    assert window.focused_reviewed is not None
    _key(qtbot, window, Qt.Key.Key_Delete)
    assert (start, start + 3, "actor") not in _reviewed(merged_path)


def test_review_status_is_settable(window: ReviewWindow, merged_path: Path) -> None:
    box = window.status_box
    box.setCurrentText("reviewed")
    box.activated.emit(box.currentIndex())
    with Project.open(merged_path) as other:
        assert other.review_status(_doc(other)) == "reviewed"


def test_a_failed_decision_is_reported_and_changes_nothing(
        qtbot, window: ReviewWindow, merged_path: Path) -> None:
    _key(qtbot, window, Qt.Key.Key_N)
    _key(qtbot, window, Qt.Key.Key_A)
    _key(qtbot, window, Qt.Key.Key_A)  # the same span again: an exact duplicate
    assert "already has" in window.statusBar().currentMessage()
    assert len(_reviewed(merged_path)) == 1
