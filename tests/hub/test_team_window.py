"""The window's Team menu against a real PostgreSQL hub: Sync Now (F5) sends the span I just
made with a key press and brings a colleague's, Automatic Sync (clicked in the real menu)
syncs on its own and is remembered, the status-bar field goes from pending to 0, and an
unreachable hub shows offline while the window keeps working. Each sync is a real
``annotator sync`` process started by the window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hub_helpers import Team, hub_spans

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMenu, QMessageBox  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from annotator.hub.admin import set_hub_setting  # noqa: E402
from annotator.hub.schema import SEE_COLLEAGUES  # noqa: E402
from annotator.hub.state import URL_KEY  # noqa: E402
from annotator.hub.sync import sync  # noqa: E402
from annotator.store import Project  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.session import Session  # noqa: E402
from annotator.ui.settings import AppSettings  # noqa: E402

SYNC_MS = 90_000  # a sync process starting on a busy machine


def _first_sync(team: Team, who: str) -> None:
    with team.project(who) as project, team.session(who) as session:
        project.set_setting(URL_KEY, team.url(who), who=who)
        sync(project, session)


def _colleague_span(team: Team, start: int) -> str:
    """bob annotates the shared document and syncs (his own process would do the same)."""
    with team.project(team.bob) as project:
        doc = project.document_by_sha256(team.shas[0])
        span = project.add_span(doc.id, start, start + 2, "actor", team.bob)
    with team.project(team.bob) as project, team.session(team.bob) as session:
        sync(project, session)
    return span.id


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def shared(team: Team) -> Team:
    """alice and bob synced once; annotators see each other's layers."""
    with team.session(team.lead) as lead:
        set_hub_setting(lead, SEE_COLLEAGUES, True)
    for who in (team.alice, team.bob):
        _first_sync(team, who)
    return team


def _open(qtbot, team: Team, settings: AppSettings) -> MainWindow:  # noqa: ANN001
    session = Session(Project.open(team.root / f"{team.alice}.annotator"), team.alice)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.restore()
    window.show()
    qtbot.waitExposed(window)
    doc = session.project.document_by_sha256(team.shas[0])
    window.open_document(doc.id)
    window.view.setFocus()
    return window


@pytest.fixture
def alice_window(qtbot, shared: Team, settings: AppSettings) -> Iterator[MainWindow]:  # noqa: ANN001
    window = _open(qtbot, shared, settings)
    yield window
    window.close()
    window.session.close()


def _label_selection(qtbot, window: MainWindow, start: int, end: int) -> str:  # noqa: ANN001
    """Select [start, end) and press label key 1; returns the new span's id."""
    before = {s.id for s in window.session.index}
    window.view.select_cp(start, end)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    new = {s.id for s in window.session.index} - before
    assert len(new) == 1
    return new.pop()


def _click_in_menu(qtbot, window: MainWindow, action_id: str) -> None:  # noqa: ANN001
    """Open the Team menu and click one of its entries with the mouse."""
    menu: QMenu = window.menus["Team"]
    menu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitExposed(menu)
    action = next(a for a in menu.actions() if a.objectName() == action_id)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                     pos=menu.actionGeometry(action).center())


def test_sync_now_sends_my_span_and_brings_a_colleagues(qtbot, alice_window: MainWindow,  # noqa: ANN001
                                                       shared: Team) -> None:
    window, team = alice_window, shared
    field = window.status.findChild(type(window.team.indicator), "status_team")
    assert field is window.team.indicator
    assert window.team.state == "never"
    mine = _label_selection(qtbot, window, 0, 3)
    # the span and the document's status ("in progress"), both to be sent
    qtbot.waitUntil(lambda: window.team.pending == 2)
    assert field.text() == "Team: not synced yet · 2 pending"
    theirs = _colleague_span(team, 6)
    with qtbot.waitSignal(window.team.syncFinished, timeout=SYNC_MS) as finished:
        qtbot.keyClick(window.view, Qt.Key.Key_F5)  # Team > Sync Now
        assert window.team.state == "syncing"
        assert field.text() == "Team: syncing…"
        assert not window.team.sync_action.isEnabled()  # one sync at a time
    assert finished.args[0] is True, finished.args[1]
    assert mine in hub_spans(team.db.admin_url, team.alice)
    # bob's span arrived in the window (the live poll), not only in the file
    qtbot.waitUntil(lambda: window.session.index.get(theirs) is not None)
    # the status bar says what arrived, not the sync's own bookkeeping
    elsewhere = window.status.text("elsewhere")
    assert "bob" in elsewhere and "hub.sync" not in elsewhere
    assert window.team.state == "synced"
    assert field.text().startswith("Team: synced ") and "· 0 pending" in field.text()
    assert "sent 1 changes, received 1" in window.status.currentMessage()
    # the menu names the hub
    window.team._refresh_menu()
    assert window.team.hub_info.text() == f"Hub: {team.url(team.alice)}"
    # a window opened later remembers when this project last synced
    settings = window.settings
    window.close()
    window.session.close()
    window = _open(qtbot, team, settings)
    try:
        assert window.team.state == "synced"
        assert window.team.indicator.text().startswith("Team: synced ")
        assert window.team.last_sync == settings.team_last_sync(str(window.session.project.path))
    finally:
        window.close()
        window.session.close()


# A menu popped up on the offscreen platform says it cannot grab the keyboard: harmless.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing")
def test_automatic_sync_runs_on_its_own_and_is_remembered(qtbot, shared: Team,  # noqa: ANN001
                                                          settings: AppSettings,
                                                          tmp_path: Path) -> None:
    settings.team_sync_seconds = 1
    window = _open(qtbot, shared, settings)
    try:
        finished: list[bool] = []
        window.team.syncFinished.connect(lambda ok, _m: finished.append(ok))
        assert not window.team.auto_action.isChecked()
        _click_in_menu(qtbot, window, "team.auto")
        assert window.team.auto_action.isChecked()
        assert "every 1 seconds" in window.team.indicator.text() or window.team.running
        qtbot.waitUntil(lambda: len(finished) >= 1, timeout=SYNC_MS)
        theirs = _colleague_span(shared, 9)  # after the first automatic sync
        qtbot.waitUntil(lambda: window.session.index.get(theirs) is not None, timeout=SYNC_MS)
        qtbot.waitUntil(lambda: len(finished) >= 2, timeout=SYNC_MS)
        assert all(finished)
        mine = _label_selection(qtbot, window, 12, 14)
        qtbot.waitUntil(lambda: mine in hub_spans(shared.db.admin_url, shared.alice),
                        timeout=SYNC_MS)
        qtbot.waitUntil(lambda: window.team.pending == 0 and not window.team.running,
                        timeout=SYNC_MS)
    finally:
        window.close()
        window.session.close()
    again = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert again.team_auto_sync is True and again.team_sync_seconds == 1


def test_unreachable_hub_shows_offline_and_the_window_keeps_working(
        qtbot, alice_window: MainWindow, shared: Team) -> None:  # noqa: ANN001
    window, team = alice_window, shared
    project = window.session.project
    good = project.setting(URL_KEY)
    # The same hub on a port nobody listens on: as if the server were stopped.
    project.set_setting(URL_KEY, make_conninfo(good, port="1"), who=team.alice)
    with qtbot.waitSignal(window.team.syncFinished, timeout=SYNC_MS) as finished:
        window.team.sync_action.trigger()
    ok, reason = finished.args
    assert not ok and "cannot reach the hub" in reason
    assert "Traceback" not in reason and "\n" not in reason
    field = window.team.indicator
    assert window.team.state == "offline"
    assert field.text().startswith("Team: offline · 0 pending · cannot reach the hub")
    # Offline, annotating goes on: the span is in the file and waits.
    mine = _label_selection(qtbot, window, 0, 2)
    qtbot.waitUntil(lambda: window.team.pending == 2)  # the span and the document's status
    assert "offline · 2 pending" in field.text()
    # The hub is back: the next sync sends what waited.
    project.set_setting(URL_KEY, good, who=team.alice)
    with qtbot.waitSignal(window.team.syncFinished, timeout=SYNC_MS) as finished:
        qtbot.keyClick(window.view, Qt.Key.Key_F5)
    assert finished.args[0] is True, finished.args[1]
    assert mine in hub_spans(team.db.admin_url, team.alice)
    qtbot.waitUntil(lambda: window.team.pending == 0)
    assert "· 0 pending" in field.text() and window.team.state == "synced"


def test_without_a_hub_the_menu_says_how_to_join_one(qtbot, tmp_path: Path,  # noqa: ANN001
                                                     settings: AppSettings) -> None:
    path = tmp_path / "solo.annotator"
    with Project.open(path) as project:
        project.add_document("a.txt", "北朝鮮の発表。", who="solo")
    session = Session(Project.open(path), "solo")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    try:
        team = window.team
        assert team.state == "no hub" and team.indicator.text() == "Team: no hub"
        assert not team.sync_action.isEnabled()
        assert team.sync_now() is False
        team._refresh_menu()
        assert team.hub_info.text() == "No hub for this project yet"
        team.setup_action.trigger()
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "infoMessage") is not None)
        message = window.findChild(QMessageBox, "infoMessage")
        assert f"annotator --db {path} hub use postgresql://" in message.text()
        message.close()
    finally:
        window.close()
        session.close()


def test_a_sync_the_hub_never_answers_is_stopped_and_the_window_keeps_working(
        qtbot, alice_window: MainWindow, shared: Team) -> None:  # noqa: ANN001
    window, team = alice_window, shared
    window.team._limit.setInterval(4000)  # (15 minutes in use)
    with psycopg.connect(team.db.admin_url) as admin:
        # The hub accepts the connection, then waits forever (a lock nobody releases).
        admin.execute("LOCK TABLE hub.changes IN ACCESS EXCLUSIVE MODE")
        with qtbot.waitSignal(window.team.syncFinished, timeout=SYNC_MS) as finished:
            window.team.sync_action.trigger()
            qtbot.waitUntil(lambda: _waiting_on_lock(admin, team.alice), timeout=SYNC_MS)
            # meanwhile the window answers keys: a span made while the sync hangs
            mine = _label_selection(qtbot, window, 3, 5)
        admin.rollback()
    ok, reason = finished.args
    assert not ok and "did not answer" in reason
    assert window.team.state == "error" and not window.team.running
    with qtbot.waitSignal(window.team.syncFinished, timeout=SYNC_MS) as finished:
        qtbot.keyClick(window.view, Qt.Key.Key_F5)
    assert finished.args[0] is True, finished.args[1]
    assert mine in hub_spans(team.db.admin_url, team.alice)


def _waiting_on_lock(admin: psycopg.Connection, who: str) -> bool:
    with psycopg.connect(admin.info.dsn, autocommit=True) as probe:
        return probe.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND "
                             "wait_event_type = 'Lock'", [who]).fetchone()[0] > 0


def test_the_window_never_loads_the_hubs_driver() -> None:
    """The Team menu reads the project's hub state through annotator.hub.state: a window
    without the ``hub`` extra works (psycopg is loaded only by the sync process)."""
    import os
    import subprocess
    import sys

    code = ("import sys; import annotator.ui.main_window, annotator.ui.team; "
            "print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "False"
