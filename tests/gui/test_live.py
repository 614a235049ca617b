"""A window beside other writers: the command line, a script and a second window, each a real
process, change the project while the window is open; the window shows it within a second,
keeps the user's scroll position, selection and focus, names the other window, and waits (with
a notice) while another program holds the write lock."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.domain.labels import DEFAULT_LABELS
from annotator.store import Project, presence
from annotator.ui.live import WAITING_TEXT
from annotator.ui.main_window import MainWindow
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from tests.gui.conftest import drawn_background, stored_spans

WHO = "tester"
LINES = 300
LINE = "第{n:03d}行：プーチン氏は😀北朝鮮を訪問した。"
REPO = Path(__file__).resolve().parents[2]


def long_text() -> str:
    return "\n".join(LINE.format(n=n) for n in range(LINES))


def line_cp(text: str, n: int, needle: str = "北朝鮮") -> tuple[int, int]:
    """Code-point range of ``needle`` on line ``n``."""
    start = text.index(LINE.format(n=n)) + LINE.format(n=n).index(needle)
    return start, start + len(needle)


@pytest.fixture
def live_path(tmp_path: Path) -> Path:
    """A project with a 300-line text (so the views scroll) holding one span per line."""
    path = tmp_path / "live.annotator"
    text = long_text()
    with Project.open(path) as project:
        doc, _ = project.add_document("long.txt", text, who=WHO)
        project.add_document("other.txt", "別の文書。", who=WHO)
        with project.atomic():
            for n in range(LINES):
                project.add_span(doc.id, *line_cp(text, n, "プーチン"), "actor", WHO)
    return path


def open_window(qtbot, path: Path, settings: AppSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    session = Session(Project.open(path), WHO)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.restore()
    win.show()
    qtbot.waitExposed(win)
    win.view.setFocus()
    return win


@pytest.fixture
def live_window(qtbot, live_path: Path, settings: AppSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, live_path, settings)
    yield win
    win.close()
    win.session.close()


def env(user: str = "hana") -> dict[str, str]:
    """The environment of a colleague's process: their user name, this checkout's code."""
    return {**os.environ, "LOGNAME": user, "USER": user, "PYTHONPATH": str(REPO / "src"),
            "QT_QPA_PLATFORM": "offscreen"}


def annotator(*args: str, user: str = "hana") -> subprocess.CompletedProcess[str]:
    """Run the real command line in another process."""
    done = subprocess.run([sys.executable, "-m", "annotator", *args], env=env(user),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


EDIT = textwrap.dedent("""
    import json, sys
    from annotator.store import Project
    path, ops = sys.argv[1], json.loads(sys.argv[2])
    with Project.open(path) as project:
        for op, *args in ops:
            if op == "add":
                doc, start, end, label = args
                print(project.add_span(doc, start, end, label, "hana").id)
            elif op == "relabel":
                project.update_span(args[0], who="hana", label=args[1])
            elif op == "delete":
                project.delete_span(args[0], who="hana")
            elif op == "status":
                project.set_document_status(args[0], args[1], who="hana")
""")


def edit(path: Path, *ops: list[object]) -> list[str]:
    """Edit spans through ``Project`` in another process; returns the ids of added spans."""
    done = subprocess.run([sys.executable, "-c", EDIT, str(path), json.dumps(ops)], env=env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def view_state(win: MainWindow) -> tuple[int, tuple[int, int], str | None, str]:
    """What the user would see move: text scroll, selection, focused span, top table row."""
    table = win.span_table
    top = table.span_model.span_id(table.rowAt(0))
    return (win.view.verticalScrollBar().value(), win.view.selection_cp(),
            win.session.focused_span_id, top)


def settle_on_line(qtbot, win: MainWindow, n: int) -> None:  # type: ignore[no-untyped-def]
    """Focus the span on line ``n`` (scrolling there), select a word on line ``n + 1`` and
    scroll the span table down."""
    text = win.session.text
    span = next(s for s in win.session.index if s.start == line_cp(text, n, "プーチン")[0])
    win.session.focus_span(span.id)
    win.view.select_cp(*line_cp(text, n + 1), ensure_visible=False)
    assert win.session.focused_span_id == span.id
    win.span_table.verticalScrollBar().setValue(120)
    qtbot.wait(50)
    assert win.view.verticalScrollBar().value() > 0


def test_command_line_label_and_import_appear_within_a_second(
        qtbot, live_window, live_path, tmp_path):
    win = live_window
    settle_on_line(qtbot, win, 150)
    before = view_state(win)
    resets = []
    win.span_table.span_model.modelReset.connect(lambda: resets.append("table"))
    win.documents.model.modelReset.connect(lambda: resets.append("documents"))

    annotator("labels", "add", "secret", "--key", "9", "--color", "#123456", "--db",
              str(live_path))
    began = time.monotonic()
    qtbot.waitUntil(lambda: "secret" in win.palette_panel.names(), timeout=1000)
    assert time.monotonic() - began < 1.0
    assert win.session.label_for_key("9").name == "secret"
    qtbot.waitUntil(lambda: "hana added label 'secret'" in win.status.text("elsewhere"))
    assert win.status.text("elsewhere").startswith("1 change from elsewhere")

    # A JSONL of spans for the open document (matched by its text) and a new document.
    text = win.session.text
    spans = [{"start": a, "end": b, "label": "secret", "annotator": "hana"}
             for a, b in (line_cp(text, 10), line_cp(text, 151), line_cp(text, 152))]
    source = tmp_path / "colleague.jsonl"
    source.write_text(json.dumps({"name": "long.txt", "text": text, "spans": spans},
                                 ensure_ascii=False) + "\n"
                      + json.dumps({"name": "new.txt", "text": "新しい文書。"}) + "\n",
                      encoding="utf-8")
    annotator("import", str(source), "--db", str(live_path))
    began = time.monotonic()
    qtbot.waitUntil(lambda: len(win.session.index) == LINES + 3, timeout=1000)
    qtbot.waitUntil(lambda: win.documents.model.rowCount() == 3, timeout=1000)
    assert time.monotonic() - began < 1.0
    # Table, highlighter, document list counts and status bar show it ...
    model = win.span_table.span_model
    assert model.total() == LINES + 3
    for span in spans:
        assert drawn_background(win, span["start"]) is not None
    secret = next(lab.color for lab in win.session.labels if lab.name == "secret")
    assert drawn_background(win, line_cp(text, 151)[0]).name() == secret
    counts = {model_row: win.documents.model.index(model_row, 1).data() for model_row in range(3)}
    assert counts == {0: LINES + 3, 1: 0, 2: 0}
    assert win.status.text("spans") == f"{LINES + 3} spans"
    assert "imported 3 spans from colleague.jsonl" in win.status.text("elsewhere")
    assert "added 1 document" in win.status.text("elsewhere")
    # ... as single rows, with the user's scroll, selection, focus and table row kept.
    assert resets == []
    assert view_state(win) == before
    assert [s.id for s in stored_spans(live_path)] and len(stored_spans(live_path)) == LINES + 3


def test_spans_edited_by_another_process_keep_the_view(qtbot, live_window, live_path):
    win = live_window
    settle_on_line(qtbot, win, 150)
    scroll, selection, focused, top = view_state(win)
    text = win.session.text
    other = next(s for s in win.session.index if s.start == line_cp(text, 149, "プーチン")[0])
    far = next(s for s in win.session.index if s.start == line_cp(text, 5, "プーチン")[0])
    [added] = edit(live_path, ["add", 1, *line_cp(text, 150), "claim"],
                   ["relabel", other.id, "claim"], ["delete", far.id], ["status", 2, "done"])
    qtbot.waitUntil(lambda: added in win.session.index and far.id not in win.session.index,
                    timeout=1000)
    assert win.session.index.get(other.id).label == "claim"
    claim = next(lab.color for lab in DEFAULT_LABELS if lab.name == "claim")
    assert drawn_background(win, other.start).name() == claim
    assert drawn_background(win, line_cp(text, 150)[0]).name() == claim
    assert drawn_background(win, far.start) is None
    assert win.span_table.span_model.row_of(added) >= 0
    assert win.span_table.span_model.row_of(far.id) == -1
    assert win.documents.model.index(0, 1).data() == LINES
    qtbot.waitUntil(lambda: win.documents.model.index(1, 2).data() == "done", timeout=1000)
    assert view_state(win) == (scroll, selection, focused, view_state(win)[3])
    # The table's top row is the same span although a row above it went away.
    assert view_state(win)[3] == top
    assert win.status.text("elsewhere").startswith("4 changes from elsewhere: hana ")


def test_focused_span_deleted_elsewhere_loses_focus(qtbot, live_window, live_path):
    win = live_window
    settle_on_line(qtbot, win, 150)
    focused = win.session.focused_span_id
    edit(live_path, ["delete", focused])
    qtbot.waitUntil(lambda: win.session.focused_span_id is None, timeout=1000)
    assert focused not in win.session.index
    assert win.view.transient_ranges("focus") == []
    assert "the focused span was deleted by hana" in win.status.text("elsewhere")


def test_span_deleted_elsewhere_then_deleted_or_relabelled_here(qtbot, live_window, live_path):
    win = live_window
    win.live.timer.stop()  # the user acts before the window has looked
    settle_on_line(qtbot, win, 150)
    focused = win.session.focused_span_id
    edit(live_path, ["delete", focused])
    assert win.session.focused_span_id == focused  # not seen yet
    with Project.open(live_path) as project:
        history = len(project.history())
    qtbot.keyClick(win.view, Qt.Key.Key_Delete)
    assert "deleted elsewhere by hana" in win.status.currentMessage()
    assert "nothing was changed" in win.status.currentMessage()
    assert win.status.text("saved") == "not done"
    assert win.session.focused_span_id is None and focused not in win.session.index
    # Relabelling a span that went the same way: the same message, nothing written.
    win.session.focus_span(next(iter(win.session.index)).id)
    target = win.session.focused_span_id
    edit(live_path, ["delete", target])
    win.view.select_cp(win.session.index.get(target).start, win.session.index.get(target).start)
    qtbot.keyClick(win.view, Qt.Key.Key_2)
    assert "deleted elsewhere by hana" in win.status.currentMessage()
    with Project.open(live_path) as project:
        assert len(project.history()) == history + 1  # only the second delete elsewhere
        assert len(project.spans(1)) == LINES - 2


SECOND_WINDOW = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from annotator.store import Project
    from annotator.ui.main_window import MainWindow
    from annotator.ui.session import Session
    from annotator.ui.settings import AppSettings
    app = QApplication([])
    settings = AppSettings(QSettings(sys.argv[2], QSettings.Format.IniFormat))
    session = Session(Project.open(sys.argv[1]), "kai")
    window = MainWindow(session, settings)
    window.restore()
    window.show()
    app.processEvents()
    print("ready", flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "span":
            start, end = int(args[0]), int(args[1])
            window.view.select_cp(start, end)
            span = window.editor.apply_label(args[2])
            print(span.id, flush=True)
        elif command == "banner":
            window.live.poll()
            print(window.presence_banner.text() if window.presence_banner.isVisibleTo(window)
                  else "-", flush=True)
        elif command == "quit":
            break
    window.close()
    session.close()
    print("closed", flush=True)
""")


@pytest.fixture
def second_window(live_window, live_path, tmp_path) -> Iterator[subprocess.Popen[str]]:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-c", SECOND_WINDOW, str(live_path),
                             str(tmp_path / "second.ini")], env=env("kai"), text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline().strip() == "ready"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    proc.stdin.close()
    proc.stdout.close()


def ask(proc: subprocess.Popen[str], line: str) -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def test_second_window_in_another_process(qtbot, live_window, second_window, live_path,
                                          settings):
    win = live_window
    host = presence.this_host()
    # The first window learns of the second within a second ...
    qtbot.waitUntil(lambda: win.presence_banner.isVisible(), timeout=1000)
    banner = win.presence_banner.text()
    assert re.search(rf"^Also open in process {second_window.pid} on {re.escape(host)} since "
                     r"\d\d:\d\d \(kai\): changes made there appear here", banner)
    # ... and the second was told of the first at its start.
    assert re.search(rf"process {os.getpid()} on {re.escape(host)} since \d\d:\d\d \(tester\)",
                     ask(second_window, "banner"))
    # A span made in the second window shows up here, with the view kept.
    settle_on_line(qtbot, win, 150)
    before = view_state(win)
    text = win.session.text
    span_id = ask(second_window, "span {} {} claim".format(*line_cp(text, 151)))
    qtbot.waitUntil(lambda: span_id in win.session.index, timeout=1000)
    assert drawn_background(win, line_cp(text, 151)[0]) is not None
    assert view_state(win) == before
    assert "kai added 1 span" in win.status.text("elsewhere")
    # The second window closes: the banner goes.
    assert ask(second_window, "quit") == "closed"
    qtbot.waitUntil(lambda: not win.presence_banner.isVisible(), timeout=1000)
    with Project.open(live_path) as project:
        assert not any(h.entity == "presence" for h in project.history())


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from annotator.store import Project
    with Project.open(sys.argv[1]) as project:
        with project.atomic():
            project.add_document("big-import.txt", "長い取り込みの文書。", who="bob")
            print("locked", flush=True)
            time.sleep(2.0)
    print("done", flush=True)
""")


def test_action_waits_for_another_programs_write_lock(qtbot, live_window, live_path):
    win = live_window
    shown: list[str] = []
    win.live.waitingChanged.connect(lambda waiting: shown.append(win.status.text("saved")))
    text = win.session.text
    start, end = line_cp(text, 20)
    win.view.select_cp(start, end)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(live_path)], env=env("bob"),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        began = time.monotonic()
        qtbot.keyClick(win.view, Qt.Key.Key_1)  # label the selection: waits for the lock
        waited = time.monotonic() - began
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    assert waited > 1.0
    assert shown == [WAITING_TEXT, "saved"]
    assert win.status.text("saved") == "saved"
    saved = [s for s in stored_spans(live_path) if (s.start, s.end) == (start, end)]
    assert [s.label for s in saved] == [DEFAULT_LABELS[0].name]
    assert saved[0].id == win.session.focused_span_id
    # What the other program wrote meanwhile arrived too, announced without this window's span.
    qtbot.waitUntil(lambda: win.documents.model.rowCount() == 3, timeout=1000)
    assert win.status.text("elsewhere") == "1 change from elsewhere: bob added 1 document"


def test_a_killed_second_window_is_forgotten(qtbot, live_window, second_window):
    win = live_window
    qtbot.waitUntil(lambda: win.presence_banner.isVisible(), timeout=1000)
    second_window.kill()  # no chance to remove its record
    second_window.wait(timeout=30)
    qtbot.waitUntil(lambda: not win.presence_banner.isVisible(), timeout=7000)
    assert win.live.others == []


def test_label_renamed_recoloured_and_removed_elsewhere(qtbot, live_window, live_path):
    win = live_window
    settle_on_line(qtbot, win, 150)
    before = view_state(win)
    resets: list[str] = []
    win.span_table.span_model.modelReset.connect(lambda: resets.append("table"))
    annotator("labels", "set", "actor", "--rename", "person", "--color", "#00aa00",
              "--db", str(live_path))
    qtbot.waitUntil(lambda: win.palette_panel.names()[1] == "person", timeout=1000)
    assert {s.label for s in win.session.index} == {"person"}
    model = win.span_table.span_model
    assert {model.index(row, 0).data() for row in range(model.rowCount())} == {"person"}
    span = next(s for s in win.session.index if s.id != win.session.focused_span_id)
    assert drawn_background(win, span.start).name() == "#00aa00"
    assert resets == [] and view_state(win) == before
    assert "renamed label 'actor' to 'person'" in win.status.text("elsewhere")
    # A label removed and another added (the row id reused): the palette follows by name.
    annotator("labels", "remove", "source", "--db", str(live_path))
    annotator("labels", "add", "secret", "--key", "5", "--db", str(live_path))
    qtbot.waitUntil(lambda: "secret" in win.palette_panel.names(), timeout=1000)
    assert win.palette_panel.names() == [lab.name for lab in win.session.labels]
    assert "source" not in win.palette_panel.names()
    assert win.session.label_for_key("5").name == "secret"


def test_document_list_follows_another_process_in_its_sort_order(
        qtbot, live_window, live_path, tmp_path):
    """Sorted by name: a document imported elsewhere is inserted at its place (no reset, the
    current row stays on its document); a status and span counts changed elsewhere update
    their cells."""
    win = live_window
    panel = win.documents
    panel.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    model = panel.model
    assert [model.index(r, 0).data() for r in range(2)] == ["long.txt", "other.txt"]
    current = win.session.document.id
    resets, inserted = [], []
    model.modelReset.connect(lambda: resets.append("reset"))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    source = tmp_path / "more.jsonl"
    source.write_text(json.dumps({"name": "middle.txt", "text": "真ん中の文書。", "spans": [
        {"start": 0, "end": 3, "label": "claim", "annotator": "hana"}]}, ensure_ascii=False)
        + "\n", encoding="utf-8")
    annotator("import", str(source), "--db", str(live_path))
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=1000)
    assert [model.index(r, 0).data() for r in range(3)] == ["long.txt", "middle.txt",
                                                            "other.txt"]
    assert inserted == [(1, 1)] and resets == []
    assert model.index(1, 1).data() == 1 and model.index(1, 2).data() == "new"
    assert panel.view.currentIndex().row() == model.row_of(current) == 0
    other = model.document_id(2)
    edit(live_path, ["add", other, 0, 2, "actor"], ["add", other, 2, 4, "claim"],
         ["status", other, "done"])
    qtbot.waitUntil(lambda: model.index(2, 2).data() == "done", timeout=1000)
    assert model.index(2, 1).data() == 2
    assert resets == []
    with Project.open(live_path) as project:  # the counts in the file agree
        assert project.db.execute("SELECT count(*) FROM spans WHERE document_id = ?",
                                  [other]).fetchone()[0] == 2
