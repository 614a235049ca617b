"""Relations and span attributes in the annotation window, with real keys and clicks: making a
relation (Ctrl+R, Alt+Down, Enter, the type's key; or a click on the tail), only the types the
two labels allow, the relation list (go to the other end, retype, reverse, delete), undo and
redo, span deletes and resizes, the arcs on the text, and attributes set from the keyboard.
Astral characters stand before every span, so a UTF-16 slip would show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from annotator.domain.relations import Attribute, Relation, RelationType
from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from tests.gui.conftest import cp_of, point_of

WHO = "tester"
TEXT = ("😀𠮷 米CNNは、金氏が『戦闘機や飛行場の様子を見学し』と報じました。\n"
        "𩸽の後で、ロシア軍はドローン5機を受け取った。プーチン氏も来た。\n"
        "終わり。")


def find(needle: str) -> tuple[int, int]:
    return cp_of(TEXT, needle)


@pytest.fixture
def rel_path(tmp_path: Path) -> Path:
    """Spans in reading order: source, actor, claim (line 1); weapon, number, actor (line 2);
    a colleague's source on 米CNN; two extra types: ``cites`` (claim → source, key 7) and
    ``related`` (any → any, key 8); a flag attribute ``claim.confirmed``."""
    path = tmp_path / "rel.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("rel.txt", TEXT, who=WHO)
        project.add_document("other.txt", "別の文書。", who=WHO)
        for needle, label in (("米CNN", "source"), ("金氏", "actor"),
                              ("戦闘機や飛行場の様子を見学し", "claim"), ("ドローン", "weapon"),
                              ("5機", "number"), ("プーチン氏", "actor")):
            project.add_span(doc.id, *find(needle), label, WHO)
        project.add_span(doc.id, *find("米CNN"), "source", "hana")
        project.add_relation_type(RelationType("cites", "#1f77b4", "7", "", ("claim",),
                                               ("source",)), who=WHO)
        project.add_relation_type(RelationType("related", "#ff00ff", "8"), who=WHO)
        project.add_label_attribute(Attribute("claim", "confirmed", "flag"), who=WHO)
    return path


@pytest.fixture
def win(qtbot, rel_path: Path, settings: AppSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    session = Session(Project.open(rel_path), WHO)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.restore()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    yield window
    window.close()
    session.close()


def span_at(win: MainWindow, needle: str, who: str = WHO):  # type: ignore[no-untyped-def]
    start, end = find(needle)
    return next(s for s in win.session.index if (s.start, s.end) == (start, end)
                and s.annotator == who)


def stored(path: Path) -> list[Relation]:
    with Project.open(path) as project:
        return project.relations(1)


def key(qtbot, widget, k, mods=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(widget, k, mods)


def ctrl(qtbot, win: MainWindow, k) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(win.view, k, Qt.KeyboardModifier.ControlModifier)


def make_by_keys(qtbot, win: MainWindow, head: str, steps: int, type_key: str) -> None:  # type: ignore[no-untyped-def]
    """Focus ``head``, Ctrl+R, Alt+Down ``steps`` times, Enter, the type's key."""
    win.session.focus_span(span_at(win, head).id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    for _ in range(steps):
        qtbot.keyClick(win.view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    chooser = win.relations.creator.chooser
    assert chooser is not None and chooser.isVisible()
    qtbot.keyClick(chooser.list, type_key)


def test_make_a_relation_by_keyboard_and_undo_redo(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    win.session.focus_span(claim.id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    creator = win.relations.creator
    assert creator.head_id == claim.id
    # a label key while choosing the tail relabels nothing
    qtbot.keyClick(win.view, "2")
    assert win.session.index.get(claim.id).label == "claim"
    # back to the source: Alt+Up twice (actor, then my source; the colleague's is another layer)
    qtbot.keyClick(win.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(win.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    focused = win.session.focused_span()
    if focused.annotator != WHO:  # the colleague's span on the same range comes first
        qtbot.keyClick(win.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert win.session.focused_span_id == source.id
    assert any(kind == "pending" for _rid, kind, _p, _q in _drawn(win, qtbot))
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    chooser = creator.chooser
    assert chooser is not None
    # only the types claim → source allows, each with its key
    assert [c.value for c in chooser.choices] == ["attributed_to", "cites", "related"]
    assert [c.key for c in chooser.choices] == ["1", "7", "8"]
    qtbot.keyClick(chooser.list, "1")
    assert creator.chooser is None and not creator.active
    relations = stored(rel_path)
    assert [(r.head, r.tail, r.type, r.annotator) for r in relations] == [
        (claim.id, source.id, "attributed_to", WHO)]
    assert win.session.focused_span_id == claim.id  # back at the head for the next one
    assert win.relations.panel.relation_ids() == [relations[0].id]
    assert "attributed_to" in win.status.currentMessage()
    ctrl(qtbot, win, Qt.Key.Key_Z)
    assert stored(rel_path) == []
    assert win.relations.panel.relation_ids() == []
    assert len(win.relations.state.relations) == 0
    qtbot.keyClick(win.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert stored(rel_path) == relations  # the same relation: id and times
    assert win.relations.panel.relation_ids() == [relations[0].id]


def _drawn(win: MainWindow, qtbot) -> list:  # type: ignore[no-untyped-def, type-arg]
    win.view.viewport().repaint()
    return win.relations.arcs.drawn


def test_tail_by_click_and_types_limited_by_labels(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    number, weapon = span_at(win, "5機"), span_at(win, "ドローン")
    win.session.focus_span(number.id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    qtbot.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=point_of(win, weapon.start + 1))
    chooser = win.relations.creator.chooser
    assert chooser is not None
    assert [c.value for c in chooser.choices] == ["quantifies", "related"]
    qtbot.keyClick(chooser.list, "3")
    assert [(r.head, r.tail, r.type) for r in stored(rel_path)] == [
        (number.id, weapon.id, "quantifies")]
    # actor → claim: no type goes that way (only `related`, which allows any); weapon →
    # number: the same; a type for the other way round is named
    rows = {(r.head, r.tail) for r in stored(rel_path)}
    actor, claim = span_at(win, "金氏"), span_at(win, "戦闘機や飛行場の様子を見学し")
    win.session.focus_span(actor.id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    qtbot.keyClick(win.view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert win.session.focused_span_id == claim.id
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    chooser = win.relations.creator.chooser
    assert [c.value for c in chooser.choices] == ["related"]
    qtbot.keyClick(chooser.list, Qt.Key.Key_Escape)  # back to choosing the tail
    assert win.relations.creator.active and win.relations.creator.chooser is None
    qtbot.keyClick(win.view, Qt.Key.Key_Escape)  # ends the mode, nothing made
    assert not win.relations.creator.active
    assert {(r.head, r.tail) for r in stored(rel_path)} == rows


def test_no_type_allowed_names_the_other_way(qtbot, tmp_path: Path, settings: AppSettings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plain.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("rel.txt", TEXT, who=WHO)
        source = project.add_span(doc.id, *find("米CNN"), "source", WHO)
        project.add_span(doc.id, *find("戦闘機や飛行場の様子を見学し"), "claim", WHO)
    session = Session(Project.open(path), WHO)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.restore()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    try:
        session.focus_span(source.id)
        qtbot.keyClick(window.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window.view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClick(window.view, Qt.Key.Key_Return)
        assert window.relations.creator.chooser is None
        message = window.status.currentMessage()
        assert "No relation type goes from a 'source' span to a 'claim' span" in message
        assert "attributed_to" in message  # the way it goes
        assert session.project.relations(doc.id) == []
    finally:
        window.close()
        session.close()


def test_relation_list_retype_reverse_delete_with_undo(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    actor = span_at(win, "金氏")
    # claim → actor (involves), by Alt+Up once from the claim
    win.session.focus_span(claim.id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    qtbot.keyClick(win.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert win.session.focused_span_id == actor.id
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    qtbot.keyClick(win.relations.creator.chooser.list, "2")
    win.relations.actions.create(claim.id, source.id, "attributed_to")
    panel = win.relations.panel
    rows = panel.relation_ids()
    assert len(rows) == 2
    texts = [[panel.list.topLevelItem(i).text(c) for c in range(3)] for i in range(2)]
    assert texts == [["involves", "claim 「戦闘機や飛行場の様子を見学し」", "actor 「金氏」"],
                     ["attributed_to", "claim 「戦闘機や飛行場の様子を見学し」", "source 「米CNN」"]]
    # Ctrl+Shift+L puts the keyboard in the list
    qtbot.keyClick(win.view, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert panel.list.hasFocus()
    panel.select(rows[1])
    # T: retype; only the other types claim → source allows
    qtbot.keyClick(panel.list, Qt.Key.Key_T)
    assert panel.chooser is not None
    assert [c.value for c in panel.chooser.choices] == ["cites", "related"]
    qtbot.keyClick(panel.chooser.list, "7")
    by_id = {r.id: r for r in stored(rel_path)}
    assert by_id[rows[1]].type == "cites"
    assert panel.list.currentItem().text(0) == "cites"
    # R: reverse is refused for `cites` (source → claim is not allowed): nothing changes
    qtbot.keyClick(panel.list, Qt.Key.Key_R)
    assert {r.id: r for r in stored(rel_path)}[rows[1]] == by_id[rows[1]]
    assert win.status.text("saved") == "not done"
    # retype as `related` (any → any), then reverse it
    qtbot.keyClick(panel.list, Qt.Key.Key_T)
    qtbot.keyClick(panel.chooser.list, "8")
    qtbot.keyClick(panel.list, Qt.Key.Key_R)
    reversed_ = {r.id: r for r in stored(rel_path)}[rows[1]]
    assert (reversed_.head, reversed_.tail, reversed_.type) == (source.id, claim.id, "related")
    assert panel.list.currentItem().font(1).bold() is False  # the claim is the tail now
    assert panel.list.currentItem().font(2).bold() is True
    # Delete in the list deletes the relation, not the focused span
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert rows[1] not in {r.id for r in stored(rel_path)}
    assert claim.id in win.session.index
    assert panel.relation_ids() == [rows[0]]
    # undo: the delete, the reverse, the retypes, one by one
    for expected in ((source.id, claim.id, "related"), (claim.id, source.id, "related"),
                     (claim.id, source.id, "cites"), (claim.id, source.id, "attributed_to")):
        win.view.setFocus()
        ctrl(qtbot, win, Qt.Key.Key_Z)
        r = {r.id: r for r in stored(rel_path)}[rows[1]]
        assert (r.head, r.tail, r.type) == expected
        assert win.relations.state.relations.get(rows[1]) == r
    # Enter in the list goes to the other end
    panel.focus_list()
    panel.select(rows[0])
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert win.session.focused_span_id == actor.id
    assert panel.relation_ids() == [rows[0]]


def test_deleting_a_span_removes_its_relations_and_undo_restores_them(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    actor = span_at(win, "金氏")
    actions = win.relations.actions
    first = actions.create(claim.id, source.id, "attributed_to")
    second = actions.create(claim.id, actor.id, "involves")
    assert first and second
    win.session.focus_span(claim.id)
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Delete)
    assert claim.id not in win.session.index
    assert stored(rel_path) == []
    assert len(win.relations.state.relations) == 0
    ctrl(qtbot, win, Qt.Key.Key_Z)
    assert sorted(r.id for r in stored(rel_path)) == sorted([first, second])
    assert sorted(r.id for r in win.relations.state.relations) == sorted([first, second])
    win.session.focus_span(claim.id)
    assert sorted(win.relations.panel.relation_ids()) == sorted([first, second])


def test_resizing_and_relabelling_keep_relations(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    rid = win.relations.actions.create(claim.id, source.id, "attributed_to")
    win.session.focus_span(claim.id)
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert win.session.index.get(claim.id).end == claim.end + 1
    assert [r.id for r in stored(rel_path)] == [rid]
    assert win.relations.panel.relation_ids() == [rid]
    # relabel the claim as an actor: the relation stays, flagged in the list
    qtbot.keyClick(win.view, "2")
    assert win.session.index.get(claim.id).label == "actor"
    assert [r.id for r in stored(rel_path)] == [rid]
    item = win.relations.panel.list.topLevelItem(0)
    assert item.text(0).startswith("⚠")
    assert "does not allow a &#x27;actor&#x27; span at its head" in item.toolTip(0)


def test_arcs_drawn_in_the_type_colour(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    number, weapon = span_at(win, "5機"), span_at(win, "ドローン")
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    win.relations.actions.create(number.id, weapon.id, "related")
    win.relations.actions.create(claim.id, source.id, "attributed_to")
    win.session.focus_span(number.id)
    drawn = {rid: kind for rid, kind, _p, _q in _drawn(win, qtbot)}
    assert sorted(drawn.values()) == ["faint", "strong"]

    def magenta() -> int:
        win.view.viewport().repaint()
        image = win.view.viewport().grab().toImage()
        count = 0
        for y in range(0, image.height(), 1):
            for x in range(0, image.width(), 2):
                c = QColor(image.pixel(x, y))
                if c.red() > 200 and c.blue() > 200 and c.green() < 90:
                    count += 1
        return count

    shown = magenta()
    assert shown > 20  # the `related` arc (#ff00ff), strong: the focused span's relation
    win.actions_registry.action("view.relation_arcs").setChecked(False)
    assert magenta() == 0 and win.relations.arcs.drawn == []
    assert win.settings.relation_arcs is False  # remembered for the next start
    win.actions_registry.action("view.relation_arcs").setChecked(True)
    assert magenta() == shown


def test_read_only_layer_makes_no_relation(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    theirs = span_at(win, "米CNN", who="hana")
    win.session.focus_span(theirs.id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    assert not win.relations.creator.active
    assert "hana's layer, read-only" in win.status.currentMessage() \
        or win.status.text("saved") == "not done"
    # a click on the colleague's span as the tail is not taken either
    claim = span_at(win, "戦闘機や飛行場の様子を見学し")
    assert win.relations.creator.pick_tail(theirs.id) is False
    win.session.focus_span(claim.id)
    assert win.relations.actions.create(claim.id, theirs.id, "attributed_to") is None
    assert stored(rel_path) == []


def tag_width(win: MainWindow, span_id: str) -> float:
    """Width of the span's label tag as last painted."""
    win.view.viewport().repaint()
    return next(rect.width() for kind, sid, rect in win.editor.tags.drawn
                if kind == "tag" and sid == span_id)


def test_attributes_from_the_keyboard_with_undo(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    win.session.focus_span(claim.id)
    plain_tag = tag_width(win, claim.id)
    ctrl(qtbot, win, Qt.Key.Key_T)
    chooser = win.relations.attributes.popup
    assert chooser is not None  # claim declares stance and confirmed: choose one
    assert [c.value.name for c in chooser.choices] == ["stance", "confirmed"]
    qtbot.keyClick(chooser.list, "1")
    values = win.relations.attributes.popup
    assert [c.value for c in values.choices] == ["asserted", "reported", "denied", "speculated"]
    qtbot.keyClick(values.list, "2")
    with Project.open(rel_path) as project:
        assert project.span(claim.id).attributes == {"stance": "reported"}
    assert win.session.index.get(claim.id).attributes == {"stance": "reported"}
    tip = win.relations.tooltip(claim.start + 1)
    assert "claim 「戦闘機や飛行場の様子を見学し」  [reported]" in tip
    assert tag_width(win, claim.id) > plain_tag + 20  # "claim · reported" on its tag
    # the flag toggles at once
    ctrl(qtbot, win, Qt.Key.Key_T)
    qtbot.keyClick(win.relations.attributes.popup.list, "2")
    assert win.session.index.get(claim.id).attributes == {"stance": "reported",
                                                          "confirmed": True}
    assert "✓confirmed" in win.relations.tooltip(claim.start + 1)
    ctrl(qtbot, win, Qt.Key.Key_Z)
    ctrl(qtbot, win, Qt.Key.Key_Z)
    with Project.open(rel_path) as project:
        assert project.span(claim.id).attributes == {}
    assert win.session.index.get(claim.id).attributes == {}
    assert tag_width(win, claim.id) == plain_tag
    # a source has one attribute: its choices come at once; 0 clears a value
    win.session.focus_span(source.id)
    ctrl(qtbot, win, Qt.Key.Key_T)
    values = win.relations.attributes.popup
    assert [c.key for c in values.choices] == ["1", "2", "3", "4", "5"]
    qtbot.keyClick(values.list, "4")
    assert win.session.index.get(source.id).attributes == {"kind": "osint"}
    ctrl(qtbot, win, Qt.Key.Key_T)
    qtbot.keyClick(win.relations.attributes.popup.list, "0")
    assert win.session.index.get(source.id).attributes == {}
    # a label without attributes says so
    win.session.focus_span(span_at(win, "金氏").id)
    ctrl(qtbot, win, Qt.Key.Key_T)
    assert win.relations.attributes.popup is None
    assert "declares no attributes" in win.status.currentMessage()


def test_text_attribute_in_a_line_edit(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Project.open(rel_path) as project:
        project.add_label_attribute(Attribute("actor", "role", "text"), who="hana")
    win.session.sync()  # the definition arrives like any change made elsewhere
    actor = span_at(win, "金氏")
    win.session.focus_span(actor.id)
    ctrl(qtbot, win, Qt.Key.Key_T)
    prompt = win.relations.attributes.popup
    assert prompt is not None and prompt.objectName() == "textPrompt"
    qtbot.keyClicks(prompt.edit, "leader, ")
    prompt.edit.insert("北朝鮮 😀")  # what an input method commits (QTest types ASCII only)
    qtbot.keyClick(prompt.edit, Qt.Key.Key_Return)
    assert win.session.index.get(actor.id).attributes == {"role": "leader, 北朝鮮 😀"}
    # Esc leaves the value; an empty text clears it
    ctrl(qtbot, win, Qt.Key.Key_T)
    qtbot.keyClick(win.relations.attributes.popup.edit, Qt.Key.Key_Escape)
    assert win.session.index.get(actor.id).attributes == {"role": "leader, 北朝鮮 😀"}
    ctrl(qtbot, win, Qt.Key.Key_T)
    prompt = win.relations.attributes.popup
    prompt.edit.clear()
    qtbot.keyClick(prompt.edit, Qt.Key.Key_Return)
    with Project.open(rel_path) as project:
        assert project.span(actor.id).attributes == {}


def test_undo_refuses_a_relation_changed_elsewhere(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    rid = win.relations.actions.create(claim.id, source.id, "attributed_to")
    with Project.open(rel_path) as project:
        project.update_relation(rid, who="hana", type="cites")
    win.view.setFocus()
    ctrl(qtbot, win, Qt.Key.Key_Z)
    assert win.status.text("saved") == "not done"
    with Project.open(rel_path) as project:
        assert project.relation(rid).type == "cites"
    assert win.relations.state.relations.get(rid).type == "cites"  # the newer state shown


def test_context_menu_of_a_row(qtbot, win: MainWindow, rel_path: Path) -> None:  # type: ignore[no-untyped-def]
    claim, source = span_at(win, "戦闘機や飛行場の様子を見学し"), span_at(win, "米CNN")
    rid = win.relations.actions.create(claim.id, source.id, "related")
    win.session.focus_span(claim.id)
    panel = win.relations.panel
    panel.list.setCurrentItem(panel.list.topLevelItem(0))
    menu = panel.row_menu()  # what a right-click on the row pops up
    assert [a.text().split("\t")[0] for a in menu.actions()] == [
        "Go to the Other End", "Retype…", "Reverse", "Edit Note…", "Delete"]
    menu.actions()[2].trigger()  # Reverse
    assert {r.id: (r.head, r.tail) for r in stored(rel_path)} == {rid: (source.id, claim.id)}
    panel.row_menu().actions()[4].trigger()  # Delete
    assert stored(rel_path) == []
    ctrl(qtbot, win, Qt.Key.Key_Z)
    assert [r.id for r in stored(rel_path)] == [rid]


def test_relations_list_starts_hidden_and_comes_with_the_first_relation(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """On a first start the Relations dock leaves its room to the text; Ctrl+R on a span
    brings it into view (and Esc leaves it there); View > Relations hides it again."""
    panel = win.relations.panel
    assert not panel.isVisible()
    text_height = win.view.height()
    win.session.focus_span(span_at(win, "戦闘機や飛行場の様子を見学し").id)
    ctrl(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(panel.isVisible)
    assert win.view.height() < text_height
    qtbot.keyClick(win.view, Qt.Key.Key_Escape)
    assert not win.relations.creator.active and panel.isVisible()
    panel.toggleViewAction().trigger()
    assert not panel.isVisible()
