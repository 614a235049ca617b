"""The window's Team menu: sync with the team hub now or every N seconds, and a status-bar
field saying when the project last synced, how many local changes wait, and whether the hub
is reachable.

**How the window syncs.** "Sync Now" (and each automatic sync) runs ``annotator --db PROJECT
sync --json`` as a separate process (``QProcess``), never in the window's process:

- the window never waits for the network (a hub that does not answer takes the client's
  connect timeout, ten seconds, to be called offline) nor for a large pull: the process works,
  the window keeps answering keys and clicks;
- the project file is opened by one connection per process: a second connection in the
  window's process would drop SQLite's POSIX locks when it closes. The sync process is
  another writer like the command line: each of its batches is one ``BEGIN IMMEDIATE``
  transaction, and the window's own actions wait for its short write lock as they wait for
  any other program;
- what the sync pulled reaches the window as every other writer's changes do: the live poll
  (:mod:`annotator.ui.live`) applies the new history rows (their ``who`` is ``NAME (hub)``)
  and the status bar says what arrived;
- the window never imports the hub's driver (psycopg): the process reports in one line
  (``annotator: error: ...``) or with its JSON report. Without the ``hub`` extra the
  indicator says what to install.

The hub is the project's own (``annotator hub use URL``, read from the project at every sync,
so a change made in a terminal counts at once). Without one, the menu says how to join a hub.
Whether to sync automatically and how often is the user's setting
(:attr:`annotator.ui.settings.AppSettings.team_auto_sync`, ``team_sync_seconds``).
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QProcess, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QSizePolicy

from annotator.hub.state import hub_url, pending_changes, sync_member
from annotator.store import ProjectError
from annotator.ui.dialogs.messages import show_message
from annotator.ui.status_bar import ElidedLabel
from annotator.ui.text_view import plain_text_html

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

__all__ = ["INTERVALS", "TeamSync"]

#: The choices of Team > Sync Every (seconds).
INTERVALS = (30, 60, 120, 300, 600)
#: The pending count is re-read this long after the last local change (not per keystroke).
_PENDING_DELAY_MS = 400
#: A sync process still running after this long is stopped (a hub that accepted the
#: connection and then went silent); the next sync completes its work.
SYNC_LIMIT_MS = 15 * 60_000
_OFFLINE_MARKS = ("cannot reach the hub", "connection to the hub was lost")
_OFFLINE_STYLE = "color:#8a5a00;"
_ERROR_STYLE = "color:#b00020;"

SETUP_TEXT = (
    "This project does not sync with a team hub yet.\n\n"
    "A lead creates a hub on PostgreSQL ('annotator hub init URL') and adds you as a member. "
    "Then, with your password in ~/.pgpass, run in a terminal:\n\n"
    "    annotator --db {path} hub use postgresql://NAME@HOST/DATABASE\n\n"
    "NAME is your member name, which is also your layer: annotate under that name "
    "(Edit > Annotator Name). The Team menu then syncs this project. docs/team.md tells "
    "the whole story.")


def _when(stamp: float | None) -> str:
    """``14:02:31`` today, ``2026-11-30 14:02`` another day."""
    if stamp is None:
        return "never"
    moment = time.localtime(stamp)
    if time.strftime("%Y-%m-%d", moment) == time.strftime("%Y-%m-%d"):
        return time.strftime("%H:%M:%S", moment)
    return time.strftime("%Y-%m-%d %H:%M", moment)


def _interval_text(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    return f"{seconds} seconds"


class TeamSync(QObject):
    """The Team menu's behaviour for one window (see the module).

    Uses the registry's actions ``team.sync``, ``team.auto`` and ``team.setup``, adds the
    Sync Every submenu and the ``status_team`` field of the status bar. ``state`` is one of
    ``"no hub"``, ``"never"``, ``"syncing"``, ``"synced"``, ``"offline"``, ``"error"``;
    ``reason`` says why for the last two.

    Emits ``syncFinished(ok, message)`` when a sync process has ended (``message`` is the
    summary or the reason) and ``stateChanged()`` whenever the indicator changed."""

    syncFinished = Signal(bool, str)  # noqa: N815
    stateChanged = Signal()  # noqa: N815

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.settings = window.settings
        self.reason = ""
        # time.time() of the last successful sync from a window (remembered per project)
        self.last_sync = self.settings.team_last_sync(str(self.session.project.path))
        self.state = "never" if self.last_sync is None else "synced"
        self.last_report: dict[str, Any] | None = None
        self.pending = 0
        self.process: QProcess | None = None
        self._stdout = b""
        self._stderr = b""
        registry = window.actions_registry
        self.sync_action = registry.action("team.sync")
        self.auto_action = registry.action("team.auto")
        self.setup_action = registry.action("team.setup")
        registry.connect("team.sync", self.sync_now)
        registry.connect("team.setup", self.show_setup)
        menu = window.menus["Team"]
        self.hub_info = QAction("", self)
        self.hub_info.setObjectName("team.hub")
        self.hub_info.setEnabled(False)
        menu.insertAction(menu.actions()[0] if menu.actions() else None, self.hub_info)
        menu.insertSeparator(self.sync_action)
        self.interval_menu = QMenu("Sync &Every", menu)
        self.interval_menu.setObjectName("team.interval")
        self._intervals = QActionGroup(self)
        choices = sorted({*INTERVALS, self.settings.team_sync_seconds})
        for seconds in choices:
            action = self.interval_menu.addAction(_interval_text(seconds))
            action.setObjectName(f"team.every_{seconds}")
            action.setCheckable(True)
            action.setChecked(seconds == self.settings.team_sync_seconds)
            action.setData(seconds)
            self._intervals.addAction(action)
        self._intervals.triggered.connect(lambda a: self.set_interval(int(a.data())))
        menu.insertMenu(self.setup_action, self.interval_menu)
        menu.insertSeparator(self.setup_action)
        menu.aboutToShow.connect(self._refresh_menu)
        self.indicator = ElidedLabel()
        self.indicator.setObjectName("status_team")
        # As wide as its text up to 420 px, then "…" (an ElidedLabel alone takes no room).
        self.indicator.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.indicator.setMaximumWidth(420)
        window.status.addPermanentWidget(self.indicator)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._automatic)
        self._pending_timer = QTimer(self)
        self._pending_timer.setSingleShot(True)
        self._pending_timer.setInterval(_PENDING_DELAY_MS)
        self._pending_timer.timeout.connect(self.refresh)
        self._limit = QTimer(self)
        self._limit.setSingleShot(True)
        self._limit.setInterval(SYNC_LIMIT_MS)
        self._limit.timeout.connect(self._too_long)
        self.session.commandFinished.connect(self._pending_timer.start)
        self.session.changesFromElsewhere.connect(lambda _rows: self._pending_timer.start())
        self.session.annotatorChanged.connect(lambda *_: self.refresh())
        window.closed.connect(self.stop)
        self.auto_action.setChecked(self.settings.team_auto_sync)
        self.auto_action.toggled.connect(self.set_automatic)
        self._apply_timer()
        self.refresh()

    # -- what the project says --------------------------------------------------------------

    def hub(self) -> str | None:
        """The project's hub address (None: no hub, or the project is closed)."""
        try:
            return hub_url(self.session.project)
        except (ProjectError, ValueError):
            return None

    @property
    def running(self) -> bool:
        return self.process is not None

    def refresh(self) -> None:
        """Re-read the pending changes and redraw the indicator."""
        project = self.session.project
        if project.closed:
            return
        hub = self.hub()
        if hub is None:
            self.state = "no hub" if not self.running else self.state
        elif self.state == "no hub":
            self.state = "never"
        try:
            self.pending = pending_changes(project)
            member = sync_member(project)
        except (ProjectError, ValueError):
            member = None
        text, tip, style = self._describe(hub, member)
        self.indicator.setText(text)
        self.indicator.setToolTip(plain_text_html(tip))
        self.indicator.setStyleSheet(style)
        self.sync_action.setEnabled(hub is not None and not self.running)
        self.stateChanged.emit()

    def _describe(self, hub: str | None, member: str | None) -> tuple[str, str, str]:
        pending = f"{self.pending:,} pending"
        auto = (f" · every {_interval_text(self.settings.team_sync_seconds)}"
                if self.auto_action.isChecked() and hub else "")
        tips = []
        style = ""
        if self.state == "no hub":
            text = "Team: no hub"
            tips.append("This project does not sync with a hub: Team > Join a Hub… says how.")
        elif self.state == "syncing":
            text = "Team: syncing…"
        elif self.state == "never":
            text = "Team: not synced yet" + (f" · {pending}" if member else "") + auto
        elif self.state == "synced":
            text = f"Team: synced {_when(self.last_sync)} · {pending}{auto}"
        elif self.state == "offline":
            text = f"Team: offline · {pending} · {self.reason}"
            tips.append("The hub cannot be reached; everything keeps working here and the next "
                        f"sync sends what waits. {self.reason}")
            style = _OFFLINE_STYLE
        else:
            text = f"Team: sync failed · {pending} · {self.reason}"
            tips.append(f"The last sync did not finish: {self.reason}")
            style = _ERROR_STYLE
        if hub:
            tips.append(f"Hub: {hub}")
        if self.last_sync is not None:
            tips.append("Last sync: " + time.strftime("%Y-%m-%d %H:%M:%S",
                                                      time.localtime(self.last_sync)))
        if hub:
            tips.append(f"{self.pending:,} local changes not on the hub yet")
        if member and member != self.session.annotator:
            tips.append(f"You annotate as {self.session.annotator!r} but sync as the hub "
                        f"member {member!r}: only the layer {member!r} is sent.")
        return text, "\n".join(tips), style

    def _refresh_menu(self) -> None:
        hub = self.hub()
        self.hub_info.setText(f"Hub: {hub}" if hub else "No hub for this project yet")
        self.sync_action.setEnabled(hub is not None and not self.running)

    # -- syncing ------------------------------------------------------------------------------

    def sync_now(self) -> bool:
        """Start a sync process (Team > Sync Now). False when there is no hub or a sync is
        already running."""
        if self.running or self.session.project.closed:
            return False
        if self.hub() is None:
            self.state = "no hub"
            self.refresh()
            self.window.status.showMessage(
                "This project has no hub yet: Team > Join a Hub… says how to set one up.", 8000)
            return False
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "annotator", "--db", str(self.session.project.path),
                              "sync", "--json"])
        process.readyReadStandardOutput.connect(self._read_output)
        process.readyReadStandardError.connect(self._read_output)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._failed_to_start)
        self._stdout = self._stderr = b""
        self.process = process
        self.state = "syncing"
        self.refresh()
        process.start()
        self._limit.start()
        return True

    def _too_long(self) -> None:
        process = self.process
        if process is None:
            return
        process.finished.disconnect(self._finished)
        process.kill()
        process.waitForFinished(5000)
        self._end(False, f"the hub did not answer for {SYNC_LIMIT_MS // 60_000} minutes; the "
                         f"sync was stopped (nothing is lost: the next sync completes it)")

    def _read_output(self) -> None:
        if self.process is not None:
            self._stdout += bytes(self.process.readAllStandardOutput().data())
            self._stderr += bytes(self.process.readAllStandardError().data())

    def _failed_to_start(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.process is not None:
            self._end(False, f"the sync could not start ({self.process.errorString()})")

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read_output()
        if self.process is None:
            return
        if code == 0 and status == QProcess.ExitStatus.NormalExit:
            try:
                report = json.loads(self._stdout.decode("utf-8", "replace").strip() or "{}")
            except ValueError:
                report = {}
            self.last_report = report
            self.last_sync = time.time()
            self.settings.set_team_last_sync(str(self.session.project.path), self.last_sync)
            self._end(True, _summary(report))
            return
        self._end(False, _reason(self._stderr.decode("utf-8", "replace"), code, status))

    def _end(self, ok: bool, message: str) -> None:
        self._limit.stop()
        process, self.process = self.process, None
        if process is not None:
            process.deleteLater()
        if ok:
            self.state, self.reason = "synced", ""
        else:
            offline = any(mark in message for mark in _OFFLINE_MARKS)
            self.state, self.reason = ("offline" if offline else "error"), message
        if not self.session.project.closed:
            self.window.live.poll()  # what was pulled shows at once, not at the next poll
        self.refresh()
        self.window.status.showMessage(("Synced: " if ok else "Not synced: ") + message, 10_000)
        self.syncFinished.emit(ok, message)

    # -- automatic sync -----------------------------------------------------------------------

    def set_automatic(self, on: bool) -> None:
        """Team > Automatic Sync: sync now and every ``team_sync_seconds`` (remembered)."""
        self.settings.team_auto_sync = bool(on)
        if self.auto_action.isChecked() != bool(on):
            self.auto_action.setChecked(bool(on))
        self._apply_timer()
        if on:
            self.sync_now()
        self.refresh()

    def set_interval(self, seconds: int) -> None:
        """Team > Sync Every: how often the automatic sync runs (remembered)."""
        self.settings.team_sync_seconds = seconds
        for action in self._intervals.actions():
            action.setChecked(int(action.data()) == seconds)
        self._apply_timer()
        self.refresh()

    def _apply_timer(self) -> None:
        self.timer.setInterval(max(1, self.settings.team_sync_seconds) * 1000)
        if self.auto_action.isChecked():
            self.timer.start()
        else:
            self.timer.stop()

    def _automatic(self) -> None:
        if not self.running and self.hub() is not None:
            self.sync_now()

    # -- the rest -------------------------------------------------------------------------------

    def show_setup(self) -> None:
        """Team > Join a Hub…: how this project gets a hub (or which hub it has)."""
        hub = self.hub()
        if hub:
            text = (f"This project syncs with\n\n    {hub}\n\nas the member "
                    f"{sync_member(self.session.project) or '(not synced yet)'}. "
                    f"'annotator hub use URL' changes the hub; 'annotator hub status' shows "
                    f"the team's progress.")
        else:
            text = SETUP_TEXT.format(path=self.session.project.path)
        show_message(self.window, "Team hub", text, error=False)

    def stop(self) -> None:
        """Stop the timer and end a running sync (the window closes). A sync killed at any
        moment loses nothing: the next one completes it."""
        self.timer.stop()
        self._pending_timer.stop()
        self._limit.stop()
        process, self.process = self.process, None
        if process is not None:
            process.finished.disconnect(self._finished)
            process.kill()
            process.waitForFinished(5000)
            process.deleteLater()


def _summary(report: dict[str, Any]) -> str:
    pushed = int(report.get("pushed_spans", 0)) + int(report.get("pushed_deletes", 0)) + \
        int(report.get("pushed_relations", 0)) + int(report.get("pushed_decisions", 0))
    pulled = int(report.get("pulled_spans", 0)) + int(report.get("pulled_deletes", 0)) + \
        int(report.get("pulled_relations", 0)) + int(report.get("pulled_decisions", 0))
    parts = [f"sent {pushed:,} changes", f"received {pulled:,}"]
    if report.get("pulled_documents"):
        parts.append(f"{int(report['pulled_documents']):,} new documents")
    if report.get("labels_changed"):
        parts.append("the label set changed")
    if report.get("waiting"):
        parts.append(f"{int(report['waiting']):,} wait for a label or document the hub does "
                     f"not give you yet")
    return ", ".join(parts) + f" ({float(report.get('seconds', 0.0)):.1f} s)"


def _reason(stderr: str, code: int, status: QProcess.ExitStatus) -> str:
    """The sync process's one-line reason (``annotator: error: ...``); never a traceback."""
    for line in reversed(stderr.strip().splitlines()):
        if line.startswith("annotator: error:"):
            return line.removeprefix("annotator: error:").strip()
    if status == QProcess.ExitStatus.CrashExit:
        return "the sync process stopped unexpectedly; nothing is lost: sync again"
    return (f"the sync process ended with code {code}; run 'annotator sync' in a terminal to "
            f"see why")
