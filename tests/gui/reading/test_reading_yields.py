"""The background indexer yields to the window: after an edit made by code (no key, no mouse)
nothing is stored until the window has been quiet, and it fills the project's text index a few
texts at a time while idle, leaving a sound index."""

from __future__ import annotations

from pathlib import Path

from annotator.services.japanese.corpus_search import readings_state
from annotator.store import Project, search_index
from annotator.ui.reading import indexer as indexer_module
from reading_fixtures import make_project, open_window, seed_texts


def _many(tmp_path: Path, n: int = 90) -> Path:
    base = "\n".join(seed_texts().values())
    texts = {f"d{i:02d}.txt": f"{i}\n" + base[i * 131 : i * 131 + 900] for i in range(n)}
    return make_project(tmp_path / "many.annotator", texts)


def test_edits_made_by_code_hold_background_indexing_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _many(tmp_path)
    window, aids = open_window(qtbot, path, tmp_path)
    project = window.session.project
    try:
        qtbot.waitUntil(lambda: readings_state(project)[0] >= 3, timeout=60_000)
        assert readings_state(project)[0] < 90
        ids = [d.id for d in project.documents()]
        for round_ in range(4):
            # A switch or an edit by code: the session announces it; no input event is sent.
            if round_ % 2:
                window.open_document(ids[round_ * 7])
            else:
                window.view.select_cp(2, 5)
                assert window.editor.apply_label("claim") is not None
            before = readings_state(project)[0]
            texts_before = search_index.text_watermark(project.db.conn)
            qtbot.wait(indexer_module.QUIET_MS // 3)
            assert readings_state(project)[0] <= before + 1  # at most the document shown
            assert search_index.text_watermark(project.db.conn) == texts_before
        qtbot.waitUntil(lambda: readings_state(project)[0] == 90, timeout=120_000)
    finally:
        window.close()
        window.session.close()


def test_the_window_fills_the_text_index_while_idle(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _many(tmp_path, 40)
    with Project.open(path) as project:
        assert search_index.text_watermark(project.db.conn) == 0  # not indexed by the import
    window, aids = open_window(qtbot, path, tmp_path)
    project = window.session.project
    try:
        assert aids.indexer.texts_pending()
        qtbot.waitUntil(lambda: not aids.indexer.texts_pending(), timeout=60_000)
        conn = project.db.conn
        assert search_index.pending_texts(conn) == (0, 0)
        conn.execute("INSERT INTO search_text(search_text, rank) VALUES ('integrity-check', 1)")
        found = list(search_index.candidate_documents(conn, "search_text", ["北朝鮮"]))
        assert found == [d.id for d in project.documents() if "北朝鮮" in project.text(d.id)]
        assert found
    finally:
        window.close()
        window.session.close()


_LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()  # held until the test says so
conn.execute("COMMIT")
"""


def test_background_writes_do_not_wait_for_another_programs_lock(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    path = _many(tmp_path, 40)
    window, aids = open_window(qtbot, path, tmp_path)
    project = window.session.project
    waits: list[bool] = []
    window.live.waitingChanged.connect(waits.append)
    locker = subprocess.Popen([sys.executable, "-c", _LOCKER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdin is not None
        assert locker.stdout.readline().strip() == "locked"
        before = readings_state(project)[0], search_index.text_watermark(project.db.conn)
        qtbot.wait(1500)  # the indexer has work: it tries, gives up at once, tries later
        assert waits == []  # the window never waited for the lock (input was never held)
        assert (readings_state(project)[0], search_index.text_watermark(project.db.conn)) == before
        locker.stdin.write("\n")
        locker.stdin.flush()
        assert locker.wait(timeout=30) == 0
        qtbot.waitUntil(lambda: readings_state(project)[0] == 40 and not aids.indexer.texts_pending(),
                        timeout=120_000)
    finally:
        if locker.poll() is None:
            locker.kill()
        locker.wait()
        for stream in (locker.stdin, locker.stdout):
            if stream is not None:
                stream.close()
        window.close()
        window.session.close()


def test_a_key_or_a_click_in_the_window_holds_background_work_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    path = _many(tmp_path, 3)
    window, aids = open_window(qtbot, path, tmp_path)
    indexer = aids.indexer
    handle = window.windowHandle()  # input as the window system delivers it, to the window
    try:
        qtbot.waitUntil(lambda: indexer._quiet_left_ms() == 0, timeout=10_000)
        QTest.keyClick(handle, Qt.Key.Key_Right)  # no session change: only the key says it
        assert indexer._quiet_left_ms() > 0
        qtbot.waitUntil(lambda: indexer._quiet_left_ms() == 0, timeout=10_000)
        at = window.view.viewport().mapTo(window, QPoint(30, 10))
        QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
        assert indexer._quiet_left_ms() > 0
    finally:
        window.close()
        window.session.close()
