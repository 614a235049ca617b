"""Search by reading across all documents: query, hits with context, jump, label one or all.

The project's search index answers (:func:`annotator.services.japanese.corpus_search.iter_hit_groups`,
a document's hits at a time) and the hits stream into the table: a slice of at most
:data:`SLICE_MS` of work at a time on the GUI thread (the project's connection lives there), the
next slice from a zero-time timer, so the first hits show at once, the count grows as the rest
come and the window keeps answering. Every hit is listed: the table's model holds a document's
hits as one small list and makes a row only when it is shown. No statement stays open between
slices. Documents whose readings are not indexed yet contribute their literal
hits; the search runs again when the indexer has finished them.

Labelling hits (the selected ones, or all) is ONE undoable step: a ``Compound`` of
``CreateSpan`` commands, across documents, exact duplicates skipped, with number values when
the label is the number label, and ``new`` documents marked ``in progress`` in the same step.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.commands import Command, Compound, CreateSpan
from annotator.services.japanese import Hit
from annotator.services.japanese.corpus_search import iter_hit_groups, readings_state
from annotator.services.japanese.number_values import number_label, parse_value
from annotator.services.wording import counted
from annotator.ui.document_status import SetDocumentStatus
from annotator.ui.reading.hit_model import HitModel
from annotator.ui.reading.indexer import ReadingIndexer
from annotator.ui.session import Session

__all__ = ["MAX_LABELLED_HITS", "SLICE_MS", "SearchPanel"]

#: At most this many hits are labelled by one "Label all hits" (one undoable step).
MAX_LABELLED_HITS = 20_000
#: Work done per slice of a streaming search (then the event loop gets its turn).
SLICE_MS = 12
#: Texts kept for the context column.
KEEP_TEXTS = 256


class SearchPanel(QDockWidget):
    """Query box, result table, label chooser and buttons.

    Emits ``aliasesRequested()`` when the user asks for the alias editor and
    ``searched(count)`` when a search has streamed all its hits. ``open_document(document_id)`` is called to switch documents before
    a jump. Expects the indexer to report ``allReady``: a search made while documents are still
    being indexed is re-run when they are ready.
    """

    aliasesRequested = Signal()  # noqa: N815
    searched = Signal(int)

    def __init__(self, session: Session, indexer: ReadingIndexer, open_document: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__("Search by reading", parent)
        self.setObjectName("readingSearchDock")
        self.session = session
        self.indexer = indexer
        self._open_document = open_document
        self._partial = False
        self._indexed = (0, 0)
        self._texts: OrderedDict[int, str] = OrderedDict()
        self._stream: Iterator[tuple[int, list[tuple[int, int]]]] | None = None
        self._pump_timer = QTimer(self)
        self._pump_timer.setSingleShot(True)
        self._pump_timer.setInterval(0)
        self._pump_timer.timeout.connect(self._pump)
        body = QWidget(self)
        self.query_edit = QLineEdit(body)
        self.query_edit.setObjectName("readingQuery")
        self.query_edit.setPlaceholderText("kana, romaji or text: puchin, きたちょうせん, Putin")
        self.query_edit.setClearButtonEnabled(True)
        self.search_button = QPushButton("Search", body)
        self.alias_button = QPushButton("Aliases…", body)
        self.model = HitModel(self._name, self._text, self)
        self.table = QTableView(body)
        self.table.setObjectName("readingHits")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel(body)
        self.status.setObjectName("readingSearchStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.label_box = QComboBox(body)
        self.label_box.setObjectName("readingLabel")
        self.label_selected_button = QPushButton("Label selected", body)
        self.label_all_button = QPushButton("Label all hits", body)
        self.label_all_button.setObjectName("readingLabelAll")
        top = QHBoxLayout()
        for w in (self.query_edit, self.search_button, self.alias_button):
            top.addWidget(w)
        bottom = QHBoxLayout()
        for w in (self.label_box, self.label_selected_button, self.label_all_button):
            bottom.addWidget(w)
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        self.setWidget(body)
        self._rerun = QTimer(self)
        self._rerun.setSingleShot(True)
        self._rerun.setInterval(1000)
        self._rerun.timeout.connect(self._rerun_if_partial)
        self.query_edit.returnPressed.connect(self.run_search)
        self.search_button.clicked.connect(self.run_search)
        self.alias_button.clicked.connect(self.aliasesRequested)
        self.table.clicked.connect(self._jump_index)
        self.table.activated.connect(self._jump_index)
        self.label_selected_button.clicked.connect(lambda: self.label_hits(self.selected_hits()))
        self.label_all_button.clicked.connect(self.label_all)
        session.labelsChanged.connect(self._fill_labels)
        session.documentsChanged.connect(self._texts.clear)
        indexer.allReady.connect(lambda: self._partial and self._rerun.start())
        self._fill_labels()

    # -- data -------------------------------------------------------------------------------------

    def _name(self, document_id: int) -> str:
        doc = self.session.document_by_id(document_id)
        return doc.name if doc is not None else str(document_id)

    def _text(self, document_id: int) -> str:
        text = self._texts.get(document_id)
        if text is None:
            text = self.session.project.text(document_id)
            self._texts[document_id] = text
            while len(self._texts) > KEEP_TEXTS:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(document_id)
        return text

    def _fill_labels(self) -> None:
        current = self.label_box.currentText()
        self.label_box.clear()
        self.label_box.addItems([lab.name for lab in self.session.labels])
        if current:
            self.label_box.setCurrentText(current)

    # -- searching --------------------------------------------------------------------------------

    def run_search(self, query: str | None = None) -> list[Hit]:
        """Search ``query`` (default: the box) in every document; the hits stream into the
        table. Asks the indexer for the documents without readings and runs again when they are
        ready. Returns the hits of the first slice (all of them when the search is that quick)."""
        if query is not None:
            self.query_edit.setText(query)
        query = self.query_edit.text()
        self._stop()
        self.model.set_hits([])
        if not query.strip():
            self.status.setText("")
            return []
        project = self.session.project
        indexed, total = readings_state(project)
        self._partial = indexed < total
        self._indexed = (indexed, total)
        if self._partial:
            self.indexer.request_all()
        self._stream = iter_hit_groups(project, query, project.aliases())
        self._pump()
        return list(self.model.hits)

    def searching(self) -> bool:
        """True while a search is still streaming its hits."""
        return self._stream is not None

    def _stop(self) -> None:
        self._pump_timer.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()  # type: ignore[attr-defined]

    def _pump(self) -> None:
        stream = self._stream
        if stream is None:
            return
        deadline = time.perf_counter() + SLICE_MS / 1000
        found: list[tuple[int, list[tuple[int, int]]]] = []
        finished = False
        while not finished and time.perf_counter() < deadline:
            for _ in range(8):
                group = next(stream, None)
                if group is None:
                    finished = True
                    break
                found.append(group)
        self.model.append_groups(found)
        if finished:
            self._stop()
            self._show_status(done=True)
            self.searched.emit(self.model.hit_count())
        else:
            self._show_status(done=False)
            self._pump_timer.start()

    def _show_status(self, *, done: bool) -> None:
        text = (f"{counted(self.model.hit_count(), 'hit')} in "
                f"{counted(self.model.document_count(), 'document')}")
        if not done:
            text += " so far, searching…"
        if self._partial:
            indexed, total = self._indexed
            text += (f"; readings of {indexed:,} of {counted(total, 'document')} indexed so far, "
                     "the list will update")
        self.status.setText(text)

    def _rerun_if_partial(self) -> None:
        if self._partial and self.query_edit.text().strip():
            self.run_search()

    # -- jumping ----------------------------------------------------------------------------------

    def _jump_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.jump(self.model.hit(index.row()))

    def jump(self, hit: Hit) -> None:
        """Show the hit: switch documents if needed, then select it in the text."""
        current = self.session.document
        if current is None or current.id != hit.document:
            self._open_document(int(hit.document))  # type: ignore[call-overload]
        self.session.reveal(hit.start, hit.end)

    # -- labelling --------------------------------------------------------------------------------

    def selected_hits(self) -> list[Hit]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.hit(r) for r in rows]

    def label_all(self) -> int:
        """Label every hit (at most :data:`MAX_LABELLED_HITS` in one step)."""
        count = self.model.hit_count()
        if count > MAX_LABELLED_HITS:
            self.status.setText(f"{count:,} hits are too many to label in one step (at most "
                                f"{MAX_LABELLED_HITS:,}): narrow the search or select hits.")
            return 0
        return self.label_hits(self.model.hits)

    def label_hits(self, hits: Sequence[Hit], label: str | None = None) -> int:
        """Create a ``label`` span (default: the chosen one) on every hit as ONE undoable step.
        Exact duplicates of existing spans are skipped. Returns how many spans were created."""
        label = label or self.label_box.currentText()
        if not label or not hits:
            return 0
        session, who = self.session, self.session.annotator
        numbers = label == number_label(session.project)
        children: list[Command] = []
        touched: list[int] = []
        existing: dict[int, set[tuple[int, int]]] = {}
        for hit in hits:
            doc_id = int(hit.document)  # type: ignore[call-overload]
            if doc_id not in existing:
                existing[doc_id] = {(s.start, s.end) for s in session.project.spans(doc_id, labels=[label],
                                                                                     annotators=[who])}
                touched.append(doc_id)
            if (hit.start, hit.end) in existing[doc_id]:
                continue
            existing[doc_id].add((hit.start, hit.end))
            value = parse_value(hit.text) if numbers else None
            children.append(CreateSpan(doc_id, hit.start, hit.end, label, who, value=value))
        created = len(children)
        if not created:
            self.status.setText("Every hit already has that label.")
            return 0
        for doc_id in touched:
            doc = session.document_by_id(doc_id)
            if doc is not None and doc.status == "new":
                children.append(SetDocumentStatus(doc_id, "in progress", who))
        if not session.push(Compound(children, description=f"Label {created} search hits {label!r}")):
            return 0
        self.status.setText(f"Labelled {counted(created, 'hit')} as {label!r} (one undo step).")
        return created
