"""The review window: one document, two or more annotators side by side, adjudicated by key.

Left: the document, the layer list (the annotators to compare, at least two, read-only here,
and the reviewed layer this window edits; each with its span count and a sample of its
colours, :class:`ReviewLayerList`), the document's review status and the colour legend. Middle: one lane per annotator and the editable reviewed lane
(:class:`ReviewLanes`). Right: the current unit's spans and the decision inputs, and the
relations whose head lies in the unit (:class:`UnitPanel`): a colleague's relation is accepted
into the reviewed layer with its ends (Shift+A), rejected (Shift+R), or the reviewer adds one
between two reviewed spans (H on the head, Shift+Insert on the tail). Every decision is a
command on the shared undo stack
(:class:`ReviewContext`), saved at once; Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.commands import Command, DeleteSpan
from annotator.domain.review_commands import Decide
from annotator.domain.spans import Span
from annotator.services.review.adjudication import (
    accept_all_command,
    decision_command,
    status_command,
)
from annotator.services.review.alignment import (
    Unit,
    disagreement_units,
    next_disagreement,
    previous_disagreement,
)
from annotator.services.review.relation_review import (
    RelationView,
    accept_relation_command,
    add_relation_command,
    reject_relation_command,
    relation_views,
    relations_with_head_in,
)
from annotator.store.schema import REVIEW_STATUSES
from annotator.ui.review.context import ReviewContext
from annotator.ui.review.keys import ACTIONS, TOOLBAR
from annotator.ui.review.lanes import ReviewLanes
from annotator.ui.review.layer_list import ReviewLayerList
from annotator.ui.review.marks import LaneSpan, Legend
from annotator.ui.review.unit_panel import UnitPanel

__all__ = ["ReviewWindow"]

class ReviewWindow(QMainWindow):
    """Adjudicate one document (see the module docstring). Emits nothing of its own; listens
    to ``context.changed`` and refreshes what a command touched."""

    def __init__(self, context: ReviewContext, document_id: int | None = None,
                 annotators: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.context = context
        self.project = context.project
        self.document_id: int | None = None
        self.text = ""
        self.units: list[Unit] = []
        self.focused_reviewed: str | None = None
        #: The reviewed span marked (H) as the head of a relation to add.
        self.relation_head: str | None = None
        #: Every relation of the compared annotators and the reviewed layer in the document.
        self.relation_views: list[RelationView] = []
        #: The compared annotators' spans the lanes show, by id (what a change is checked against).
        self.shown: dict[str, Span] = {}
        self._selection = (0, 0)
        # What the session reported, followed once the event loop is free: an import of
        # thousands of spans elsewhere arrives as thousands of signals, and rebuilds once.
        self._pending_ids: set[str] = set()
        self._pending_all = False
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(0)
        self._follow_timer.timeout.connect(self._follow_pending)
        self._build()
        context.changed.connect(self._changed)
        context.errorOccurred.connect(self._show_error)
        context.spansChanged.connect(self._changed_elsewhere)
        documents = self.project.documents()
        if documents:
            self.open_document(document_id if document_id is not None else documents[0].id,
                               annotators)
        self.resize(1280, 800)

    def _show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.document_box = QComboBox()
        self.document_box.setObjectName("documentBox")
        self.document_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.document_box.setMinimumContentsLength(12)
        for doc in self.project.documents():
            self.document_box.addItem(doc.name, doc.id)
        self.document_box.activated.connect(
            lambda _i: self.open_document(self.document_box.currentData(), self.annotators()))
        self.annotator_list = ReviewLayerList()
        self.annotator_list.itemChanged.connect(lambda _item: self.reload())
        self.status_box = QComboBox()
        self.status_box.setObjectName("statusBox")
        self.status_box.addItems(list(REVIEW_STATUSES))
        self.status_box.activated.connect(lambda _i: self.set_status(self.status_box.currentText()))
        side = QWidget()
        side_layout = QVBoxLayout(side)
        for caption, widget in (("Document", self.document_box),
                                ("Layers: compare two or more annotators", self.annotator_list),
                                ("Review status", self.status_box)):
            title = QLabel(caption)
            title.setTextFormat(Qt.TextFormat.PlainText)
            side_layout.addWidget(title)
            side_layout.addWidget(widget)
        self.lanes = ReviewLanes()
        self.lanes.selectionChangedCp.connect(self._selected)
        self.lanes.clickedCp.connect(self._clicked)
        self.unit_panel = UnitPanel()
        self.unit_panel.markChosen.connect(self._mark_chosen)
        self.unit_panel.set_labels([label.name for label in self.project.labels()])
        self.unit_panel.set_relation_types([t.name for t in self.project.relation_types()])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(side)
        splitter.addWidget(self.lanes)
        splitter.addWidget(self.unit_panel)
        splitter.setSizes([200, 700, 380])
        self.setCentralWidget(splitter)
        self.legend = Legend()
        self.actions_by_id: dict[str, QAction] = {}
        toolbar = QToolBar("Review")
        toolbar.setObjectName("reviewToolbar")
        for action_id, text, keys, handler in ACTIONS:
            action = QAction(text, self)
            action.setObjectName(f"review.{action_id}")
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{text} ({', '.join(keys)})")
            action.triggered.connect(lambda _c=False, h=handler: getattr(self, h)())
            self.addAction(action)
            self.actions_by_id[action_id] = action
            if action_id in TOOLBAR:
                toolbar.addAction(action)
        self.addToolBar(toolbar)
        self.addToolBarBreak()
        legend_bar = QToolBar("Legend")
        legend_bar.setObjectName("legendToolbar")
        legend_bar.addWidget(self.legend)
        self.addToolBar(legend_bar)

    # -- loading --------------------------------------------------------------------------------

    def annotators(self) -> list[str]:
        """The checked annotators, in list order."""
        return self.annotator_list.annotators()

    def set_annotators(self, names: list[str]) -> None:
        """Check exactly ``names`` in the layer list and reload."""
        self.annotator_list.set_checked(names)
        self.reload()

    def open_document(self, document_id: int, annotators: list[str] | None = None) -> None:
        """Show ``document_id``, comparing ``annotators`` (default: everyone with spans in it)."""
        self.document_id = document_id
        self.text = self.project.text(document_id)
        self.document_box.setCurrentIndex(self.document_box.findData(document_id))
        layer = self.context.layer
        present = sorted({s.annotator for s in self.project.spans(document_id)} - {layer})
        chosen = annotators if annotators is not None else present
        self.annotator_list.set_layers(dict.fromkeys([*chosen, *present]), chosen, layer)
        self.unit_panel.set_bounds_limit(len(self.text))
        self.setWindowTitle(f"Review — {self.project.document(document_id).name}")
        self.reload()

    def reload(self) -> None:
        """Re-read the spans, recompute the units and rebuild the lanes (keeps the position)."""
        if self.document_id is None:
            return
        names, layer = self.annotators(), self.context.layer
        everyone = self.project.spans(self.document_id)
        self.annotator_list.set_counts(Counter(s.annotator for s in everyone))
        wanted = {*names, layer}
        spans = [s for s in everyone if s.annotator in wanted]
        compared = [s for s in spans if s.annotator != layer]
        self.shown = {s.id: s for s in compared}
        self.units = disagreement_units(compared, names) if len(names) >= 2 else []
        marks: dict[str, list[LaneSpan]] = {name: [] for name in names}
        for unit in self.units:
            for m in unit.marks:
                s = m.span
                marks[s.annotator].append(LaneSpan(s.id, s.start, s.end, s.label, s.annotator,
                                                   m.kind))
        scroll = self.lanes.views()[0].verticalScrollBar().value() if self.lanes.views() else 0
        colors = {label.name: label.color for label in self.project.labels()}
        self.lanes.build(self.text, names if len(names) >= 2 else [], marks, layer,
                         [s for s in spans if s.annotator == layer], colors)
        for view in self.lanes.views():
            view.verticalScrollBar().setValue(scroll)
        self.relation_views = relation_views(self.project, self.document_id, names, layer)
        current = self.unit_panel.unit
        mark = self.unit_panel.current_mark()
        unit = next((u for u in self.units if current and u.start == current.start), None)
        self.show_unit(unit, keep=mark.span.id if mark else None)
        self._refresh_status()
        if len(names) < 2:
            self.statusBar().showMessage("Choose two or more annotators to compare.", 10_000)

    def _refresh_status(self) -> None:
        if self.document_id is not None:
            self.status_box.setCurrentText(self.project.review_status(self.document_id))

    # -- units and navigation -------------------------------------------------------------------

    def refresh_relations(self) -> None:
        """Re-read the document's relations and list those with their head in the unit."""
        if self.document_id is None:
            return
        self.relation_views = relation_views(self.project, self.document_id, self.annotators(),
                                             self.context.layer)
        self._show_relations()

    def _show_relations(self) -> None:
        unit = self.unit_panel.unit
        shown = [] if unit is None else relations_with_head_in(self.relation_views, unit.start,
                                                               unit.end)
        self.unit_panel.show_relations(shown, self.text)

    def show_unit(self, unit: Unit | None, keep: str | None = None) -> None:
        """Make ``unit`` current: list its spans, outline it in every lane, scroll to it."""
        self.unit_panel.show_unit(unit, self.text, keep)
        self._show_relations()
        if unit is not None:
            self.lanes.show_range(unit.start, unit.end)
        else:
            for view in self.lanes.views():
                view.clear_transient("focus")

    def _position(self) -> int:
        unit = self.unit_panel.unit
        return unit.start if unit is not None else -1

    def next_disagreement(self) -> None:
        unit = next_disagreement(self.units, self._position(), wrap=True)
        self._jump(unit)

    def previous_disagreement(self) -> None:
        position = self._position()
        unit = previous_disagreement(self.units, position if position >= 0 else len(self.text) + 1,
                                     wrap=True)
        self._jump(unit)

    def _jump(self, unit: Unit | None) -> None:
        if unit is None:
            self.statusBar().showMessage("No disagreement in this document.", 6000)
            return
        self.show_unit(unit)

    def next_mark(self) -> None:
        self.unit_panel.step(1)

    def previous_mark(self) -> None:
        self.unit_panel.step(-1)

    def _mark_chosen(self, mark: object) -> None:
        span = getattr(mark, "span", None)
        if span is not None:
            lane = self.lanes.lanes.get(span.annotator)
            if lane is not None:
                lane.view.set_transient("hover", [(span.start, span.end)])

    def _selected(self, start: int, end: int) -> None:
        self._selection = (start, end)

    def _clicked(self, layer: str, cp: int) -> None:
        if layer in self.lanes.lanes:
            # an annotator's lane is read-only: no reviewed span stays focused for Delete
            # behind the user's back
            self.focused_reviewed = None
            if self.lanes.reviewed_highlighter is not None:
                self.lanes.reviewed_highlighter.set_focused_span(None)
        else:  # the reviewed lane: focus the span under the click
            view = self.lanes.reviewed.view if self.lanes.reviewed else None
            spans = view.spans_at(cp) if view is not None else []
            self.focused_reviewed = spans[0].id if spans else None
            if self.lanes.reviewed_highlighter is not None:
                self.lanes.reviewed_highlighter.set_focused_span(self.focused_reviewed)
            return
        for unit in self.units:
            if unit.start <= cp < unit.end:
                hit = next((m.span.id for m in unit.marks if m.span.annotator == layer
                            and m.span.start <= cp < m.span.end), None)
                self.show_unit(unit, keep=hit)
                return

    # -- decisions ------------------------------------------------------------------------------

    def _push(self, command: Command | None, done: str) -> bool:
        if command is None:
            self.statusBar().showMessage("Nothing to do.", 6000)
            return False
        if self.context.push(command):
            self.statusBar().showMessage(done, 6000)
            self.unit_panel.clear_reason()
            return True
        return False

    def _decide(self, decision: str, sources: tuple[Span, ...],
                result: tuple[int, int, str] | None) -> bool:
        assert self.document_id is not None
        step = Decide(self.document_id, decision, self.context.who, sources, result,
                      self.context.layer, self.unit_panel.reason())
        return self._push(decision_command(self.project, step), step.text)

    def _source(self) -> Span | None:
        mark = self.unit_panel.current_mark()
        if mark is None:
            self.statusBar().showMessage("No span chosen: press N to go to a disagreement.", 6000)
            return None
        return mark.span  # type: ignore[return-value]

    def _twins(self, span: Span) -> tuple[Span, ...]:
        key = (span.start, span.end, span.label)
        return tuple(m.span for m in self.unit_panel.marks  # type: ignore[misc]
                     if (m.span.start, m.span.end, m.span.label) == key)

    def accept(self) -> None:
        """Accept the chosen span into the reviewed layer as it is."""
        span = self._source()
        if span is not None:
            self._decide("accept", self._twins(span), (span.start, span.end, span.label))

    def accept_with_changes(self) -> None:
        """Accept the chosen span with the label and bounds in the panel."""
        span = self._source()
        if span is None:
            return
        start, end = self.unit_panel.bounds()
        result = (start, end, self.unit_panel.label())
        if result == (span.start, span.end, span.label):
            self.statusBar().showMessage("Nothing was changed: use Accept, or change the label "
                                         "or bounds first.", 8000)
            return
        self._decide("accept_with_changes", (span,), result)

    def reject(self) -> None:
        """Reject the chosen span (a decision only; nothing enters the reviewed layer)."""
        span = self._source()
        if span is not None:
            self._decide("reject", (span,), None)

    def add_from_selection(self) -> None:
        """Add a reviewed span over the text selected in any lane, with the panel's label."""
        start, end = self._selection
        if start >= end:
            self.statusBar().showMessage("Select text in a lane first.", 6000)
            return
        self._decide("add", (), (start, end, self.unit_panel.label()))

    def accept_all_agreed(self) -> None:
        """Accept, in one step, every span all chosen annotators agree on."""
        if self.document_id is None or len(self.annotators()) < 2:
            return
        command = accept_all_command(self.project, self.document_id, self.annotators(),
                                     self.context.who)
        self._push(command, command.text if command else "")

    def delete_reviewed(self) -> None:
        """Delete the focused span of the reviewed lane (click it first)."""
        if self.focused_reviewed is None:
            self.statusBar().showMessage("Click a span in the reviewed lane first.", 6000)
            return
        self._push(DeleteSpan(self.focused_reviewed, self.context.who), "Deleted reviewed span")

    # -- relation decisions ---------------------------------------------------------------------

    def next_relation(self) -> None:
        self.unit_panel.step_relation(1)

    def previous_relation(self) -> None:
        self.unit_panel.step_relation(-1)

    def _colleague_relation(self) -> RelationView | None:
        view = self.unit_panel.current_relation()
        if view is None:
            self.statusBar().showMessage("No relation chosen: go to a unit whose spans have "
                                         "relations (N), then Shift+J.", 6000)
            return None
        if view.relation.annotator == self.context.layer:
            self.statusBar().showMessage("That relation is the reviewed layer's own; choose a "
                                         "colleague's.", 6000)
            return None
        return view

    def _push_relation(self, build, done: str) -> bool:  # noqa: ANN001
        try:
            command = build()
        except (ValueError, KeyError) as exc:
            self.statusBar().showMessage(str(exc).strip("'\""), 8000)
            return False
        return self._push(command, done)

    def accept_relation(self) -> None:
        """Accept the chosen colleague's relation (and its ends) into the reviewed layer."""
        view = self._colleague_relation()
        if view is not None:
            self._push_relation(lambda: accept_relation_command(
                self.project, view.relation, self.context.who, self.unit_panel.reason()),
                f"Accepted {view.relation.type!r} relation")

    def reject_relation(self) -> None:
        """Record the rejection of the chosen colleague's relation."""
        view = self._colleague_relation()
        if view is not None:
            self._push_relation(lambda: reject_relation_command(
                self.project, view.relation, self.context.who, self.unit_panel.reason()),
                f"Rejected {view.relation.type!r} relation")

    def mark_relation_head(self) -> None:
        """Mark the focused reviewed span (click it in the reviewed lane) as the head of a
        relation to add."""
        if self.focused_reviewed is None:
            self.statusBar().showMessage("Click a span in the reviewed lane first.", 6000)
            return
        self.relation_head = self.focused_reviewed
        self.statusBar().showMessage("Relation head marked: click the tail in the reviewed "
                                     "lane, choose the type, press Shift+Insert.", 8000)

    def add_relation(self) -> None:
        """Add a relation of the chosen type from the marked head to the focused reviewed span."""
        if self.relation_head is None or self.focused_reviewed is None:
            self.statusBar().showMessage("Mark the head (H) and click the tail in the reviewed "
                                         "lane first.", 6000)
            return
        head, tail, kind = self.relation_head, self.focused_reviewed, self.unit_panel.relation_type()
        if self._push_relation(lambda: add_relation_command(
                self.project, head, tail, kind, self.context.who, self.unit_panel.reason()),
                f"Added reviewed {kind!r} relation"):
            self.relation_head = None

    def set_status(self, status: str) -> None:
        if self.document_id is not None:
            command = status_command(self.project, self.document_id, status, self.context.who)
            if command is not None:
                self._push(command, f"Review status: {status}")

    def undo(self) -> None:
        self.context.undo()

    def redo(self) -> None:
        self.context.redo()

    def nudge_end_right(self) -> None:
        self.unit_panel.nudge("end", 1)

    def nudge_end_left(self) -> None:
        self.unit_panel.nudge("end", -1)

    def nudge_start_left(self) -> None:
        self.unit_panel.nudge("start", -1)

    def nudge_start_right(self) -> None:
        self.unit_panel.nudge("start", 1)

    # -- refreshing -----------------------------------------------------------------------------

    def _changed(self, command: Command, what: str) -> None:
        """Refresh after any command on the shared stack (this window's or another's)."""
        self.follow(command.affected_spans())
        self.refresh_relations()

    def _changed_elsewhere(self, document_id: int | None, span_ids: frozenset[str] | None) -> None:
        """The session reported spans that changed (another process, a merge, a label)."""
        if self.document_id is None or document_id not in (None, self.document_id):
            return
        if span_ids is None:
            self._pending_all = True
        else:
            self._pending_ids |= span_ids
        self._follow_timer.start()

    def _follow_pending(self) -> None:
        ids, everything = self._pending_ids, self._pending_all
        self._pending_ids, self._pending_all = set(), False
        if everything:
            self.set_labels_and_reload()
        else:
            if ids:
                self.follow(ids)
            self.refresh_relations()  # a relation or relation decision written elsewhere

    def set_labels_and_reload(self) -> None:
        """Re-read the label set (names, colours) and every span of the document."""
        self.unit_panel.set_labels([label.name for label in self.project.labels()])
        self.unit_panel.set_relation_types([t.name for t in self.project.relation_types()])
        self.reload()

    #: More changed spans than this: re-read the document instead of each span by id.
    FOLLOW_BY_ID = 500

    def follow(self, span_ids: set[str] | frozenset[str]) -> None:
        """Bring the lanes up to date with the spans ``span_ids`` as they are now stored: the
        reviewed lane span by span, the annotators' lanes (and their units) rebuilt when one
        of their spans changed. Idempotent: spans already shown as stored change nothing."""
        if self.document_id is None:
            return
        layer, compared = self.context.layer, set(self.annotators())
        highlighter = self.lanes.reviewed_highlighter
        stored: dict[str, Span] | None = None
        if len(span_ids) > self.FOLLOW_BY_ID:  # one query; only the ids this window shows
            stored = {s.id: s for s in self.project.spans(
                self.document_id, annotators=[*sorted(compared), layer])}
            span_ids = {i for i in span_ids if i in stored or i in self.shown or (
                highlighter is not None and i in highlighter.index)}
            if len(span_ids) > self.FOLLOW_BY_ID:
                self.reload()
                return
        rebuild = recount = False
        for span_id in sorted(span_ids):
            span: Span | None
            if stored is not None:
                span = stored.get(span_id)
            else:
                try:
                    span = self.project.span(span_id)
                except KeyError:
                    span = None
            if span is not None and span.document_id != self.document_id:
                span = None
            if span is not None and span.annotator != layer:
                self._offer_annotator(span.annotator)
            if span is not None and span.annotator in compared:
                rebuild = rebuild or self.shown.get(span_id) != span
            elif span_id in self.shown:
                rebuild = True
            else:  # a span of a layer without a lane (or a reviewed one): only counts change
                recount = True
            if highlighter is None:
                continue
            known = highlighter.index.get(span_id)
            if span is not None and span.annotator == layer:
                if known is None:
                    highlighter.add_span(span)
                elif known != span:
                    highlighter.update_span(span)
            elif known is not None:
                highlighter.remove_span(span_id)
                if span_id == self.focused_reviewed:
                    self.focused_reviewed = None
        if rebuild:
            self.reload()
        else:
            self.lanes.count_reviewed()
            if recount:
                self._recount()
            self._refresh_status()

    def _recount(self) -> None:
        """Bring the layer list's counts up to date with the stored spans."""
        if self.document_id is not None:
            self.annotator_list.set_counts(
                Counter(s.annotator for s in self.project.spans(self.document_id)))

    def _offer_annotator(self, name: str) -> None:
        """List an annotator who has just got spans in this document (unchecked)."""
        self.annotator_list.add_annotator(name)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.context.changed.disconnect(self._changed)
        self.context.errorOccurred.disconnect(self._show_error)
        self.context.spansChanged.disconnect(self._changed_elsewhere)
        self._follow_timer.stop()
        super().closeEvent(event)
