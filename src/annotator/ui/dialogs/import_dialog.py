"""Importing files and folders with a cancellable progress dialog.

Uses ``annotator.services.importing.import_paths`` (the command line's code path): it reads and
checks everything first and writes in one transaction, so cancelling (the progress callback
returns False) or an error leaves the project exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from annotator.services.importing import ImportCancelled, ImportReport, import_paths
from annotator.ui.guarded import USER_ERRORS
from annotator.ui.session import Session

__all__ = ["ImportOutcome", "run_import"]


class ImportOutcome:
    """What happened: ``report`` when done, ``cancelled``, or ``error`` (a message)."""

    def __init__(self, report: ImportReport | None = None, *, cancelled: bool = False,
                 error: str | None = None) -> None:
        self.report = report
        self.cancelled = cancelled
        self.error = error


def make_progress(parent: QWidget | None, title: str) -> QProgressDialog:
    """A window-modal progress dialog shown at once (``objectName`` "progress")."""
    dialog = QProgressDialog(title, "Cancel", 0, 1, parent)
    dialog.setObjectName("progress")
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    dialog.show()
    return dialog


def progress_callback(dialog: QProgressDialog):  # type: ignore[no-untyped-def]
    """A service progress callback driving ``dialog``; returns False once it is cancelled."""

    def progress(done: int, total: int, what: str) -> bool:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))
        dialog.setLabelText(what)
        QApplication.processEvents()
        return not dialog.wasCanceled()

    return progress


def run_import(parent: QWidget | None, session: Session, paths: Sequence[str | Path]) -> ImportOutcome:
    """Import ``paths`` into the session's project (spans without an annotator get the
    session's annotator; unknown labels are added to the label set). Re-reads the document
    list when something was written."""
    dialog = make_progress(parent, "Importing")
    try:
        report = import_paths(session.project, [str(p) for p in paths],
                              annotator=session.annotator, who=session.annotator,
                              add_labels=True, progress=progress_callback(dialog))
    except ImportCancelled:
        return ImportOutcome(cancelled=True)
    except USER_ERRORS as exc:
        return ImportOutcome(error=str(exc))
    finally:
        dialog.close()
        dialog.deleteLater()
    session.reload_documents()
    return ImportOutcome(report)
