"""The consistency window: findings of both checks, each jumpable and fixable in place.

Findings come from :func:`annotator.services.review.project_review.project_consistency`
(the function behind ``annotator check``). Selecting a finding shows its place in the preview
(and emits ``jumpRequested``); *Fix* follows the layer rules: it writes only to the layer
chosen under "Fix in layer" (the user's own, or the reviewed layer). It relabels that layer's
spans at the place, or creates one there when the layer has none, as one undoable step on the
shared stack; colleagues' spans at the place are left as they are, and the status bar names
them. The list is then checked again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
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
from annotator.services.review.project_review import project_consistency
from annotator.ui.review.cells import counted, read_only_item
from annotator.ui.review.context import ReviewContext
from annotator.ui.text_view import AnnotationTextView

__all__ = ["ConsistencyWindow"]

COLUMNS = ("what", "document", "place", "text", "labels elsewhere", "labels here")


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
        """Run both checks and list the findings (selecting row ``keep_row`` if it exists)."""
        project = self.context.project
        try:
            self.findings = project_consistency(project, annotators=self.annotators() or None)
        except (AnnotatorError, ValueError) as exc:
            self.message.setText(str(exc))
            return
        self._names = {d.id: d.name for d in project.documents()}
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
        self.message.setText(f"{counted(len(self.findings), 'finding')}.")
        if self.findings:
            self.table.selectRow(min(keep_row, len(self.findings) - 1))
        self.table.setFocus()

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
