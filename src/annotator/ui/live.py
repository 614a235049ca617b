"""Keeping a window live beside other writers: polling, presence, and waiting for the lock.

``LiveUpdates`` is what a ``MainWindow`` installs on its session:

- a ``QTimer`` calls ``Session.sync()`` every ``POLL_MS``: idle, that is two tiny reads (a few
  microseconds); after another window, the command line or a merge wrote, the session applies
  the new history rows and the status bar says what arrived;
- the window's process is recorded in the project's presence table
  (``annotator.store.presence``), refreshed every ``HEARTBEAT_SECONDS`` and removed on close; the
  other live processes are emitted with ``othersChanged`` (re-read whenever another connection
  committed, so a window opened later is noticed too, and every ``PRESENCE_EVERY_MS``, so a
  window killed without closing is forgotten);
- while a write waits for another program's write lock (a long import), the project calls
  ``wait_handler`` about ten times a second: ``waitingChanged(True)`` is emitted once and events
  other than user input are processed, so the window repaints and says why it waits; keys and
  clicks are held until the write is done. The app waits up to ``APP_LOCK_TIMEOUT`` seconds (or
  ``ANNOTATOR_LOCK_TIMEOUT``), then the action fails with a message and nothing written.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Signal

from annotator.store import ProjectError, presence
from annotator.ui.session import Session

__all__ = ["APP_LOCK_TIMEOUT", "POLL_MS", "LiveUpdates", "WAITING_TEXT"]

#: How often the window looks for changes made elsewhere.
POLL_MS = 250
#: The other processes' records are re-read after every commit elsewhere and at least this
#: often (a process killed without closing its window writes nothing).
PRESENCE_EVERY_MS = 5000
#: How long an action in the window waits for another program's write lock (seconds).
APP_LOCK_TIMEOUT = 600.0
WAITING_TEXT = "Waiting for another program writing to this project…"
#: The waiting notice goes away this long after the last wait (a write outside an action).
_WAIT_CLEAR_MS = 400


class LiveUpdates(QObject):
    """Polls ``session`` for changes made elsewhere, keeps the presence record and shows
    waits for the write lock.

    Signals: ``othersChanged(list)`` (``annotator.store.presence.Presence`` records of the other
    processes with the project open in a window; emitted at start and whenever the list
    changes); ``waitingChanged(bool)``. Call ``stop()`` before the project closes.
    """

    othersChanged = Signal(list)  # noqa: N815
    waitingChanged = Signal(bool)  # noqa: N815

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        project = session.project
        self._waiting = False
        self._registered = False
        self._others: list[presence.Presence] = []
        self._seen_version = project.data_version()
        self._polls = 0
        if "ANNOTATOR_LOCK_TIMEOUT" not in os.environ:
            project.lock_timeout = APP_LOCK_TIMEOUT
        project.wait_handler = self._wait
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.heartbeat = QTimer(self)
        self.heartbeat.setInterval(presence.HEARTBEAT_SECONDS * 1000)
        self.heartbeat.timeout.connect(self._heartbeat)
        self._wait_clear = QTimer(self)
        self._wait_clear.setSingleShot(True)
        self._wait_clear.setInterval(_WAIT_CLEAR_MS)
        self._wait_clear.timeout.connect(self._end_wait)
        session.commandFinished.connect(self._end_wait)

    @property
    def others(self) -> list[presence.Presence]:
        """The other processes with this project open in a window (as last read)."""
        return list(self._others)

    @property
    def waiting(self) -> bool:
        return self._waiting

    def start(self) -> None:
        """Register this process, read the others, start polling."""
        self._heartbeat()
        self._read_others()
        self.timer.start()
        self.heartbeat.start()

    def stop(self) -> None:
        """Stop polling and remove this process's presence record (never waiting long)."""
        self.timer.stop()
        self.heartbeat.stop()
        project = self.session.project
        if project.wait_handler == self._wait:
            project.wait_handler = None
        if self._registered and not project.closed:
            try:
                presence.unregister(project)
            except (ProjectError, OSError, ValueError):
                pass
            self._registered = False

    # -- polling ----------------------------------------------------------------------------------

    def poll(self) -> None:
        """One look for changes made elsewhere (the timer's slot)."""
        if self._waiting or self.session.project.closed:
            return
        self.session.sync()
        version = self.session.feed.version  # what sync just read: no third query
        self._polls += 1
        if version != self._seen_version or self._polls * POLL_MS >= PRESENCE_EVERY_MS:
            self._seen_version = version
            self._polls = 0
            self._read_others()
        if not self._registered:
            self._heartbeat()  # the first try met another program's write lock

    def _read_others(self) -> None:
        try:
            others = presence.others(self.session.project)
        except (ProjectError, OSError, ValueError):
            return
        if others != self._others:
            self._others = others
            self.othersChanged.emit(list(others))

    def _heartbeat(self) -> None:
        if self._waiting or self.session.in_command or self.session.project.closed:
            return
        try:
            if presence.heartbeat(self.session.project, self.session.annotator):
                self._registered = True
        except (ProjectError, OSError, ValueError):
            pass  # bookkeeping only: never in the way of the user's work

    # -- waiting for the write lock ------------------------------------------------------------

    def _wait(self, _seconds: float) -> None:
        if not self._waiting:
            self._waiting = True
            self.waitingChanged.emit(True)
        self._wait_clear.start()
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    def _end_wait(self) -> None:
        self._wait_clear.stop()
        if self._waiting:
            self._waiting = False
            self.waitingChanged.emit(False)
