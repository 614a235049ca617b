"""The review window follows the annotation window's layer rules: a layer list with each
layer's span count and colours, annotators' layers shown (as lanes) or hidden one by one and
read-only, the reviewed layer always shown and edited here. Real keys; the file is checked
after each action."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.review import ReviewContext, ReviewWindow
from annotator.ui.review.layer_list import COUNT_ROLE, REVIEWED_ROLE
from annotator.ui.session import Session
from tests.gui.review.test_review_window_fixes import (
    TEXT,
    add_elsewhere,
    click_at,
    install,
    name_at,
    path,  # noqa: F401 (fixture)
    show,
)


@pytest.fixture
def three(path: Path) -> Path:  # noqa: F811
    """alice's 40 actors, bob's claim and 40 sources, carol's 3 weapons on the first names."""
    with Project.open(path) as project:
        for n in range(3):
            project.add_span(1, *name_at(n), "weapon", "carol")
    return path


@pytest.fixture
def review(qtbot, three: Path) -> Iterator[ReviewWindow]:  # type: ignore[no-untyped-def]
    project = Project.open(three)
    win = ReviewWindow(ReviewContext(project, "rita"), 1)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    show(qtbot, win)
    yield win
    project.close()


def stored(path: Path) -> list[tuple[str, int, int, str]]:
    with Project.open(path) as project:
        return sorted((s.annotator, s.start, s.end, s.label) for s in project.spans(1))


def rows(win: ReviewWindow) -> list[tuple[str, int, bool, bool]]:
    """(name, count, checked, user-checkable) of every row of the layer list."""
    out = []
    for i in range(win.annotator_list.count()):
        item = win.annotator_list.item(i)
        out.append((item.text(), item.data(COUNT_ROLE),
                    item.checkState() == Qt.CheckState.Checked,
                    bool(item.flags() & Qt.ItemFlag.ItemIsUserCheckable)))
    return out


def toggle(qtbot, win: ReviewWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    """Space on the layer's row (the keyboard's way to tick a check box)."""
    layers = win.annotator_list
    (item,) = layers.findItems(name, Qt.MatchFlag.MatchExactly)
    layers.setFocus()
    layers.setCurrentItem(item)
    qtbot.keyClick(layers.viewport(), Qt.Key.Key_Space)


def test_the_layer_list_counts_and_colours_every_layer(qtbot, review: ReviewWindow) -> None:
    assert rows(review) == [("alice", 40, True, True), ("bob", 41, True, True),
                            ("carol", 3, True, True), ("reviewed", 0, True, False)]
    layers = review.annotator_list
    assert all(not layers.item(i).icon().isNull() for i in range(layers.count()))
    assert layers.item(3).data(REVIEWED_ROLE) and review.annotators() == ["alice", "bob", "carol"]
    assert "read-only" in layers.item(0).toolTip() and "40 spans" in layers.item(0).toolTip()
    assert "3 spans" in layers.item(2).toolTip()
    assert list(review.lanes.lanes) == ["alice", "bob", "carol"]


def test_hiding_and_showing_a_layer_by_key(qtbot, review: ReviewWindow, three: Path) -> None:
    before = stored(three)
    toggle(qtbot, review, "carol")
    assert review.annotators() == ["alice", "bob"] and list(review.lanes.lanes) == ["alice", "bob"]
    assert rows(review)[2] == ("carol", 3, False, True)  # hidden, still counted
    toggle(qtbot, review, "reviewed")  # the reviewed layer cannot be hidden
    assert rows(review)[3] == ("reviewed", 0, True, False) and review.lanes.reviewed is not None
    toggle(qtbot, review, "carol")
    assert list(review.lanes.lanes) == ["alice", "bob", "carol"]
    assert stored(three) == before  # showing and hiding writes nothing


def test_annotators_layers_are_read_only_here(qtbot, review: ReviewWindow, three: Path) -> None:
    before = stored(three)
    alice = review.lanes.lanes["alice"].view
    click_at(qtbot, alice, name_at(0)[0] + 1)
    for key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_1, Qt.Key.Key_X):
        qtbot.keyClick(alice, key)
    assert stored(three) == before
    # accepting goes to the reviewed layer only; its count follows at once
    qtbot.keyClick(alice, Qt.Key.Key_N)
    qtbot.keyClick(alice, Qt.Key.Key_A)
    after = stored(three)
    added = [s for s in after if s not in before]
    assert [s[0] for s in added] == ["reviewed"] and set(before) <= set(after)
    assert rows(review)[3][:2] == ("reviewed", 1)
    # a reviewed span clicked, then a colleague's: Delete no longer deletes the reviewed one
    start, end, label = added[0][1:]
    click_at(qtbot, review.lanes.reviewed.view, start + 1)
    assert review.focused_reviewed is not None
    click_at(qtbot, alice, name_at(5)[0] + 1)
    qtbot.keyClick(alice, Qt.Key.Key_Delete)
    assert stored(three) == after and review.focused_reviewed is None
    click_at(qtbot, review.lanes.reviewed.view, start + 1)
    qtbot.keyClick(review.lanes.reviewed.view, Qt.Key.Key_Delete)
    assert stored(three) == before
    assert rows(review)[3][:2] == ("reviewed", 0)


def test_counts_follow_spans_added_elsewhere_to_a_hidden_layer(  # type: ignore[no-untyped-def]
        qtbot, three: Path, settings) -> None:
    session = Session(Project.open(three), "rita")
    main = MainWindow(session, settings)
    qtbot.addWidget(main)
    install(main)
    main.restore()
    main.show()
    qtbot.waitExposed(main)
    review = ReviewWindow(main.review.context, 1, ["alice", "bob"], parent=main)
    qtbot.addWidget(review)
    show(qtbot, review)
    try:
        assert rows(review)[2] == ("carol", 3, False, True)
        start = TEXT.index("第7段")
        add_elsewhere(three, 1, start, start + 3, "number", "carol")
        qtbot.waitUntil(lambda: rows(review)[2][1] == 4, timeout=2000)
        assert list(review.lanes.lanes) == ["alice", "bob"]
    finally:
        review.close()
        main.close()
        session.close()
