"""A click on a relation's arc in the text selects that relation: its head is focused (or the
focused end kept), its row is current in the Relations list with the keyboard there, both its
spans are highlighted and its arc drawn wider; a click that hits no arc goes to the text as
before. Real mouse clicks on the viewport; the file checked after the list's keys act on the
picked relation; another process deleting it ends the highlight."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt

from annotator.ui.main_window import MainWindow
from annotator.ui.relation_pick import ENDS_LAYER
from tests.gui.conftest import point_of
from tests.gui.test_relations_live import other_process
from tests.gui.test_relations_window import ctrl, rel_path, span_at, stored, win

__all__ = ["rel_path", "win"]  # the fixtures, used by name

LEFT = Qt.MouseButton.LeftButton


def arc_point(win: MainWindow, relation_id: str) -> QPoint:
    """A point halfway along the arc of ``relation_id`` as last painted."""
    win.view.viewport().repaint()
    arcs = win.relations.arcs
    [(p, q)] = [(p, q) for rid, _kind, p, q in arcs.drawn if rid == relation_id]
    return arcs.path_between(p, q)[0].pointAtPercent(0.5).toPoint()


def ranges(*spans) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return sorted((s.start, s.end) for s in spans)


def test_clicking_an_arc_selects_its_relation(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    number, weapon = span_at(win, "5機"), span_at(win, "ドローン")
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    putin = span_at(win, "プーチン氏")
    actions, panel, view = win.relations.actions, win.relations.panel, win.view
    counted = actions.create(number.id, weapon.id, "quantifies")
    quoted = actions.create(claim.id, source.id, "attributed_to")
    assert counted and quoted
    win.session.focus_span(putin.id)  # neither relation's: both arcs faint
    assert not panel.isVisible()
    point = arc_point(win, counted)
    assert win.relations.arcs.relation_at(QPointF(point)) == counted
    qtbot.mouseClick(view.viewport(), LEFT, pos=point)
    assert win.session.focused_span_id == number.id  # the head, so the list lists it
    assert panel.isVisible() and panel.list.hasFocus()
    assert panel.current_relation().id == counted
    assert view.transient_ranges(ENDS_LAYER) == ranges(number, weapon)
    assert win.relations.arcs.selected == counted
    assert "Selected the 'quantifies' relation" in win.status.currentMessage()
    view.viewport().repaint()
    assert {rid: kind for rid, kind, _p, _q in win.relations.arcs.drawn}[counted] == "strong"

    # the keyboard is in the list: T retypes the picked relation (the highlight follows)
    qtbot.keyClick(panel.list, Qt.Key.Key_T)
    qtbot.keyClick(panel.chooser.list, "8")
    assert {r.id: r.type for r in stored(rel_path)} == {counted: "related", quoted: "attributed_to"}
    assert view.transient_ranges(ENDS_LAYER) == ranges(number, weapon)

    # from the tail's side: the focused end is kept
    win.session.focus_span(source.id)
    assert view.transient_ranges(ENDS_LAYER) == []  # the focus left the relation
    qtbot.mouseClick(view.viewport(), LEFT, pos=arc_point(win, quoted))
    assert win.session.focused_span_id == source.id
    assert panel.current_relation().id == quoted
    assert view.transient_ranges(ENDS_LAYER) == ranges(claim, source)
    # Delete in the list deletes the picked relation (not a span), and the highlight ends
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert [r.id for r in stored(rel_path)] == [counted]
    assert claim.id in win.session.index and source.id in win.session.index
    assert view.transient_ranges(ENDS_LAYER) == [] and win.relations.arcs.selected is None
    view.setFocus()
    ctrl(qtbot, win, Qt.Key.Key_Z)
    assert sorted(r.id for r in stored(rel_path)) == sorted([counted, quoted])


def test_a_click_that_hits_no_arc_goes_to_the_text(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    number, weapon = span_at(win, "5機"), span_at(win, "ドローン")
    putin = span_at(win, "プーチン氏")
    counted = win.relations.actions.create(number.id, weapon.id, "quantifies")
    view = win.view
    qtbot.mouseClick(view.viewport(), LEFT, pos=arc_point(win, counted))
    assert view.transient_ranges(ENDS_LAYER) == ranges(number, weapon)
    # on the text of プーチン氏 (after 𩸽 on its line): that span is focused, the caret there
    at = point_of(win, putin.start + 1)
    assert win.relations.arcs.relation_at(QPointF(at)) is None
    qtbot.mouseClick(view.viewport(), LEFT, pos=at)
    assert win.session.focused_span_id == putin.id
    assert view.cursor_cp() == putin.start + 1
    assert view.transient_ranges(ENDS_LAYER) == [] and win.relations.arcs.selected is None
    assert [r.id for r in stored(rel_path)] == [counted]


def test_while_making_a_relation_a_click_picks_the_tail_not_an_arc(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    number, weapon = span_at(win, "5機"), span_at(win, "ドローン")
    actor = span_at(win, "プーチン氏")
    counted = win.relations.actions.create(number.id, weapon.id, "quantifies")
    win.session.focus_span(number.id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    assert win.relations.creator.active
    qtbot.mouseClick(win.view.viewport(), LEFT, pos=arc_point(win, counted))
    assert win.view.transient_ranges(ENDS_LAYER) == []
    qtbot.mouseClick(win.view.viewport(), LEFT, pos=point_of(win, actor.start + 1))
    chooser = win.relations.creator.chooser
    assert chooser is not None and [c.value for c in chooser.choices] == ["quantifies", "related"]
    qtbot.keyClick(chooser.list, "3")
    assert {(r.head, r.tail) for r in stored(rel_path)} == {(number.id, weapon.id),
                                                             (number.id, actor.id)}


def test_the_highlight_ends_when_the_relation_is_deleted_elsewhere(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    number, weapon = span_at(win, "5機"), span_at(win, "ドローン")
    counted = win.relations.actions.create(number.id, weapon.id, "quantifies")
    qtbot.mouseClick(win.view.viewport(), LEFT, pos=arc_point(win, counted))
    assert win.view.transient_ranges(ENDS_LAYER) == ranges(number, weapon)
    other_process(rel_path, ["delete", counted])
    qtbot.waitUntil(lambda: win.view.transient_ranges(ENDS_LAYER) == [], timeout=2000)
    assert win.relations.arcs.selected is None and win.relations.panel.relation_ids() == []


def test_the_highlight_follows_the_rows_of_the_same_span(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    actor = span_at(win, "金氏")
    actions, panel, view = win.relations.actions, win.relations.panel, win.view
    involves = actions.create(claim.id, actor.id, "involves")
    quoted = actions.create(claim.id, source.id, "attributed_to")
    win.session.focus_span(span_at(win, "5機").id)
    qtbot.mouseClick(view.viewport(), LEFT, pos=arc_point(win, quoted))
    assert win.session.focused_span_id == claim.id
    assert panel.relation_ids() == [involves, quoted] and panel.current_relation().id == quoted
    qtbot.keyClick(panel.list, Qt.Key.Key_Up)
    assert panel.current_relation().id == involves
    assert view.transient_ranges(ENDS_LAYER) == ranges(claim, actor)
    assert win.relations.arcs.selected == involves
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)  # to the other end: still this relation's
    assert win.session.focused_span_id == actor.id
    assert view.transient_ranges(ENDS_LAYER) == ranges(claim, actor)


def test_relations_are_read_when_shown_and_not_after_the_project_closed(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The window reads a relation's ends when a document opens and the rest when it is
    drawn or listed; a paint after the project closed reads nothing (and does not fail)."""
    number, weapon = span_at(win, "5機"), span_at(win, "ドローン")
    counted = win.relations.actions.create(number.id, weapon.id, "quantifies")
    state = win.relations.state
    state.reload()
    assert counted in state.relations and state.relations.known(counted) is None
    win.view.viewport().repaint()  # drawn: read
    assert state.relations.known(counted) == stored(rel_path)[0]
    state.reload()
    win.session.project.close()
    win.view.viewport().repaint()
    assert win.relations.arcs.drawn == [] and len(state.relations) == 0
