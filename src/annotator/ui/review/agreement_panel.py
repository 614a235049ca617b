"""The agreement window: a table (overall, per label, relations, attributes, per document) and
a chart per label.

Relation rows (all relations, then one per relation type) fill the P/R/F1 columns (a relation
matches when its type and both ends match, exactly or overlapping); attribute rows
("attribute: claim.stance (12 spans)") fill kappa and alpha, measured over the spans every
chosen annotator marked identically.

The figures come from :func:`annotator.services.review.project_review.project_agreement`,
the very function behind ``annotator agree``, so the window and the command line agree.
Each number cell keeps the unrounded value under ``Qt.UserRole`` (``None`` when undefined).
The measurement streams over the documents with a progress bar and Cancel under the Compute
button; the table lists the first ``SHOWN_DOCUMENTS`` documents (the figures cover all).
"""

from __future__ import annotations

from itertools import islice

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.errors import AnnotatorError
from annotator.services.review.progress import ReviewCancelled
from annotator.services.review.project_review import project_agreement
from annotator.services.review.matching import SpanCounts
from annotator.services.review.results import PRF, AgreementResult, Figures
from annotator.ui.review.agreement_chart import AgreementChart
from annotator.ui.review.cells import counted, figure_text, read_only_item
from annotator.ui.review.consistency_panel import ProgressRow
from annotator.ui.review.context import ReviewContext

__all__ = ["COLUMNS", "SHOWN_DOCUMENTS", "AgreementWindow"]

SHOWN_DOCUMENTS = 2000  # per-document rows listed in the table

COLUMNS = ("scope", "exact P", "exact R", "exact F1", "overlap P", "overlap R", "overlap F1",
           "kappa", "alpha")


def figure_values(f: Figures) -> list[float | None]:
    """The numbers of one row, in ``COLUMNS`` order after ``scope``."""
    return [f.exact.precision, f.exact.recall, f.exact.f1, f.overlap.precision, f.overlap.recall,
            f.overlap.f1, f.cohen_kappa, f.krippendorff_alpha]


def relation_rows(result: AgreementResult) -> list[tuple[str, tuple[str, str | None], Figures]]:
    """The table rows of the relation and attribute figures, as span-figure rows (relations
    leave kappa and alpha empty, attributes the P/R/F1 columns). No relation rows when no
    compared document has a relation."""
    rows: list[tuple[str, tuple[str, str | None], Figures]] = []
    nothing = PRF.from_counts(SpanCounts())
    counts = result.relations.exact.counts
    if counts.reference or counts.compared:
        rows.append(("relations: all", ("relations", None),
                     Figures(result.relations.exact, result.relations.overlap, None, None)))
        rows += [(f"relation: {kind}", ("relation", kind), Figures(f.exact, f.overlap, None, None))
                 for kind, f in result.relations_per_type.items()]
    for key, a in result.attributes.items():
        rows.append((f"attribute: {key} ({counted(a.units, 'span')})", ("attribute", key),
                     Figures(nothing, nothing, a.cohen_kappa, a.krippendorff_alpha)))
    return rows


def _cell(value: float | None) -> QTableWidgetItem:
    item = read_only_item(figure_text(value))
    item.setData(Qt.ItemDataRole.UserRole, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class AgreementWindow(QWidget):
    """Choose annotators (the first checked is the reference), press Compute.

    Emits nothing; ``result`` holds the last :class:`AgreementResult`, ``rows`` the
    ``(kind, key)`` of each table row (``("overall", None)``, ``("label", name)``,
    ``("relations", None)``, ``("relation", type)``, ``("attribute", "label.name")``,
    ``("document", uid)``).
    """

    def __init__(self, context: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("agreementWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Agreement")
        self.context = context
        self.result: AgreementResult | None = None
        self.rows: list[tuple[str, str | None]] = []
        self.annotator_list = QListWidget()
        self.annotator_list.setObjectName("annotatorList")
        for name in context.project.annotators():
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.annotator_list.addItem(item)
        self.compute_button = QPushButton("Compute")
        self.compute_button.clicked.connect(self.compute)
        self.progress = ProgressRow()
        self._close_when_done = False
        self.message = QLabel("")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("agreementTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.chart = AgreementChart()
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel("Annotators (the first checked is the reference)"))
        side_layout.addWidget(self.annotator_list)
        side_layout.addWidget(self.compute_button)
        side_layout.addWidget(self.progress)
        side_layout.addWidget(self.message)
        self.splitter = right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.table)
        right.addWidget(self.chart)
        layout = QHBoxLayout(self)
        layout.addWidget(side, 1)
        layout.addWidget(right, 4)
        self.resize(1100, 700)

    def set_annotators(self, names: list[str]) -> None:
        """Check exactly ``names``, in that order (moving them to the top)."""
        for name in reversed(names):
            found = self.annotator_list.findItems(name, Qt.MatchFlag.MatchExactly)
            if found:
                row = self.annotator_list.row(found[0])
                self.annotator_list.insertItem(0, self.annotator_list.takeItem(row))
        for i in range(self.annotator_list.count()):
            item = self.annotator_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names
                               else Qt.CheckState.Unchecked)

    def annotators(self) -> list[str]:
        items = [self.annotator_list.item(i) for i in range(self.annotator_list.count())]
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    def compute(self) -> None:
        """Measure agreement of the checked annotators and fill the table and chart."""
        if self.progress.running:
            return
        self.compute_button.setEnabled(False)
        self.progress.start()
        try:
            result = project_agreement(self.context.project, self.annotators(),
                                       progress=self.progress.callback)
        except ReviewCancelled:
            self.message.setText("Cancelled; the table is as it was.")
            return
        except (AnnotatorError, ValueError) as exc:
            self.message.setText(str(exc))
            return
        finally:
            self.progress.finish()
            self.compute_button.setEnabled(True)
            if self._close_when_done:
                QTimer.singleShot(0, self.close)
        self.result = result
        names = {d.uid: d.name for d in self.context.project.documents()}
        listed = list(islice(result.per_document.items(), SHOWN_DOCUMENTS))
        rows: list[tuple[str, tuple[str, str | None], Figures]] = [
            ("overall", ("overall", None), result.overall)]
        rows += [(f"label: {k}", ("label", k), f) for k, f in result.per_label.items()]
        rows += relation_rows(result)
        rows += [(f"document: {names.get(str(k), k)}", ("document", str(k)), f)
                 for k, f in listed]
        self.rows = [key for _, key, _ in rows]
        self.table.setRowCount(len(rows))
        for r, (title, _key, figures) in enumerate(rows):
            self.table.setItem(r, 0, read_only_item(title))
            for c, value in enumerate(figure_values(figures), start=1):
                self.table.setItem(r, c, _cell(value))
        self.table.resizeColumnsToContents()
        self._fit_table()
        self.chart.set_figures(result.per_label)
        more = (f" The first {len(listed)} are listed." if len(result.documents) > len(listed)
                else "")
        self.message.setText(f"{counted(len(result.documents), 'document')} in which every "
                             f"chosen annotator has a span.{more}")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """While agreement is measured, closing cancels it first (then the window closes)."""
        if self.progress.running:
            self._close_when_done = True
            self.progress.cancel()
            event.ignore()
            return
        super().closeEvent(event)

    def _fit_table(self) -> None:
        """Give the table the height of all its rows, up to two thirds of the window (the
        chart keeps the rest)."""
        table = self.table
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        frame = 2 * table.frameWidth() + table.horizontalHeader().height()
        if table.horizontalScrollBar().isVisible():
            frame += table.horizontalScrollBar().height()
        total = sum(self.splitter.sizes())
        if total > 0:
            wanted = min(rows + frame + 2, total * 2 // 3)
            self.splitter.setSizes([wanted, total - wanted])

    def value(self, row: int, column: int) -> float | None:
        """The unrounded number in a cell (``None`` when undefined)."""
        return self.table.item(row, column).data(Qt.ItemDataRole.UserRole)
