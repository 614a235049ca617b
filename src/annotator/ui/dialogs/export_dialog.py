"""The export dialog: format, filters (documents, labels, annotators), destination, progress.

Runs ``annotator.services.exporting.export`` (the command line's code path), which writes the
file atomically, so a cancelled or failed export leaves any existing file untouched.
Open it with ``open()``; it emits ``exported(report)`` or ``failed(message)`` and closes itself.

**Where.** The destination starts in the folder of the last export (remembered in the user's
settings), else in the user's documents folder (``QStandardPaths.DocumentsLocation``), never
in the hidden folder the default project lives in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from annotator.services.exporting import ExportCancelled, ExportFilter, export
from annotator.services.formats import EXPORT_FORMATS, ExportOptions
from annotator.ui.dialogs.import_dialog import make_progress, progress_callback
from annotator.ui.guarded import USER_ERRORS
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings

__all__ = ["ExportDialog", "default_export_folder"]

#: Every export format: (``--format`` name, what the user reads, suffix; "" for a folder).
FORMATS = (
    ("jsonl", "Native JSONL (code-point offsets; Prodigy, Hugging Face datasets)", ".jsonl"),
    ("doccano", "doccano JSONL (UTF-16 offsets)", ".jsonl"),
    ("labelstudio", "Label Studio JSON (code-point offsets)", ".json"),
    ("conll", "CoNLL IOB2 (one annotator's spans)", ".conll"),
    ("spacy", "spaCy DocBin", ".spacy"),
    ("brat", "brat standoff (a folder of .txt and .ann)", ""),
    ("refi-qda", "REFI-QDA project (MAXQDA, NVivo, ATLAS.ti, QualCoder)", ".qdpx"),
    ("hf", "Hugging Face dataset (a folder)", ""),
)
assert tuple(fmt for fmt, _text, _suffix in FORMATS) == EXPORT_FORMATS
_SUFFIXES = {suffix for _fmt, _text, suffix in FORMATS if suffix}


def default_export_folder(fallback: str = "") -> Path:
    """The user's documents folder (``fallback``, else the home folder, when there is none)."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    for candidate in (documents, fallback):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path.home()


def remembered_folder(settings: AppSettings | None) -> Path | None:
    """The folder of the last export, if it still exists."""
    if settings is None:
        return None
    value = settings.export_folder
    return Path(value) if value and Path(value).is_dir() else None


def remember_folder(settings: AppSettings | None, folder: Path) -> None:
    if settings is not None:
        settings.export_folder = str(folder)


def _checklist(names: list[str]) -> QListWidget:
    widget = QListWidget()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        widget.addItem(item)
    widget.setMaximumHeight(110)
    return widget


def _checked(widget: QListWidget) -> list[str] | None:
    """Checked names, or None when all are checked (no filter)."""
    items = [widget.item(i) for i in range(widget.count())]
    names = [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]
    return None if len(names) == len(items) else names


class ExportDialog(QDialog):
    """Choose what to export and where; Export runs it with a progress dialog.

    Emits ``exported(ExportReport)`` on success and ``failed(str)`` on an error (the dialog then
    stays open so the user can fix the destination); a cancelled export emits neither.
    """

    exported = Signal(object)
    failed = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None, folder: str = "",
                 settings: AppSettings | None = None) -> None:
        """``folder`` is used only when the user has no documents folder; ``settings`` (default:
        the parent's ``settings``) remember the last export's folder."""
        super().__init__(parent)
        if settings is None and isinstance(getattr(parent, "settings", None), AppSettings):
            settings = parent.settings  # type: ignore[union-attr]
        self._settings = settings
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self._session = session
        self.format_combo = QComboBox(self)
        for fmt, text, _suffix in FORMATS:
            self.format_combo.addItem(text, fmt)
        self.all_documents = QRadioButton("All documents", self)
        self.current_document = QRadioButton("Current document only", self)
        self.all_documents.setChecked(True)
        self.current_document.setEnabled(session.document is not None)
        self.skip_empty = QCheckBox("Leave out documents without spans", self)
        self.labels = _checklist([lab.name for lab in session.labels])
        self.annotators = _checklist(session.project.annotators())
        self.destination = QLineEdit(self)
        self.destination.setObjectName("exportDestination")
        where_to = remembered_folder(settings) or default_export_folder(folder)
        base = where_to / f"{session.project.path.stem}-export.jsonl"
        self.destination.setText(str(base))
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.format_combo.currentIndexChanged.connect(self._fix_suffix)
        where = QHBoxLayout()
        where.addWidget(self.destination, 1)
        where.addWidget(browse)
        documents = QVBoxLayout()
        documents.addWidget(self.all_documents)
        documents.addWidget(self.current_document)
        documents.addWidget(self.skip_empty)
        # What some formats need (shown for those formats only).
        self.email_domain = QLineEdit(self)
        self.email_domain.setObjectName("emailDomain")
        self.email_domain.setPlaceholderText("e.g. newsroom.example (NAME@DOMAIN)")
        self.as_predictions = QCheckBox("As predictions (pre-annotations)", self)
        self.layer = QComboBox(self)
        for name in session.project.annotators():
            self.layer.addItem(name, name)
        self.align = QComboBox(self)
        for mode in ("strict", "expand", "contract"):
            self.align.addItem(mode, mode)
        form = QFormLayout()
        self._form = form
        form.addRow("Format", self.format_combo)
        form.addRow("Email domain", self.email_domain)
        form.addRow("", self.as_predictions)
        form.addRow("Layer", self.layer)
        form.addRow("Align to tokens", self.align)
        form.addRow("Documents", documents)
        form.addRow("Labels", self.labels)
        form.addRow("Annotators", self.annotators)
        form.addRow("Save to", where)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.run_export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._show_options()

    def _show_options(self) -> None:
        fmt = self.format_combo.currentData()
        for widget, formats in ((self.email_domain, {"labelstudio"}),
                                (self.as_predictions, {"labelstudio"}),
                                (self.layer, {"conll"}), (self.align, {"spacy"})):
            self._form.setRowVisible(widget, fmt in formats)

    def _fix_suffix(self) -> None:
        suffix = FORMATS[self.format_combo.currentIndex()][2]
        path = Path(self.destination.text())
        if path.suffix in _SUFFIXES or (not path.suffix and suffix):
            self.destination.setText(str(path.with_suffix(suffix)))
        self._show_options()

    def options(self) -> ExportOptions:
        """The format options chosen in the dialog."""
        domain = self.email_domain.text().strip() or None
        return ExportOptions(
            email_domain=domain,
            labelstudio_as="predictions" if self.as_predictions.isChecked() else "annotations",
            layer=self.layer.currentData(), align=self.align.currentData())

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.destination.text(),
                                              "JSON Lines (*.jsonl);;JSON (*.json);;All files (*)")
        if path:
            self.destination.setText(path)

    def filters(self) -> ExportFilter:
        """The filters chosen in the dialog."""
        documents = None
        if self.current_document.isChecked() and self._session.document is not None:
            documents = [self._session.document.uid]
        return ExportFilter(annotators=_checked(self.annotators), labels=_checked(self.labels),
                            documents=documents, skip_empty=self.skip_empty.isChecked())

    def run_export(self) -> None:
        """Export with a progress dialog; on success close the dialog (accept)."""
        fmt = self.format_combo.currentData()
        output = Path(self.destination.text().strip()).expanduser()
        if not self.destination.text().strip():
            self.failed.emit("Choose where to save the export.")
            return
        progress = make_progress(self, "Exporting")
        try:
            report = export(self._session.project, fmt, output=output, filters=self.filters(),
                            progress=progress_callback(progress), options=self.options())
        except ExportCancelled:
            return
        except USER_ERRORS as exc:
            self.failed.emit(str(exc))
            return
        finally:
            progress.close()
            progress.deleteLater()
        remember_folder(self._settings, output.absolute().parent)
        self.exported.emit(report)
        self.accept()
