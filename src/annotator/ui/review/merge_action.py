"""Review > Merge Colleagues' Work…: bring colleagues' exports or project files into the project.

Calls the command line's code path, :func:`annotator.services.review.colleagues.merge_work`:
every file is checked as strictly as an import before anything is written, and the merge is
one transaction, so an error or a cancel leaves the project exactly as it was. The message of
a refusal (the file, the document and the span) is shown as plain text. Labels the project
lacks are not added silently: the user is asked first, naming them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from annotator.services.importing import ImportCancelled, ImportReport
from annotator.services.review.colleagues import UnknownLabelsError, merge_work
from annotator.ui.dialogs.import_dialog import make_progress, progress_callback
from annotator.ui.dialogs.messages import literal_html, show_message
from annotator.ui.guarded import USER_ERRORS, error_message
from annotator.ui.review.cells import counted

__all__ = ["WORK_FILTER", "MergeOutcome", "choose_work", "merge_into", "run_merge"]

WORK_FILTER = ("Colleagues' work (*.jsonl *.ndjson *.annotator);;Native JSONL exports "
               "(*.jsonl *.ndjson);;Annotator projects (*.annotator);;All files (*)")


class MergeOutcome:
    """What happened: ``report`` when merged, ``cancelled``, or ``error`` (a message);
    ``unknown_labels`` lists the labels the project lacks when that was the refusal."""

    def __init__(self, report: ImportReport | None = None, *, cancelled: bool = False,
                 error: str | None = None, unknown_labels: Sequence[str] = ()) -> None:
        self.report = report
        self.cancelled = cancelled
        self.error = error
        self.unknown_labels = list(unknown_labels)


def choose_work(parent: QWidget | None, folder: str = "") -> list[str]:
    """Ask for colleagues' files (native JSONL exports or project files)."""
    paths, _ = QFileDialog.getOpenFileNames(parent, "Merge colleagues' work", folder, WORK_FILTER)
    return list(paths)


def run_merge(parent: QWidget | None, session: Any, paths: Sequence[str | Path], *,
              add_labels: bool = False) -> MergeOutcome:
    """Merge ``paths`` into the session's project with a cancellable progress dialog (the
    session's annotator is recorded as who merged). Re-reads the documents and the open
    document's spans when something was written, then applies the merge's history rows
    (``Session.sync``), so the session reports the spans it added to every document."""
    dialog = make_progress(parent, "Merging")
    try:
        report = merge_work(session.project, [str(p) for p in paths], who=session.annotator,
                            add_labels=add_labels, progress=progress_callback(dialog))
    except ImportCancelled:
        return MergeOutcome(cancelled=True)
    except UnknownLabelsError as exc:
        return MergeOutcome(error=str(exc), unknown_labels=exc.labels)
    except USER_ERRORS as exc:
        return MergeOutcome(error=error_message(exc))
    finally:
        dialog.close()
        dialog.deleteLater()
    session.reload_documents()
    session.reload_spans()
    session.sync()  # the merge's history rows: spansChangedIn for every document it touched
    return MergeOutcome(report)


def _add_labels_first(parent: QWidget, labels: list[str]) -> bool:
    listed = ", ".join(repr(name) for name in labels)
    answer = QMessageBox.question(  # a static box guesses rich text: names shown literally
        parent, "Merge colleagues' work", literal_html(
            f"The work uses {counted(len(labels), 'label')} this project does not have: "
            f"{listed}.\n\n"
            f"Add {'it' if len(labels) == 1 else 'them'} to the label set and merge?"))
    return answer == QMessageBox.StandardButton.Yes


def merge_into(main_window: Any, paths: Sequence[str | Path] | None = None) -> MergeOutcome | None:
    """Ask for files (unless ``paths``), merge them, and report in ``main_window``: a message
    for a refusal, the summary in the status bar when merged. Returns the outcome (None when
    no file was chosen)."""
    if paths is None:
        paths = choose_work(main_window, str(Path(main_window.session.project.path).parent))
    if not paths:
        return None
    outcome = run_merge(main_window, main_window.session, paths)
    status = main_window.statusBar()
    if outcome.unknown_labels:
        if not _add_labels_first(main_window, outcome.unknown_labels):
            status.showMessage("Merge cancelled: the labels were not added; nothing was merged.",
                               8000)
            return outcome
        outcome = run_merge(main_window, main_window.session, paths, add_labels=True)
    if outcome.cancelled:
        status.showMessage("Merge cancelled: nothing was merged.", 8000)
    elif outcome.error:
        show_message(main_window, "Merge refused", outcome.error)
    elif outcome.report is not None:
        status.showMessage("Merged: " + outcome.report.summary(), 10_000)
    return outcome
