"""Importing files and folders with a cancellable progress dialog.

Uses ``annotator.services.importing.import_paths`` (the command line's code path): it reads and
checks everything first and writes in one transaction, so cancelling (the progress callback
returns False) or an error leaves the project exactly as it was. When a text's encoding cannot
be told for sure, the user chooses one (the candidates the refusal names first) and the import
runs again with it. A folder's report (:class:`~annotator.services.import_scan.FolderImportReport`)
also says which of its entries were skipped (hidden, not .txt/.jsonl) or refused (not a regular
file), so nothing is left out silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QProgressDialog, QWidget

from annotator.services.decoding import COMMON_ENCODINGS, EncodingError
from annotator.services.import_scan import FolderImportReport, skipped_in_folders
from annotator.services.importing import ImportCancelled, ImportReport, import_paths
from annotator.ui.dialogs.messages import literal_html
from annotator.ui.guarded import USER_ERRORS
from annotator.ui.session import Session

__all__ = ["DETECT", "ENCODING_CHOICES", "ImportOutcome", "choose_encoding",
           "import_with_encoding", "run_import"]


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


def run_import(parent: QWidget | None, session: Session, paths: Sequence[str | Path], *,
               encoding: str | None = None) -> ImportOutcome:
    """Import ``paths`` into the session's project (spans without an annotator get the
    session's annotator; unknown labels are added to the label set). Re-reads the document
    list when something was written.

    ``encoding`` (a codec name; None or "Detect": detect each file's) is used for every text.
    When detection refuses a file (ambiguous, or another encoding), the user is asked which
    encoding to read the files with (:func:`choose_encoding`, the candidates first) and the
    import is run again with it; cancelling keeps the refusal as the outcome's error."""
    if encoding == DETECT:
        encoding = None
    dialog = make_progress(parent, "Importing")
    try:
        report = import_paths(session.project, [str(p) for p in paths],
                              annotator=session.annotator, who=session.annotator,
                              add_labels=True, progress=progress_callback(dialog),
                              encoding=encoding)
    except ImportCancelled:
        return ImportOutcome(cancelled=True)
    except EncodingError as exc:
        refused = exc
    except USER_ERRORS as exc:
        return ImportOutcome(error=str(exc))
    else:
        refused = None
    finally:
        dialog.close()
        dialog.deleteLater()
    if refused is not None:
        if encoding is None:
            chosen = choose_encoding(parent, refused)
            if chosen not in (None, DETECT):
                return run_import(parent, session, paths, encoding=chosen)
        return ImportOutcome(error=str(refused))
    session.reload_documents()
    if any(Path(p).is_dir() for p in paths):
        report = FolderImportReport.of(report, skipped_in_folders(paths))
    return ImportOutcome(report)


DETECT = "Detect"
#: What the encoding choice offers: detection, then common encodings by name.
ENCODING_CHOICES = (DETECT, *COMMON_ENCODINGS)


def choose_encoding(parent: QWidget | None, refused: EncodingError | None = None) -> str | None:
    """Ask which encoding to read texts with (a static ``QInputDialog.getItem``).

    Without ``refused``: "Detect" and the common encodings, "Detect" first. With it (detection
    refused a file): its message, then the candidates it names first and the other common
    encodings (detecting again would only refuse again). Returns a codec name, "Detect", or
    None when cancelled."""
    if refused is None:
        items = list(ENCODING_CHOICES)
        prompt = "Read the texts as:"
    else:
        items = list(dict.fromkeys([*refused.candidates, *COMMON_ENCODINGS]))
        prompt = f"{refused}\n\nRead the files as:"
    item, ok = QInputDialog.getItem(parent, "Encoding of the texts", literal_html(prompt), items,
                                    0, False)
    return str(item) if ok and item else None


def import_with_encoding(parent: QWidget | None, session: Session,
                         paths: Sequence[str | Path]) -> ImportOutcome | None:
    """Ask for the encoding first ("Detect" or a name), then import; None when cancelled."""
    chosen = choose_encoding(parent)
    if chosen is None:
        return None
    return run_import(parent, session, paths, encoding=chosen)
