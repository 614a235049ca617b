"""Starting the desktop app: ``run(db)`` (called by ``annotator`` without a command).

Sets up the ``QApplication`` (Fusion style, the saved theme, the bundled Japanese font), asks
the annotator's name once (kept in the settings; when the prompt is cancelled the computer's
user name is used for this run only, the status bar says so, and the name is asked again at the
next start), opens the project (``--db PATH``, else the
default project, created with the seed texts on first use) and shows the window where the user
left it. Opening another project replaces the window; errors are shown in the window.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from annotator.domain.errors import AnnotatorError
from annotator.services import default_project
from annotator.services.importing import default_annotator
from annotator.ui import theme
from annotator.ui.dialogs.messages import literal_html, show_message
from annotator.ui.dialogs.prompts import ask_annotator_name
from annotator.ui.fonts import japanese_font_status
from annotator.ui.main_window import MainWindow, register_panel
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings

__all__ = ["WindowManager", "application", "run"]

OPEN_ERRORS = (AnnotatorError, sqlite3.Error, OSError, ValueError)
#: Modules whose ``install(window)`` adds panels or menus to every window (see main_window).
EXTENSIONS = ("annotator.ui.review", "annotator.ui.reading")


def application(argv: Sequence[str] | None = None) -> QApplication:
    """The ``QApplication`` (created if needed) with names, style, theme and fonts set up."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName("annotator")
    app.setApplicationName("annotator")
    app.setApplicationDisplayName("annotator")
    return app


class WindowManager(QObject):
    """Opens projects into windows; one window (and one ``Session``) per open project."""

    def __init__(self, settings: AppSettings, annotator: str, *, unnamed: bool = False) -> None:
        """``unnamed``: the user gave no name (``annotator`` is the computer's user name);
        each window says so in its status bar until a name is set."""
        super().__init__()
        self.settings = settings
        self.annotator = annotator
        self.unnamed = unnamed
        self.window: MainWindow | None = None

    def open(self, path: str | None) -> MainWindow | None:
        """Open ``path`` (None: the default project) in a new window replacing the current one.
        On failure the message is shown (in the current window, if any) and None returned."""
        try:
            project = default_project.open_project(path, who=self.annotator)
        except OPEN_ERRORS as exc:
            text = f"The project could not be opened:\n{exc}"
            if self.window is not None:
                show_message(self.window, "Cannot open project", text)
            else:
                QMessageBox.critical(None, "Cannot open project", literal_html(text))
            return None
        old = self.window
        if old is not None:
            old.save_layout()
        session = Session(project, self.annotator)
        window = MainWindow(session, self.settings)
        window.openProjectRequested.connect(self.open)
        session.annotatorChanged.connect(self._annotator_changed)
        status = japanese_font_status()
        if status.message:
            window.editor.show_banner(status.message)
        window.restore()
        self.settings.add_recent_project(str(project.path))
        self.window = window
        window.show()
        if self.unnamed:
            window.status.showMessage(unnamed_notice(self.annotator))
        if old is not None:
            old.close()
            old.session.close()
            old.deleteLater()
        return window

    def _annotator_changed(self, name: str) -> None:
        self.annotator = name
        self.unnamed = False
        if self.window is not None:
            self.window.status.clearMessage()

    def close(self) -> None:
        """Close the window and the project."""
        if self.window is not None:
            self.window.close()
            self.window.session.close()
            self.window = None


def unnamed_notice(name: str) -> str:
    """What the status bar says while the user has given no name."""
    return (f"No name given: spans you create are recorded as “{name}” (this computer's user "
            f"name). Set yours with Edit > Annotator Name…; it is asked again at the next start.")


def _excepthook(manager: WindowManager):  # type: ignore[no-untyped-def]
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        traceback.print_exception(kind, exc, tb)
        if manager.window is not None:
            show_message(manager.window, "Unexpected error",
                         f"{kind.__name__}: {exc}\n\nEvery change made so far is saved; "
                         f"the app keeps running.")

    return hook


def register_extensions(names: Sequence[str] = EXTENSIONS) -> None:
    """Register the ``install`` function of each extension module with ``register_panel``."""
    for name in names:
        register_panel(importlib.import_module(name).install)


def run(db: str | None) -> int:
    """Start the app on project ``db`` (None: the default project); returns the exit status."""
    app = application()
    register_extensions()
    settings = AppSettings()
    theme.apply_theme(app, settings.theme)
    name = settings.annotator
    unnamed = False
    if not name:
        name = ask_annotator_name(None) or ""
        if name:
            settings.annotator = name
        else:  # cancelled: not recorded; used for this run only, and said so
            unnamed = True
    manager = WindowManager(settings, name or default_annotator(), unnamed=unnamed)
    if manager.open(db) is None:
        return 1
    sys.excepthook = _excepthook(manager)
    app.aboutToQuit.connect(manager.close)
    return int(app.exec())
