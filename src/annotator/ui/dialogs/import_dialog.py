"""Importing files and folders with a cancellable progress dialog.

Uses ``annotator.services.importing.import_paths`` (the command line's code path): it reads,
checks and writes in one transaction, so cancelling (the progress callback returns False) or an
error leaves the project exactly as it was. The format is recognised from each file's content
(``auto``) unless the user chooses one (:func:`choose_format`, :func:`import_with_format`: the
same choices as ``annotator import --format``); a file no importer recognises is refused with
what was expected, never imported as a text. When a text's encoding cannot
be told for sure, the user chooses one (the candidates the refusal names first) and the import
runs again with it. A folder's report (:class:`~annotator.services.import_scan.FolderImportReport`)
also says which of its entries were skipped (hidden, not a format annotator reads) or refused
(not a regular file, content not recognised), so nothing is left out silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QProgressDialog, QWidget

from annotator.services.decoding import COMMON_ENCODINGS, EncodingError
from annotator.services.formats import IMPORT_FORMATS
from annotator.services.import_scan import FolderImportReport
from annotator.services.importing import ImportCancelled, ImportReport, import_paths
from annotator.ui.dialogs.messages import literal_html
from annotator.ui.guarded import USER_ERRORS
from annotator.ui.session import Session

__all__ = ["DETECT", "ENCODING_CHOICES", "FORMAT_CHOICES", "ImportOutcome", "choose_encoding",
           "choose_format", "import_with_encoding", "import_with_format", "run_import"]

#: The import formats as offered: (``--format`` name, what the user reads), auto first.
FORMAT_CHOICES = (
    ("auto", "Recognise from the content"),
    ("text", "Plain texts (.txt)"),
    ("jsonl", "Native JSONL (annotator's own)"),
    ("labelstudio", "Label Studio JSON (code-point offsets)"),
    ("doccano", "doccano JSONL (UTF-16 offsets)"),
    ("conll", "CoNLL / IOB2 / BIOES"),
    ("spacy", "spaCy DocBin (.spacy)"),
    ("brat", "brat standoff (.txt + .ann)"),
    ("refi-qda", "REFI-QDA project (.qdpx)"),
)
assert tuple(name for name, _ in FORMAT_CHOICES) == IMPORT_FORMATS


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
               encoding: str | None = None, fmt: str = "auto") -> ImportOutcome:
    """Import ``paths`` into the session's project (spans without an annotator get the
    session's annotator; unknown labels are added to the label set). Re-reads the document
    list when something was written.

    ``encoding`` (a codec name; None or "Detect": detect each file's) is used for every text.
    When detection refuses a file (ambiguous, or another encoding), the user is asked which
    encoding to read the files with (:func:`choose_encoding`, the candidates first) and the
    import is run again with it; cancelling keeps the refusal as the outcome's error.
    ``fmt`` is the format of every path (``auto``: recognised per file)."""
    if encoding == DETECT:
        encoding = None
    dialog = make_progress(parent, "Importing")
    skipped: list[tuple[str, str]] = []
    try:
        report = import_paths(session.project, [str(p) for p in paths],
                              annotator=session.annotator, who=session.annotator,
                              add_labels=True, progress=progress_callback(dialog),
                              encoding=encoding, fmt=fmt, skipped=skipped)
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
                return run_import(parent, session, paths, encoding=chosen, fmt=fmt)
        return ImportOutcome(error=str(refused))
    session.reload_documents()
    if any(Path(p).is_dir() for p in paths):
        report = FolderImportReport.of(report, sorted(skipped))
    return ImportOutcome(report)


def choose_format(parent: QWidget | None) -> str | None:
    """Ask which format the files are in (a static ``QInputDialog.getItem`` over
    :data:`FORMAT_CHOICES`, "Recognise from the content" first). Returns the ``--format``
    name, or None when cancelled."""
    items = [f"{label} [{name}]" for name, label in FORMAT_CHOICES]
    item, ok = QInputDialog.getItem(parent, "Format of the files", "Read the files as:", items,
                                    0, False)
    if not ok or not item:
        return None
    return next(name for name, label in FORMAT_CHOICES if item == f"{label} [{name}]")


def import_with_format(parent: QWidget | None, session: Session,
                       paths: Sequence[str | Path]) -> ImportOutcome | None:
    """Ask for the format first (auto or one by name), then import; None when cancelled."""
    chosen = choose_format(parent)
    if chosen is None:
        return None
    return run_import(parent, session, paths, fmt=chosen)


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
