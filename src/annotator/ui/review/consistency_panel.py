"""The consistency window: findings of both checks, each jumpable and fixable in place.

Findings come from :func:`annotator.services.review.project_review.scan_consistency`
(the function behind ``annotator check``). Selecting a finding shows its place in the preview
(and emits ``jumpRequested``); *Fix* follows the layer rules: it writes only to the layer
chosen under "Fix in layer" (the user's own, or the reviewed layer). It relabels that layer's
spans at the place, or creates one there when the layer has none, as one undoable step on the
shared stack; colleagues' spans at the place are left as they are, and the status bar names
them. The list is then checked again.

The check streams (``scan_consistency``: two passes over the documents, a chunk at a time): the
progress bar under the Check button follows both passes and Cancel stops the check between
chunks (the window stays responsive meanwhile; Check and Fix wait until it ends). The table
lists the first ``SHOWN_LIMIT`` findings in document order; the message counts them all.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStatusBar,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.commands import Command, Compound, CreateSpan, UpdateSpan
from annotator.domain.errors import AnnotatorError
from annotator.services.review.consistency import Finding, FindingKind
from annotator.services.review.progress import ReviewCancelled
from annotator.services.review.project_review import scan_consistency
from annotator.ui.review.cells import counted, read_only_item
from annotator.ui.review.context import ReviewContext
from annotator.ui.text_view import AnnotationTextView

__all__ = ["SHOWN_LIMIT", "ConsistencyWindow", "ProgressRow"]

COLUMNS = ("what", "document", "place", "text", "labels elsewhere", "labels here")
SHOWN_LIMIT = 5000  # findings listed in the table (all are counted)


class ProgressRow(QWidget):
    """A progress bar with a Cancel button for work run in steps in the window's thread.

    :meth:`callback` is a service ``progress(done, total, what)``: it moves the bar, lets the
    window process its events, and returns False once Cancel was pressed. Hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setObjectName("reviewProgress")
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancelled = False
        self.running = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self) -> None:
        self.cancelled = False
        self.running = True
        self.bar.setRange(0, 0)
        self.show()

    def cancel(self) -> None:
        self.cancelled = True

    def finish(self) -> None:
        self.running = False
        self.hide()

    def callback(self, done: int, total: int, what: str) -> bool:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))
        self.bar.setFormat(f"{what} %p%")
        QApplication.processEvents()
        return not self.cancelled


class ConsistencyWindow(QWidget):
    """Lists :class:`Finding`s; ``findings`` holds them in table order.

    Signals: ``jumpRequested(document_id, start, end)`` when a finding is selected.
    """

    jumpRequested = Signal(int, int, int)  # noqa: N815

    def __init__(self, context: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("consistencyWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Consistency")
        self.context = context
        self.findings: list[Finding] = []
        self._names: dict[int, str] = {}
        self._shown_document: int | None = None
        self.annotator_list = QListWidget()
        self.annotator_list.setObjectName("annotatorList")
        for name in context.project.annotators():
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.annotator_list.addItem(item)
        self.check_button = QPushButton("Check")
        self.check_button.clicked.connect(lambda: self.run_check())
        self.progress = ProgressRow()
        self._close_when_done = False
        self.total_findings = 0
        self.message = QLabel("Check every span, or only the checked annotators'.")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("findingsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._jump)
        self.label_box = QComboBox()
        self.label_box.setObjectName("fixLabelBox")
        self.label_box.addItems([label.name for label in context.project.labels()])
        self.layer_box = QComboBox()  # the layers the user may write: never a colleague's
        self.layer_box.setObjectName("fixLayerBox")
        self.layer_box.addItems(list(dict.fromkeys([context.who, context.layer])))
        self.fix_button = QPushButton("Fix")
        self.fix_button.setObjectName("fixButton")
        self.fix_button.clicked.connect(self.fix_current)
        self.preview = AnnotationTextView()
        self.preview.setObjectName("preview")
        context.errorOccurred.connect(self._show_error)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel("Annotators (none checked: all)"))
        side_layout.addWidget(self.annotator_list)
        side_layout.addWidget(self.check_button)
        side_layout.addWidget(self.progress)
        side_layout.addWidget(self.message)
        form = QFormLayout()
        form.addRow("Label as", self.label_box)
        form.addRow("Fix in layer", self.layer_box)
        form.addRow(self.fix_button)
        side_layout.addLayout(form)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.table)
        right.addWidget(self.preview)
        self.status = QStatusBar()
        self.status.setObjectName("consistencyStatus")
        panes = QHBoxLayout()
        panes.addWidget(side, 1)
        panes.addWidget(right, 4)
        layout = QVBoxLayout(self)
        layout.addLayout(panes, 1)
        layout.addWidget(self.status)
        self.resize(1100, 700)

    def _show_error(self, message: str) -> None:
        self.message.setText(message)

    def annotators(self) -> list[str]:
        items = [self.annotator_list.item(i) for i in range(self.annotator_list.count())]
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    def run_check(self, keep_row: int = 0) -> None:
        """Run both checks and list the findings (selecting row ``keep_row`` if it exists).

        Lists the first ``SHOWN_LIMIT`` findings and counts the rest; Cancel (or closing the
        window) stops the check and keeps the list as it was."""
        if self.progress.running:
            return
        project = self.context.project
        shown: list[Finding] = []
        names: dict[int, str] = {}
        total = 0
        self.check_button.setEnabled(False)
        self.fix_button.setEnabled(False)
        self.progress.start()
        self.message.setText("Checking…")
        try:
            for found in scan_consistency(project, annotators=self.annotators() or None,
                                          progress=self.progress.callback):
                total += len(found.rows)
                room = SHOWN_LIMIT - len(shown)
                if room > 0:
                    names[found.document_id] = found.name
                    shown.extend(found.findings()[:room])
        except ReviewCancelled:
            self.message.setText("The check was cancelled; the list is as it was.")
            return
        except (AnnotatorError, ValueError) as exc:
            self.message.setText(str(exc))
            return
        finally:
            self.progress.finish()
            self.check_button.setEnabled(True)
            self.fix_button.setEnabled(True)
            if self._close_when_done:
                QTimer.singleShot(0, self.close)
        self.findings, self._names, self.total_findings = shown, names, total
        self.table.blockSignals(True)
        self.table.clearSelection()  # so selecting the same row number again jumps
        self.table.setRowCount(len(self.findings))
        for row, f in enumerate(self.findings):
            labels = ", ".join(f"{label} ×{n}" for label, n in f.labels)
            for column, value in enumerate((f.kind.value, self._names[f.document_id],
                                            f"[{f.start}, {f.end})", f.text, labels,
                                            ", ".join(f.labels_here))):
                self.table.setItem(row, column, read_only_item(value))
        self.table.blockSignals(False)
        if total > len(self.findings):
            self.message.setText(f"{counted(total, 'finding')}; the first "
                                 f"{len(self.findings)} are listed.")
        else:
            self.message.setText(f"{counted(total, 'finding')}.")
        if self.findings:
            self.table.selectRow(min(keep_row, len(self.findings) - 1))
        self.table.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """While a check runs, closing cancels it first (the window closes when it stops)."""
        if self.progress.running:
            self._close_when_done = True
            self.progress.cancel()
            event.ignore()
            return
        super().closeEvent(event)

    def current(self) -> Finding | None:
        rows = self.table.selectionModel().selectedRows()
        return self.findings[rows[0].row()] if rows else None

    def _jump(self) -> None:
        finding = self.current()
        if finding is None:
            return
        if self._shown_document != finding.document_id:
            self.preview.set_text(self.context.project.text(finding.document_id))
            self._shown_document = finding.document_id
        self.preview.select_cp(finding.start, finding.end)
        suggested = finding.label_names[0] if finding.label_names else ""
        if suggested:
            self.label_box.setCurrentText(suggested)
        self.jumpRequested.emit(finding.document_id, finding.start, finding.end)

    def fix_command(self, finding: Finding, label: str, layer: str) -> Command | None:
        """The step that fixes ``finding`` with ``label`` in ``layer`` only: relabel that
        layer's spans exactly at the place, or create one when it has none there (``None``
        when nothing would change). Other layers' spans are never touched."""
        project = self.context.project
        own = [sp for sp in project.spans(finding.document_id, annotators=[layer])
               if (sp.start, sp.end) == (finding.start, finding.end)]
        if not own:
            return CreateSpan(finding.document_id, finding.start, finding.end, label, layer)
        who = self.context.who
        children: list[Command] = [
            UpdateSpan(sp.id, who, {"label": label}, f"Relabel as {label!r}")
            for sp in own if sp.label != label]
        if not children:
            return None
        return Compound(children,
                        description=f"Relabel {counted(len(children), 'span')} as {label!r}")

    def left_alone(self, finding: Finding, layer: str) -> dict[str, int]:
        """Annotator -> number of their spans at the place that a fix in ``layer`` leaves as
        they are (every layer but ``layer``)."""
        project = self.context.project
        others: dict[str, int] = {}
        for span_id in finding.span_ids:
            span = project.span(span_id)
            if span.annotator != layer:
                others[span.annotator] = others.get(span.annotator, 0) + 1
        return dict(sorted(others.items()))

    def _layer_name(self, layer: str) -> str:
        if layer == self.context.who:
            return f"your layer ({layer})"
        return "the reviewed layer" if layer == self.context.layer else f"{layer}'s layer"

    def fix_current(self) -> None:
        """Fix the selected finding in the chosen layer, say what was left alone, then check
        again."""
        finding = self.current()
        if finding is None:
            return
        row = self.table.currentRow()
        label = self.label_box.currentText()
        layer = self.layer_box.currentText() or self.context.who
        command = self.fix_command(finding, label, layer)
        others = self.left_alone(finding, layer)
        alone = ""
        if others:
            listed = ", ".join(f"{name}'s {counted(n, 'span')}" for name, n in others.items())
            alone = f" Left as they are (other layers are read-only here): {listed}."
        if command is None:
            self.status.showMessage(f"Nothing to change in {self._layer_name(layer)} at this "
                                    f"place." + alone)
            return
        if isinstance(command, CreateSpan):
            done = (f"Added a {label!r} span to {self._layer_name(layer)} at "
                    f"[{finding.start}, {finding.end}).")
        else:
            relabelled = len(command.children) if isinstance(command, Compound) else 1
            done = (f"Relabelled {counted(relabelled, 'span')} as {label!r} in "
                    f"{self._layer_name(layer)}.")
        if self.context.push(command):
            self.status.showMessage(done + alone)
            self.run_check(keep_row=max(row, 0))
