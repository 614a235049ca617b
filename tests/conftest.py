"""Root test configuration: headless Qt, and modal dialogs that fail instead of hanging."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    # The offscreen platform warns about these on top-level windows; they are harmless. Any
    # other Qt warning fails the test (qt_log_level_fail in pyproject.toml).
    config.addinivalue_line("qt_log_ignore", "This plugin does not support propagateSizeHints")
    config.addinivalue_line("qt_log_ignore", "This plugin does not support raise")


class UnexpectedDialogError(AssertionError):
    """A modal dialog was opened that the test did not patch: it would block forever."""


# Static methods that open a modal dialog, per class name (imported lazily: the unit tests
# never import Qt).
_MODAL_STATICS = {
    "QMessageBox": ("critical", "warning", "information", "question", "about", "aboutQt"),
    "QFileDialog": (
        "getExistingDirectory",
        "getExistingDirectoryUrl",
        "getOpenFileName",
        "getOpenFileNames",
        "getOpenFileUrl",
        "getOpenFileUrls",
        "getSaveFileName",
        "getSaveFileUrl",
    ),
    "QInputDialog": ("getDouble", "getInt", "getItem", "getMultiLineText", "getText"),
    "QColorDialog": ("getColor",),
    "QFontDialog": ("getFont",),
}


@pytest.fixture(autouse=True)
def unexpected_dialogs(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Make every modal dialog raise ``UnexpectedDialogError`` and fail the test.

    Yields the list of dialogs that were attempted. A test that expects a dialog patches it
    afterwards with a plain function, e.g.
    ``monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)``
    (never a ``unittest.mock.Mock`` set directly on a Qt class: PySide6 >= 6.10 segfaults), or
    closes a real ``open()``-ed dialog from ``QTimer.singleShot``.
    Only active when a test (or a module it imports) has loaded PySide6.
    """
    attempted: list[str] = []
    uses_qt = "PySide6.QtWidgets" in sys.modules or {"qtbot", "qapp"} & set(request.fixturenames)
    if not uses_qt:
        yield attempted
        return
    from PySide6 import QtWidgets

    mp = pytest.MonkeyPatch()

    def refuse(what: str) -> Callable[..., Any]:
        def _refuse(*args: Any, **kwargs: Any) -> Any:
            attempted.append(what)
            raise UnexpectedDialogError(
                f"unexpected modal dialog {what}: patch it in the test or close it from a timer"
            )

        return _refuse

    for cls_name, methods in _MODAL_STATICS.items():
        cls = getattr(QtWidgets, cls_name)
        for method in methods:
            mp.setattr(cls, method, staticmethod(refuse(f"{cls_name}.{method}")))
    mp.setattr(QtWidgets.QDialog, "exec", refuse("QDialog.exec"))
    if hasattr(QtWidgets.QDialog, "exec_"):
        mp.setattr(QtWidgets.QDialog, "exec_", refuse("QDialog.exec_"))
    try:
        yield attempted
    finally:
        mp.undo()
    if attempted:
        pytest.fail(f"unexpected modal dialog(s): {', '.join(attempted)}")
