"""Relations and attributes written by other processes reach an open window: a script with its
own ``Project`` adds, retypes and deletes relations and sets an attribute, and the command
line adds a relation type; the window's relations, arcs, relation list, tooltip and the type
step follow within a second, without moving the focus."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from tests.gui.test_live import annotator, env
from tests.gui.test_relations_window import TEXT, find

WHO = "tester"

SCRIPT = textwrap.dedent("""
    import json, sys
    from annotator.store import Project
    path, ops = sys.argv[1], json.loads(sys.argv[2])
    with Project.open(path) as project:
        for op, *args in ops:
            if op == "add":
                print(project.add_relation(args[0], args[1], args[2], who="hana").id)
            elif op == "retype":
                project.update_relation(args[0], who="hana", type=args[1])
            elif op == "delete":
                project.delete_relation(args[0], who="hana")
            elif op == "note":
                project.update_relation(args[0], who="hana", note=args[1])
            elif op == "attribute":
                project.set_span_attribute(args[0], args[1], args[2], who="hana")
            elif op == "delete_span":
                project.delete_span(args[0], who="hana")
""")


def other_process(path: Path, *ops: list[object]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(path), json.dumps(ops)],
                          env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.fixture
def spans_path(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "live.annotator"
    ids = {}
    with Project.open(path) as project:
        doc, _ = project.add_document("rel.txt", TEXT, who=WHO)
        for needle, label in (("米CNN", "source"), ("金氏", "actor"),
                              ("戦闘機や飛行場の様子を見学し", "claim")):
            ids[label] = project.add_span(doc.id, *find(needle), label, WHO).id
    return path, ids


@pytest.fixture
def live(qtbot, spans_path, settings: AppSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    session = Session(Project.open(spans_path[0]), WHO)
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


def test_relations_and_attributes_from_another_process(qtbot, live: MainWindow, spans_path) -> None:  # type: ignore[no-untyped-def]
    path, ids = spans_path
    win, state, panel = live, live.relations.state, live.relations.panel
    win.session.focus_span(ids["claim"])
    assert panel.relation_ids() == []
    [first, second] = other_process(path, ["add", ids["claim"], ids["source"], "attributed_to"],
                                    ["add", ids["claim"], ids["actor"], "involves"])
    qtbot.waitUntil(lambda: panel.relation_ids() == [first, second], timeout=1000)
    qtbot.waitUntil(lambda: "hana added 2 relations" in win.status.text("elsewhere"))
    assert state.relations.get(first).annotator == WHO  # the spans' layer
    win.view.viewport().repaint()
    assert {rid for rid, kind, _p, _q in win.relations.arcs.drawn if kind == "strong"} == {
        first, second}
    assert win.session.focused_span_id == ids["claim"]
    # the other process sets an attribute and deletes a relation
    other_process(path, ["attribute", ids["claim"], "stance", "denied"], ["delete", second])
    qtbot.waitUntil(lambda: panel.relation_ids() == [first], timeout=1000)
    qtbot.waitUntil(lambda: win.session.index.get(ids["claim"]).attributes
                    == {"stance": "denied"}, timeout=1000)
    qtbot.waitUntil(lambda: "set 1 attribute, deleted 1 relation"
                    in win.status.text("elsewhere"))
    assert "[denied]" in win.relations.tooltip(find("戦闘機や飛行場の様子を見学し")[0])
    # deleting the source elsewhere takes its relation with it
    other_process(path, ["delete_span", ids["source"]])
    qtbot.waitUntil(lambda: len(state.relations) == 0, timeout=1000)
    assert panel.relation_ids() == []
    with Project.open(path) as project:
        assert project.relations(1) == []


def test_relation_type_added_on_the_command_line_is_offered(qtbot, live: MainWindow, spans_path) -> None:  # type: ignore[no-untyped-def]
    path, ids = spans_path
    win = live
    annotator("relations", "add", "denies", "--heads", "source", "--tails", "claim",
              "--key", "9", "--color", "#aa3377", "--db", str(path))
    qtbot.waitUntil(lambda: win.relations.state.type("denies") is not None, timeout=1000)
    win.session.focus_span(ids["source"])
    qtbot.keyClick(win.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    win.session.focus_span(ids["claim"])
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    chooser = win.relations.creator.chooser
    assert chooser is not None and [c.value for c in chooser.choices] == ["denies"]
    qtbot.keyClick(chooser.list, "9")
    with Project.open(path) as project:
        assert [(r.head, r.tail, r.type) for r in project.relations(1)] == [
            (ids["source"], ids["claim"], "denies")]
