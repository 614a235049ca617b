"""The review window an analyst keeps open all day: it keeps its width on N, its lane headers
count (in correct English), the agreement table never shows -0.000, and the lanes follow
changes another process writes while the window is open."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QTextCursor
from PySide6.QtWidgets import QWidget

from annotator.domain.commands import Compound, CreateSpan
from annotator.services.review import project_review
from annotator.store import Project
from annotator.ui.main_window import MainWindow
from annotator.ui.review import (
    AgreementWindow,
    ReviewContext,
    ReviewWindow,
    agreement_panel,
    install,
)
from annotator.ui.review.agreement_panel import COLUMNS
from annotator.ui.session import Session
from annotator.ui.text_view import AnnotationTextView

REPO = Path(__file__).resolve().parents[3]
#: A long claim first (bob's only), then 40 names alice calls actors and bob sources.
CLAIM = ("😀𠮷 北朝鮮はロシアに砲弾を送り、ロシアは見返りに衛星技術と戦闘機の知見を与えたと、"
         "複数の当局者が匿名を条件に述べたが、両国の政府はいずれもこの取引を公式には認めて"
         "おらず、確認はとれていない。")
NAMES = 40
TEXT = CLAIM + "\n" + "\n".join(f"第{n}段：北朝鮮の発表。" for n in range(NAMES))
OTHER = "🎉𩸽 プーチン大統領と北朝鮮の外務省。"


def name_at(n: int) -> tuple[int, int]:
    """Code-point range of 北朝鮮 on line ``n`` of the list."""
    line = f"第{n}段：北朝鮮の発表。"
    start = TEXT.index(line) + line.index("北朝鮮")
    return start, start + 3


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "review.annotator"
    with Project.open(path) as project:
        doc, _ = project.add_document("long.txt", TEXT, who="setup")
        project.add_document("other.txt", OTHER, who="setup")
        with project.atomic():
            project.add_span(doc.id, 3, len(CLAIM), "claim", "bob")
            for n in range(NAMES):
                project.add_span(doc.id, *name_at(n), "actor", "alice")
                project.add_span(doc.id, *name_at(n), "source", "bob")
    return path


@pytest.fixture
def window(qtbot, path: Path) -> Iterator[ReviewWindow]:  # type: ignore[no-untyped-def]
    project = Project.open(path)
    win = ReviewWindow(ReviewContext(project, "rita"), 1, ["alice", "bob"])
    qtbot.addWidget(win)
    win.resize(1280, 800)
    show(qtbot, win)
    yield win
    project.close()


def show(qtbot, win: QWidget) -> None:  # type: ignore[no-untyped-def]
    """Show ``win`` as the active window (its shortcuts then act)."""
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)


def press(qtbot, win: ReviewWindow, key: Qt.Key,  # type: ignore[no-untyped-def]
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    view = win.lanes.lanes["alice"].view
    view.setFocus()
    qtbot.keyClick(view, key, modifiers)


def reviewed(path: Path) -> list[tuple[int, int, str]]:
    with Project.open(path) as project:
        return sorted((s.start, s.end, s.label) for s in project.spans(annotators=["reviewed"]))


def click_at(qtbot, view: AnnotationTextView, cp: int) -> None:  # type: ignore[no-untyped-def]
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_utf16(cp))
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    rect = view.cursorRect(cursor)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 2, rect.center().y()))


def titles(win: ReviewWindow) -> list[str]:
    return [lane.title.text() for lane in [*win.lanes.lanes.values(), win.lanes.reviewed]]


def test_next_disagreement_keeps_the_window_width(qtbot, window: ReviewWindow) -> None:
    qtbot.wait(20)
    assert window.size().width() == 1280
    sizes = window.centralWidget().sizes()
    press(qtbot, window, Qt.Key.Key_N)
    qtbot.wait(50)  # let a layout request (the long heading) take effect
    unit = window.unit_panel.unit
    assert unit is not None and (unit.start, unit.end) == (3, len(CLAIM))
    assert window.size().width() == 1280
    assert window.centralWidget().sizes() == sizes
    heading = window.unit_panel.heading
    assert heading.width() <= window.unit_panel.width()
    assert CLAIM[3:] in heading.toolTip()  # the whole unit is a hover away
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_N)
    qtbot.wait(20)
    assert window.size().width() == 1280 and window.centralWidget().sizes() == sizes


def test_lane_headers_count_live_in_correct_english(
        qtbot, window: ReviewWindow, path: Path) -> None:
    assert titles(window) == ["alice — 40 spans", "bob — 41 spans",
                              "reviewed (reviewed layer, editable) — 0 spans"]
    press(qtbot, window, Qt.Key.Key_N)  # the claim: bob's only
    press(qtbot, window, Qt.Key.Key_A)
    assert reviewed(path) == [(3, len(CLAIM), "claim")]
    assert titles(window)[2] == "reviewed (reviewed layer, editable) — 1 span"
    for _ in range(35):  # alice's actor at each of the next 35 names
        press(qtbot, window, Qt.Key.Key_N)
        press(qtbot, window, Qt.Key.Key_A)
    assert len(reviewed(path)) == 36
    assert titles(window)[2] == "reviewed (reviewed layer, editable) — 36 spans"
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(reviewed(path)) == 35
    assert titles(window)[2] == "reviewed (reviewed layer, editable) — 35 spans"
    press(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert titles(window)[2] == "reviewed (reviewed layer, editable) — 36 spans"
    # the reviewed span under the click, deleted by key
    click_at(qtbot, window.lanes.reviewed.view, name_at(0)[0] + 1)
    assert window.focused_reviewed is not None
    press(qtbot, window, Qt.Key.Key_Delete)
    assert len(reviewed(path)) == 35
    assert titles(window)[2] == "reviewed (reviewed layer, editable) — 35 spans"


def test_one_span_is_one_span(qtbot, path: Path) -> None:
    with Project.open(path) as project:
        putin, kita = OTHER.index("プーチン"), OTHER.index("北朝鮮")
        project.add_span(2, putin, putin + 4, "actor", "alice")
        project.add_span(2, putin, putin + 4, "actor", "bob")
        project.add_span(2, kita, kita + 3, "actor", "bob")
        win = ReviewWindow(ReviewContext(project, "rita"), 2, ["alice", "bob"])
        qtbot.addWidget(win)
        show(qtbot, win)
        assert titles(win) == ["alice — 1 span", "bob — 2 spans",
                               "reviewed (reviewed layer, editable) — 0 spans"]
        press(qtbot, win, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
              | Qt.KeyboardModifier.ShiftModifier)
        assert win.statusBar().currentMessage() == "Accept 1 agreed span"
        assert titles(win)[2] == "reviewed (reviewed layer, editable) — 1 span"
        win.close()


def test_the_agreement_table_never_shows_minus_zero(
        qtbot, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = project_review.project_agreement

    def nearly_zero(project, annotators, **options):  # type: ignore[no-untyped-def]
        result = real(project, annotators, **options)
        overall = dataclasses.replace(result.overall, cohen_kappa=-0.0004,
                                      krippendorff_alpha=-0.0)
        return dataclasses.replace(result, overall=overall)

    monkeypatch.setattr(agreement_panel, "project_agreement", nearly_zero)
    with Project.open(path) as project:
        win = AgreementWindow(ReviewContext(project, "rita"))
        qtbot.addWidget(win)
        win.show()
        win.set_annotators(["alice", "bob"])
        qtbot.mouseClick(win.compute_button, Qt.MouseButton.LeftButton)
        assert win.rows[0] == ("overall", None)
        kappa, alpha = COLUMNS.index("kappa"), COLUMNS.index("alpha")
        assert win.table.item(0, kappa).text() == "0.000"
        assert win.table.item(0, alpha).text() == "0.000"
        assert win.value(0, kappa) == -0.0004  # the unrounded value is kept
        cells = [win.table.item(r, c).text() for r in range(win.table.rowCount())
                 for c in range(1, len(COLUMNS))]
        assert cells and not any(text.startswith("-0.000") for text in cells)
        assert win.message.text() == "1 document in which every chosen annotator has a span."
        win.close()


# -- following changes another process writes ----------------------------------------------------

ADD = textwrap.dedent("""
    import sys
    from annotator.store import Project
    path, doc, start, end, label, who = sys.argv[1:]
    with Project.open(path) as project:
        print(project.add_span(int(doc), int(start), int(end), label, who, who="hana").id)
""")


def add_elsewhere(path: Path, doc: int, start: int, end: int, label: str, who: str) -> str:
    """Add a span in another process (a colleague's script); returns its id."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", ADD, str(path), str(doc), str(start), str(end),
                           label, who], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def main_window(qtbot, path: Path, settings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    session = Session(Project.open(path), "rita")
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    install(win)
    win.restore()
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    session.close()


@pytest.mark.parametrize("document", [1, 2], ids=["main window's document", "another document"])
def test_a_span_added_by_another_process_appears_in_its_lane(
        qtbot, main_window: MainWindow, path: Path, document: int) -> None:
    assert main_window.session.document is not None and main_window.session.document.id == 1
    review = ReviewWindow(main_window.review.context, document, ["alice", "bob"],
                          parent=main_window)
    qtbot.addWidget(review)
    show(qtbot, review)
    start = name_at(0)[0] - 2 if document == 1 else OTHER.index("プーチン")
    end = start + 2
    before = titles(review)[1]
    span_id = add_elsewhere(path, document, start, end, "number", "bob")

    def in_bobs_lane() -> bool:
        return span_id in {s.id for s in review.lanes.lanes["bob"].view.spans_at(start)}

    qtbot.waitUntil(in_bobs_lane, timeout=1000)
    assert titles(review)[1] != before
    # the reviewed layer, written elsewhere too: the lane and its count follow
    reviewed_id = add_elsewhere(path, document, start, end, "number", "reviewed")
    qtbot.waitUntil(lambda: reviewed_id in review.lanes.reviewed_highlighter.index,
                    timeout=1000)
    assert titles(review)[2] == "reviewed (reviewed layer, editable) — 1 span"
    # a new annotator in this document is offered (unchecked)
    add_elsewhere(path, document, start, end, "actor", "carol")
    qtbot.waitUntil(lambda: bool(review.annotator_list.findItems(
        "carol", Qt.MatchFlag.MatchExactly)), timeout=1000)
    assert review.annotators() == ["alice", "bob"]
    review.close()


# -- layout at 1280×800 --------------------------------------------------------------------------

def test_the_unit_table_fits_its_panel_without_side_scrolling(
        qtbot, window: ReviewWindow) -> None:
    press(qtbot, window, Qt.Key.Key_N)  # the long claim: the widest cells there are
    qtbot.wait(20)
    table = window.unit_panel.table
    header = table.horizontalHeader()
    widths = sum(header.sectionSize(c) for c in range(header.count()))
    assert widths <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    assert CLAIM[3:] == table.item(0, 4).toolTip()  # cut in the cell, whole in the tooltip


def test_the_agreement_table_shows_every_row(qtbot, path: Path) -> None:
    with Project.open(path) as project:
        win = AgreementWindow(ReviewContext(project, "rita"))
        qtbot.addWidget(win)
        win.resize(1280, 800)
        show(qtbot, win)
        win.set_annotators(["alice", "bob"])
        qtbot.mouseClick(win.compute_button, Qt.MouseButton.LeftButton)
        qtbot.wait(20)
        table = win.table
        last = table.rowCount() - 1
        assert table.rowViewportPosition(last) + table.rowHeight(last) <= \
            table.viewport().height()
        assert not table.verticalScrollBar().isVisible()
        assert win.chart.height() >= 300
        win.close()


# -- the pictures ----------------------------------------------------------------------------------

def test_the_screenshot_script_writes_eight_pictures(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(REPO / "packaging" / "screenshots.py"),
                           str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    sizes = {}
    for png in sorted(tmp_path.glob("*.png")):
        image = QImage(str(png))
        sizes[png.name] = (image.width(), image.height())
        assert png.stat().st_size < 400_000
    assert sizes == {f"{kind}-{w}x{h}.png": (w, h)
                     for kind in ("main", "review", "agreement", "relations")
                     for w, h in ((1280, 800), (1920, 1080))}


def test_a_bulk_step_on_another_document_leaves_the_lanes_alone(
        qtbot, window: ReviewWindow, path: Path) -> None:
    lanes = dict(window.lanes.lanes)
    pairs = [(a, b) for a in range(len(OTHER)) for b in range(a + 1, len(OTHER) + 1)]
    steps = [CreateSpan(2, a, b, label, "alice") for label in ("actor", "claim", "source", "weapon")
             for a, b in pairs][:600]
    assert window.context.push(Compound(steps, description="600 spans"))
    assert window.lanes.lanes == lanes  # not rebuilt: nothing shown here changed
    assert titles(window)[0] == "alice — 40 spans"
    # a bulk step on the shown document is followed
    steps = [CreateSpan(1, a, b, "number", "alice") for a in range(40)
             for b in range(a + 1, 41)][:600]
    assert window.context.push(Compound(steps, description="600 more"))
    assert titles(window)[0] == "alice — 640 spans"


BULK = textwrap.dedent("""
    import sys
    from annotator.store import Project
    path, doc, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with Project.open(path) as project, project.atomic():
        for n in range(count):
            project.add_span(doc, n, n + 1, "number", "bob", who="hana")
""")


def test_many_spans_from_elsewhere_rebuild_the_lanes_once(
        qtbot, main_window: MainWindow, path: Path) -> None:
    review = ReviewWindow(main_window.review.context, 1, ["alice", "bob"], parent=main_window)
    qtbot.addWidget(review)
    show(qtbot, review)
    rebuilds: list[int] = []
    reload = review.reload

    def counting_reload() -> None:
        rebuilds.append(1)
        reload()

    review.reload = counting_reload  # type: ignore[method-assign]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", BULK, str(path), "1", "60"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: titles(review)[1] == "bob — 101 spans", timeout=1000)
    qtbot.wait(300)  # one more poll: nothing else arrives
    assert rebuilds == [1]
    assert len(main_window.session.index) == 40 + 41 + 60  # the main window saw them too
    del review.reload  # no reference cycle keeps the window's wrapper alive
    review.close()
