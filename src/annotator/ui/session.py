"""The open project, the current document and its spans, and every change to them.

``Session`` is the one object the window's panels (and later panels: review, reading aids)
share. It owns the Qt-free ``annotator.domain.undo.UndoStack``; every change is a command from
``annotator.domain.commands`` pushed with ``push`` (which saves it at once and turns errors into
``errorOccurred``), and after each do/undo/redo the session re-reads just the spans the command
touched and emits fine-grained signals, so views update rows and blocks, never everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from annotator.domain.commands import (
    AddLabel,
    Command,
    Compound,
    CreateSpan,
    DeleteSpan,
    EditLabel,
    MoveLabel,
    RemoveLabel,
    UpdateSpan,
    iter_commands,
)
from annotator.domain.labels import Label
from annotator.domain.span_index import SpanIndex, paint_order
from annotator.domain.spans import Span
from annotator.domain.undo import UndoStack
from annotator.store import Document, Project
from annotator.ui import guarded
from annotator.ui.document_status import SetDocumentStatus

__all__ = ["Session"]

_LABEL_COMMANDS = (AddLabel, EditLabel, MoveLabel, RemoveLabel)


class Session(QObject):
    """The open project, the current document, the labels, the focused span and the undo stack.

    Signals:

    - ``documentsChanged()``: documents were added (import) or the list needs re-reading;
    - ``documentStatusChanged(document_id, status)``; ``spanCountChanged(document_id, count)``;
    - ``documentChanged(document_id)``: another document is current (its text and ``index``
      are ready);
    - ``spanAdded(span)``, ``spanRemoved(span)`` (as it was), ``spanUpdated(old, new)``: one span
      of the current document changed; ``spansReset()``: all of them were re-read (label rename);
    - ``labelsChanged()``: the label set changed (``labels``);
    - ``focusedSpanChanged(span_id or None)``;
    - ``undoStateChanged()``: after every push/undo/redo (``undo_text``, ``can_undo`` ...);
    - ``revealRequested(start, end)``: a panel asked to select and show a code-point range;
    - ``annotatorChanged(name)``; ``errorOccurred(message)``: an action failed, nothing changed.
    """

    documentsChanged = Signal()  # noqa: N815 (Qt naming)
    documentStatusChanged = Signal(int, str)  # noqa: N815
    spanCountChanged = Signal(int, int)  # noqa: N815
    documentChanged = Signal(int)  # noqa: N815
    spanAdded = Signal(object)  # noqa: N815
    spanRemoved = Signal(object)  # noqa: N815
    spanUpdated = Signal(object, object)  # noqa: N815
    spansReset = Signal()  # noqa: N815
    labelsChanged = Signal()  # noqa: N815
    focusedSpanChanged = Signal(object)  # noqa: N815
    undoStateChanged = Signal()  # noqa: N815
    revealRequested = Signal(int, int)  # noqa: N815
    annotatorChanged = Signal(str)  # noqa: N815
    errorOccurred = Signal(str)  # noqa: N815

    def __init__(self, project: Project, annotator: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._annotator = annotator
        self.undo_stack = UndoStack(project)
        self.undo_stack.subscribe(self._after_command)
        self.labels: list[Label] = project.labels()
        self._colors: dict[str, str] = {}
        self._colors_of: list[Label] | None = None
        self.documents: list[Document] = project.documents()
        self.span_counts: dict[int, int] = project.span_counts()
        self.document: Document | None = None
        self.text = ""
        self.index = SpanIndex("")
        self.focused_span_id: str | None = None
        self._pending_focus: str | None = None

    # -- who --------------------------------------------------------------------------------------

    @property
    def annotator(self) -> str:
        """The name recorded on new spans and in the history."""
        return self._annotator

    def set_annotator(self, name: str) -> None:
        name = name.strip()
        if name and name != self._annotator:
            self._annotator = name
            self.annotatorChanged.emit(name)

    # -- labels -----------------------------------------------------------------------------------

    def label_for_key(self, key: str) -> Label | None:
        """The label whose key is ``key`` (None when no label uses it)."""
        return next((lab for lab in self.labels if lab.key == key), None)

    def colors(self) -> dict[str, str]:
        """Label name -> colour (do not modify the returned mapping)."""
        if self._colors_of is not self.labels:
            self._colors = {lab.name: lab.color for lab in self.labels}
            self._colors_of = self.labels
        return self._colors

    # -- documents --------------------------------------------------------------------------------

    def document_by_id(self, document_id: int) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)

    def reload_documents(self) -> None:
        """Re-read documents, counts and labels (after an import)."""
        self.documents = self.project.documents()
        self.span_counts = self.project.span_counts()
        labels = self.project.labels()
        if labels != self.labels:
            self.labels = labels
            self.labelsChanged.emit()
        self.documentsChanged.emit()

    def open_document(self, document_id: int) -> None:
        """Make a document current: read its text and spans, then emit ``documentChanged``."""
        self.document = self.project.document(document_id)
        self.text = self.project.text(document_id)
        self.index = SpanIndex(self.text, self.project.spans(document_id))
        self.focused_span_id = None
        self.documentChanged.emit(document_id)

    # -- commands ---------------------------------------------------------------------------------

    def push(self, command: Command) -> bool:
        """Do ``command`` through the undo stack (saved at once). On failure: ``errorOccurred``,
        nothing changed, False."""
        return guarded.push(self.undo_stack, command, self.errorOccurred.emit)

    def undo(self) -> bool:
        """Undo the last step (False when there is none or it failed)."""
        return guarded.undo(self.undo_stack, self.errorOccurred.emit)

    def redo(self) -> bool:
        """Redo the last undone step (False when there is none or it failed)."""
        return guarded.redo(self.undo_stack, self.errorOccurred.emit)

    def _after_command(self, command: Command, what: str) -> None:
        commands = list(iter_commands(command))
        if any(isinstance(c, _LABEL_COMMANDS) for c in commands):
            self.labels = self.project.labels()
            self.labelsChanged.emit()
            if any(isinstance(c, EditLabel) and "new_name" in c.changes for c in commands):
                self.reload_spans()
                self.undoStateChanged.emit()
                return
        for cmd in commands:
            if isinstance(cmd, SetDocumentStatus):
                doc = self.project.document(cmd.document_id)
                self.documents = [doc if d.id == doc.id else d for d in self.documents]
                if self.document is not None and self.document.id == doc.id:
                    self.document = doc
                self.documentStatusChanged.emit(doc.id, doc.status)
        self._refresh_spans(command.affected_spans())
        self.undoStateChanged.emit()

    def _refresh_spans(self, span_ids: Iterable[str]) -> None:
        current = self.document.id if self.document is not None else None
        elsewhere = False
        delta = 0
        for span_id in sorted(span_ids):
            old = self.index.get(span_id)
            try:
                new: Span | None = self.project.span(span_id)
            except KeyError:
                new = None
            if new is not None and new.document_id != current:
                elsewhere = True
                new = None
            if old is None and new is not None:
                self.index.add(new)
                delta += 1
                focus = span_id == self._pending_focus
                if focus:  # focused before it is drawn: its blocks are highlighted once
                    self._pending_focus, self.focused_span_id = None, span_id
                self.spanAdded.emit(new)
                if focus:
                    self.focusedSpanChanged.emit(span_id)
            elif old is not None and new is None:
                self.index.remove(span_id)
                delta -= 1
                if span_id == self.focused_span_id:
                    self.focus_span(None)
                self.spanRemoved.emit(old)
            elif old is not None and new is not None and old != new:
                self.index.update(new)
                self.spanUpdated.emit(old, new)
            elif old is None and new is None:
                elsewhere = True
        if elsewhere:
            self.span_counts = self.project.span_counts()
            for doc in self.documents:
                self.spanCountChanged.emit(doc.id, self.span_counts.get(doc.id, 0))
        elif delta and current is not None:
            self.span_counts[current] = self.span_counts.get(current, 0) + delta
            self.spanCountChanged.emit(current, self.span_counts[current])

    def reload_spans(self) -> None:
        """Re-read every span of the current document (emits ``spansReset``)."""
        if self.document is not None:
            self.index.reset(self.project.spans(self.document.id))
            if self.focused_span_id not in self.index:
                self.focused_span_id = None
        self.spansReset.emit()

    # -- span actions (each one command) ----------------------------------------------------------

    def create_span(self, start: int, end: int, label: str) -> Span | None:
        """Create a span on the current document; a ``new`` document becomes ``in progress``
        in the same undoable step. Focuses and returns the span (None on failure)."""
        doc = self.document
        if doc is None:
            self.errorOccurred.emit("Open a document first.")
            return None
        create = CreateSpan(doc.id, start, end, label, self._annotator)
        command: Command = create
        if doc.status == "new":
            command = Compound([create, SetDocumentStatus(doc.id, "in progress", self._annotator)],
                               description=create.text)
        self._pending_focus = create.span_id
        try:
            if not self.push(command):
                return None
        finally:
            self._pending_focus = None
        return self.index.get(create.span_id)

    def delete_span(self, span_id: str) -> bool:
        return self.push(DeleteSpan(span_id, self._annotator))

    def update_span(self, span_id: str, description: str, **changes: Any) -> bool:
        """Relabel (``label``), resize (``start``, ``end``) or annotate (``note``) a span."""
        return self.push(UpdateSpan(span_id, self._annotator, changes, description))

    def label_all(self, ranges: Sequence[tuple[int, int]], label: str) -> int:
        """Create a ``label`` span on each range (exact duplicates skipped) as one undoable
        step; returns how many were created."""
        doc = self.document
        if doc is None:
            return 0
        existing = {(s.start, s.end, s.label, s.annotator) for s in self.index}
        children: list[Command] = [
            CreateSpan(doc.id, a, b, label, self._annotator)
            for a, b in dict.fromkeys(ranges) if (a, b, label, self._annotator) not in existing
        ]
        if not children:
            return 0
        if doc.status == "new":
            children.append(SetDocumentStatus(doc.id, "in progress", self._annotator))
        n = sum(isinstance(c, CreateSpan) for c in children)
        return n if self.push(Compound(children, description=f"Label {n} hits {label!r}")) else 0

    def set_status(self, status: str) -> bool:
        if self.document is None or self.document.status == status:
            return False
        return self.push(SetDocumentStatus(self.document.id, status, self._annotator))

    # -- focus and navigation ---------------------------------------------------------------------

    def focus_span(self, span_id: str | None) -> None:
        """Make ``span_id`` the focused span (the one keys act on); None for none."""
        if span_id is not None and span_id not in self.index:
            span_id = None
        if span_id != self.focused_span_id:
            self.focused_span_id = span_id
            self.focusedSpanChanged.emit(span_id)

    def focused_span(self) -> Span | None:
        return self.index.get(self.focused_span_id) if self.focused_span_id else None

    def neighbour_span(self, position: int, forward: bool) -> Span | None:
        """The span after (or before) the focused span, else after/before ``position``, in
        paint order (start, longest first)."""
        focused = self.focused_span()
        key = paint_order(focused) if focused else (position, -(10**12), "")
        index = self.index
        if len(index) == 0:
            return None
        block = index.block_of(min(max(key[0], 0), index.text_length))
        blocks = range(block, index.block_count) if forward else range(block, -1, -1)
        for n in blocks:
            first = index.block_start(n)
            spans = [s for s in index.spans_in_block(n) if s.start >= first]
            if forward:
                found = next((s for s in spans if paint_order(s) > key), None)
            else:
                found = next((s for s in reversed(spans) if paint_order(s) < key), None)
            if found is not None:
                return found
        return None

    def reveal(self, start: int, end: int) -> None:
        """Ask the text view to select ``[start, end)`` of the current document and show it."""
        self.revealRequested.emit(start, end)

    def close(self) -> None:
        """Close the project (every change is already saved)."""
        self.undo_stack.clear()
        self.project.close()
