"""The open project, the current document and its spans, and every change to them.

``Session`` is the one object the window's panels (and later panels: review, reading aids)
share. It owns the Qt-free ``annotator.domain.undo.UndoStack``; every change is a command from
``annotator.domain.commands`` pushed with ``push`` (which saves it at once and turns errors into
``errorOccurred``), and after each do/undo/redo the session re-reads just the spans the command
touched and emits fine-grained signals, so views update rows and blocks, never everything.

**Changes made elsewhere** (another window, the command line, a merge) reach the session through
``sync()``, which the window calls on a timer and which every action calls first: it reads the
history rows written since (``annotator.ui.changes.ChangeFeed``) and reconciles the same state by
id, with the same signals, so re-applying a row is harmless and the views keep their scroll
position, selection and focus. Rows from other connections are announced with
``changesFromElsewhere(rows)``.

**Layers.** Every span belongs to the layer of its annotator. The window edits *my* layer (the
session's ``annotator``); other annotators' layers and the reviewed layer (``reviewed``, or the
project setting ``review.layer``) are read-only here and can be hidden one by one
(``set_layer_visible``). ``index`` keeps every layer's spans but reads only the visible
layers, so drawing, the span table, navigation and hit-testing follow the visible layers by
construction, and hiding or showing a layer moves no span; ``hidden`` is the view of the hidden
layers' spans. ``update_span`` and ``delete_span`` refuse, with a message, a
span of another layer; ``copy_to_my_layer`` makes an own copy of one as one undoable command.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
from annotator.services.review.adjudication import review_layer
from annotator.store import Document, HistoryEntry, Project, aggregates
from annotator.ui import guarded
from annotator.ui.changes import ChangeFeed, plain
from annotator.ui.document_status import SetDocumentStatus

__all__ = ["DocumentCatalog", "Session", "SpanCounts"]

_LABEL_COMMANDS = (AddLabel, EditLabel, MoveLabel, RemoveLabel)
#: More spans of the current document than this changed at once: re-read the document's spans
#: in one query (and reset the views if most of them changed) instead of one query per span.
BULK_SPANS = 2000
#: The shortcut of Span > Copy into My Layer (named in the read-only message).
COPY_SHORTCUT = "Ctrl+Shift+C"


class DocumentCatalog:
    """The project's documents, read when asked (``Session.documents``): nothing is read or
    decoded up front, so opening a corpus of 100,000 documents costs nothing per document.

    ``len()``, truth, ``first()``, ``get(id)``, ``by_uid(uid)`` and ``[i]`` (import order) are
    indexed queries; iterating reads every document (whole-project work: panels showing a list
    use :mod:`annotator.store.aggregates` instead)."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def __len__(self) -> int:
        return aggregates.document_count(self._project)

    def __bool__(self) -> bool:
        return self.first() is not None

    def __iter__(self) -> Any:
        return iter(self._project.documents())

    def __getitem__(self, position: int) -> Document:
        document_id = aggregates.document_id_at(self._project, position)
        if document_id is None:
            raise IndexError("no document at that position")
        return self._project.document(document_id)

    def first(self) -> Document | None:
        """The first document in import order (None for an empty project)."""
        try:
            return self[0]
        except IndexError:
            return None

    def get(self, document_id: int) -> Document | None:
        try:
            return self._project.document(document_id)
        except KeyError:
            return None

    def by_uid(self, uid: str) -> Document | None:
        document_id = aggregates.document_id_of_uid(self._project, uid)
        return None if document_id is None else self.get(document_id)

    def last_id(self) -> int:
        """The highest document id (0 for none): documents added later have higher ids."""
        return aggregates.last_document_id(self._project)

    def ids_after(self, document_id: int) -> list[int]:
        """Ids of the documents added after ``document_id`` (ascending)."""
        return aggregates.document_ids_after(self._project, document_id)


class SpanCounts:
    """Spans per document id, read from the project's maintained counts
    (``Session.span_counts``): ``counts[id]``, ``counts.get(id, default)``."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def get(self, document_id: int, default: int = 0) -> int:
        return aggregates.span_totals(self._project, [document_id]).get(document_id, default)

    def __getitem__(self, document_id: int) -> int:
        found = aggregates.span_totals(self._project, [document_id])
        if document_id not in found:
            raise KeyError(document_id)
        return found[document_id]


class Session(QObject):
    """The open project, the current document, the labels, the focused span and the undo stack.

    Signals:

    - ``documentsAdded(ids)``: documents were added (here or elsewhere), ids ascending;
      followed by ``documentsChanged()`` (documents were added or the list needs re-reading);
    - ``documentStatusChanged(document_id, status)``; ``spanCountChanged(document_id, count)``;
      ``spanCountsChanged()``: the span counts of documents not named changed (re-read the
      counts on show);
    - ``documentOpening(document_id)``: right before ``documentChanged``, with the new text
      and ``index`` already in place: views that change how the text is laid out (the relation
      arcs' lane) do it now, before the text is shown, so it is laid out once;
    - ``documentChanged(document_id)``: another document is current (its text and ``index``
      are ready);
    - ``spanAdded(span)``, ``spanRemoved(span)`` (as it was), ``spanUpdated(old, new)``: one span
      of the current document changed; ``spansReset()``: all of them were re-read (label rename);
    - ``labelsChanged()``: the label set changed (``labels``);
    - ``focusedSpanChanged(span_id or None)``;
    - ``undoStateChanged()``: after every push/undo/redo (``undo_text``, ``can_undo`` ...);
    - ``revealRequested(start, end)``: a panel asked to select and show a code-point range;
    - ``annotatorChanged(name)``; ``errorOccurred(message)``: an action failed, nothing changed;
    - ``changesFromElsewhere(rows)``: ``sync`` applied history rows written by another
      connection (``annotator.store.HistoryEntry`` objects, oldest first);
    - ``commandFinished()``: a push, undo or redo returned (done or refused);
    - ``layersChanged()``: the layers of the current document, their span counts or their
      visibility changed (``layers()``);
    - ``layerVisibilityChanged(name, visible, spans, blocks)``: a layer was shown or hidden;
      ``spans`` (the layer's spans of the current document) were just added to or removed from
      ``index`` without ``spanAdded``/``spanRemoved`` signals (views update in one go);
      ``blocks`` are the numbers of the lines they touch.
    """

    documentsChanged = Signal()  # noqa: N815 (Qt naming)
    documentsAdded = Signal(object)  # noqa: N815
    spanCountsChanged = Signal()  # noqa: N815
    documentStatusChanged = Signal(int, str)  # noqa: N815
    spanCountChanged = Signal(int, int)  # noqa: N815
    documentOpening = Signal(int)  # noqa: N815
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
    changesFromElsewhere = Signal(list)  # noqa: N815
    #: ``(rows)``: every batch of history rows ``apply_history`` applied, from any writer
    #: (also this process's rows written without the undo stack, e.g. an import), for panels
    #: that keep state of their own in step (the relations of the current document).
    historyApplied = Signal(list)  # noqa: N815
    #: ``(document_id, span_ids)`` (a ``frozenset``) for each document whose span rows
    #: ``apply_history`` applied: any document, and also rows this process wrote without the
    #: undo stack (a merge through this connection), not only other connections' rows.
    spansChangedIn = Signal(int, object)  # noqa: N815
    commandFinished = Signal()  # noqa: N815
    layersChanged = Signal()  # noqa: N815
    #: (``object``, not ``list``: a list argument would be converted element by element.)
    layerVisibilityChanged = Signal(str, bool, object, object)  # noqa: N815

    def __init__(self, project: Project, annotator: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._annotator = annotator
        self.undo_stack = UndoStack(project)
        self.undo_stack.subscribe(self._after_command)
        self.labels: list[Label] = project.labels()
        self._colors: dict[str, str] = {}
        self._colors_of: list[Label] | None = None
        #: The documents, read when asked (nothing per document at start).
        self.documents = DocumentCatalog(project)
        #: Spans per document, from the project's maintained counts.
        self.span_counts = SpanCounts(project)
        self._last_document_id = self.documents.last_id()
        self._current_count = 0
        self.document: Document | None = None
        self.text = ""
        self.index = SpanIndex("")
        self.index.own_layer = annotator
        self._hidden_layers: set[str] = set()
        self.review_layer = review_layer(project)
        self.focused_span_id: str | None = None
        self._pending_focus: str | None = None
        self.feed = ChangeFeed(project)
        #: True while a push/undo/redo runs (a write waiting for the lock processes events:
        #: the timer's ``sync`` must not interleave with it).
        self.in_command = False
        self._own_spans: set[str] = set()
        #: span id -> who deleted it elsewhere (for a clear message when the user acts on it).
        self._deleted_elsewhere: dict[str, str] = {}
        self.applying_history = False
        #: After ``apply_history``: who deleted the focused span ("" unknown), None if kept.
        self.focus_lost_to: str | None = None

    # -- who --------------------------------------------------------------------------------------

    @property
    def annotator(self) -> str:
        """The name recorded on new spans and in the history."""
        return self._annotator

    def set_annotator(self, name: str) -> None:
        name = name.strip()
        if name and name != self._annotator:
            self._annotator = name
            self.index.own_layer = name
            self._hidden_layers.discard(name)  # my layer is always shown
            self.index.show_layer(name)
            self.annotatorChanged.emit(name)
            if self.document is not None:  # other spans are mine now (and mine are not)
                self.reload_spans()
            self.layersChanged.emit()

    # -- layers -----------------------------------------------------------------------------------

    def is_own(self, span: Span) -> bool:
        """True when ``span`` is in my layer (the only one edited here)."""
        return span.annotator == self._annotator

    def layers(self) -> list[tuple[str, int, bool]]:
        """``(name, spans in the current document, visible)`` for my layer first, then the
        reviewed layer, then the other annotators' layers by name (layers without spans in the
        current document are listed when hidden, so they can be shown again)."""
        counts = self.index.layer_counts()
        names = {self._annotator, *counts, *self._hidden_layers}
        rest = sorted(n for n in names if n not in (self._annotator, self.review_layer))
        order = [self._annotator] + ([self.review_layer] if self.review_layer in names
                                     and self.review_layer != self._annotator else []) + rest
        return [(n, counts.get(n, 0), n not in self._hidden_layers) for n in order]

    @property
    def hidden(self) -> Mapping[str, Span]:
        """Spans of the current document in hidden layers, by id (read-only)."""
        return self.index.hidden_spans()

    @property
    def hidden_layers(self) -> frozenset[str]:
        """Names of the layers not shown (never my own)."""
        return frozenset(self._hidden_layers)

    def set_hidden_layers(self, names: Iterable[str]) -> None:
        """Hide exactly ``names`` (my own layer is ignored): one toggle per changed layer."""
        wanted = {n for n in names if n != self._annotator}
        for name in sorted(self._hidden_layers - wanted):
            self.set_layer_visible(name, True)
        for name in sorted(wanted - self._hidden_layers):
            self.set_layer_visible(name, False)

    def set_layer_visible(self, name: str, visible: bool) -> bool:
        """Show or hide the layer ``name`` (my own layer cannot be hidden). Moves its spans
        between ``index`` and ``hidden`` and emits ``layerVisibilityChanged`` once (a focused
        span of a layer being hidden loses the focus first). False if nothing changed."""
        if name == self._annotator or (name not in self._hidden_layers) == visible:
            return False
        if self.in_command:  # a write waits for the lock: the index must not change under it
            self.errorOccurred.emit("Another change is still being saved; try again.")
            return False
        if visible:
            self._hidden_layers.discard(name)
            blocks = self.index.show_layer(name)
        else:
            self._hidden_layers.add(name)
            focused = self.focused_span()
            if focused is not None and focused.annotator == name:
                self.focus_span(None)
            blocks = self.index.hide_layer(name)
        moved = self.index.layer_spans(name)
        self.layerVisibilityChanged.emit(name, visible, moved, sorted(blocks))
        self.layersChanged.emit()
        return True

    def _total(self) -> int:
        return self.index.total()

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
        return self.documents.get(document_id)

    def reload_documents(self) -> None:
        """Bring documents, counts, labels and the current document's spans up to date (after
        an import in this window): the import's history rows are applied like any others."""
        self.sync()
        self._documents_added()
        self.spanCountsChanged.emit()

    def _documents_added(self) -> None:
        added = self.documents.ids_after(self._last_document_id)
        if added:
            self._last_document_id = added[-1]
            self.documentsAdded.emit(added)
            self.documentsChanged.emit()

    def open_document(self, document_id: int) -> None:
        """Make a document current: read its text and spans, then emit ``documentChanged``."""
        self.document = self.project.document(document_id)
        self.text = self.project.text(document_id)
        self.review_layer = review_layer(self.project)
        self.index = SpanIndex(self.text, self.project.spans(document_id),
                               hidden_layers=self._hidden_layers)
        self.index.own_layer = self._annotator
        self._current_count = self._total()
        self.focused_span_id = None
        self.documentOpening.emit(document_id)
        self.documentChanged.emit(document_id)
        self.layersChanged.emit()

    # -- commands ---------------------------------------------------------------------------------

    def push(self, command: Command) -> bool:
        """Do ``command`` through the undo stack (saved at once). On failure: ``errorOccurred``,
        nothing changed, False."""
        return self._run(lambda: guarded.push(self.undo_stack, command, self.errorOccurred.emit))

    def undo(self) -> bool:
        """Undo the last step (False when there is none or it failed)."""
        return self._run(lambda: guarded.undo(self.undo_stack, self.errorOccurred.emit))

    def redo(self) -> bool:
        """Redo the last undone step (False when there is none or it failed)."""
        return self._run(lambda: guarded.redo(self.undo_stack, self.errorOccurred.emit))

    def _run(self, action: Any) -> bool:
        """Catch up with changes made elsewhere, run ``action`` (a guarded stack call), then
        mark this window's own history rows as seen."""
        if self.in_command:  # an action started while another one waits for the lock
            self.errorOccurred.emit("Another change is still being saved; try again.")
            return False
        self.sync()
        self.in_command = True
        try:
            done = bool(action())
        finally:
            self.in_command = False
        own, self._own_spans = self._own_spans, set()
        if not self.feed.settle():
            self._sync(own)  # another program committed while this action ran
        self.commandFinished.emit()
        return done

    # -- changes made elsewhere -------------------------------------------------------------------

    def sync(self) -> list[HistoryEntry]:
        """Apply what was written to the project since the last look (by another window, the
        command line, a merge, or another part of this window). Returns the rows that came
        from another connection, also emitted with ``changesFromElsewhere``. Cheap when
        nothing changed (the window's timer calls it several times a second)."""
        if self.in_command or not self.feed.pending():
            return []
        return self._sync()

    def _sync(self, own_spans: set[str] | None = None) -> list[HistoryEntry]:
        rows, foreign = self.feed.take()
        if not rows:
            return []
        self.apply_history(rows)
        if not foreign:
            return []
        elsewhere = list(rows)
        if own_spans is not None:
            # Right after this window's own action, while another program committed too: the
            # action's rows are those by this annotator about the spans it touched (or about
            # labels, documents, ...: rows a window cannot tell apart by more than author).
            own = self._annotator
            elsewhere = [r for r in rows if not (r.who == own and (
                r.entity != "span" or r.entity_id in own_spans))]
        if elsewhere:
            self.changesFromElsewhere.emit(elsewhere)
        return elsewhere

    def apply_history(self, rows: Sequence[HistoryEntry]) -> None:
        """Reconcile the session with history ``rows`` by re-reading what they name: the spans
        of the current document, span counts, documents (new ones, statuses) and labels.
        Idempotent: applying a row twice, or a row of this window's own, changes nothing.
        Emits ``spansChangedIn`` once per document (any document) named by span rows.
        While it runs, ``applying_history`` is True (a view then follows, never moves, the
        focus: a span deleted elsewhere loses the focus instead of passing it on)."""
        self.applying_history = True
        try:
            self._apply_history(rows)
            self.historyApplied.emit(list(rows))
        finally:
            self.applying_history = False

    def _apply_history(self, rows: Sequence[HistoryEntry]) -> None:
        current = self.document.id if self.document is not None else None
        span_ids: set[str] = set()
        by_document: dict[int, set[str]] = {}
        counts_elsewhere = labels = False
        renamed: set[str] = set()
        documents: dict[int, set[str]] = {}
        for row in rows:
            if row.entity in ("span", "attribute"):  # an attribute row names its span
                if row.action == "import":
                    after = row.after if isinstance(row.after, dict) else {}
                    ids = [str(i) for i in after.get("span_ids", ())]
                else:
                    ids = [row.entity_id] if row.entity_id else []
                    if row.action == "delete" and row.entity_id:
                        self._deleted_elsewhere[row.entity_id] = row.who
                if row.document_id is not None:
                    by_document.setdefault(row.document_id, set()).update(ids)
                if row.document_id == current:
                    span_ids.update(ids)
                elif row.document_id is not None:
                    counts_elsewhere = True
            elif row.entity == "label":
                labels = True
                before = row.before if isinstance(row.before, dict) else {}
                after = row.after if isinstance(row.after, dict) else {}
                if row.action == "update" and before.get("name") != after.get("name"):
                    renamed.add(str(before.get("name")))
            elif row.entity == "document" and row.document_id is not None:
                documents.setdefault(row.document_id, set()).add(row.action)
        if len(self._deleted_elsewhere) > 10_000:
            self._deleted_elsewhere.clear()
        if documents:
            self._apply_documents(documents)
        if renamed:  # spans show their label by name: re-read those of the current document
            span_ids.update(s.id for s in self.index.all_spans() if s.label in renamed)
        if labels:
            fresh = self.project.labels()
            if fresh != self.labels:
                self.labels = fresh
                self.labelsChanged.emit()
        focused = self.focused_span()
        if len(span_ids) > BULK_SPANS:
            self._resync_document()
        elif span_ids:
            self._refresh_spans(span_ids)
        if counts_elsewhere:
            self._refresh_counts([d for d in by_document if d != current])
        self.focus_lost_to = None
        if focused is not None and focused.id not in self.index:
            self.focus_lost_to = self._deleted_elsewhere.get(focused.id, "")
        for document_id, ids in sorted(by_document.items()):
            self.spansChangedIn.emit(document_id, frozenset(ids))

    def _apply_documents(self, changes: dict[int, set[str]]) -> None:
        added = False
        for document_id in sorted(changes):
            if document_id > self._last_document_id:
                added = True
                continue
            if "status" not in changes[document_id]:
                continue
            try:
                doc = self.project.document(document_id)
            except KeyError:
                continue
            if self.document is not None and self.document.id == doc.id:
                self.document = doc
            self.documentStatusChanged.emit(doc.id, doc.status)
        if added:
            self._documents_added()

    def _refresh_counts(self, document_ids: Iterable[int]) -> None:
        """Span counts of other documents changed: their maintained counts, one query."""
        for doc_id, count in sorted(aggregates.span_totals(self.project, document_ids).items()):
            self.spanCountChanged.emit(doc_id, count)

    def _resync_document(self) -> None:
        """Many spans of the current document changed: one query, then the difference as
        single-span signals, or a reset when most of the document changed."""
        if self.document is None:
            return
        fresh = {s.id: s for s in self.project.spans(self.document.id)}
        index = self.index
        gone = [s.id for s in index.all_spans() if s.id not in fresh]
        changed = [s.id for s in fresh.values() if index.find(s.id) != s]
        if len(gone) + len(changed) > BULK_SPANS:
            self.reload_spans()
        else:  # e.g. this window's own import applied again: little or nothing differs
            self._refresh_spans(gone + changed)
        self._set_current_count()

    def _set_current_count(self) -> None:
        if self.document is not None:
            doc_id, total = self.document.id, self._total()
            if self._current_count != total:
                self._current_count = total
                self.spanCountChanged.emit(doc_id, total)

    def gone_message(self, span_id: str) -> str:
        """Why a span the user acted on is not there: deleted elsewhere (by whom), or gone."""
        who = self._deleted_elsewhere.get(span_id)
        if who is None:
            return "That span no longer exists; nothing was changed."
        by = f" by {plain(who)}" if who else ""
        return (f"That span was deleted elsewhere{by} (another window or the command line); "
                f"nothing was changed.")

    def _after_command(self, command: Command, what: str) -> None:
        commands = list(iter_commands(command))
        self._own_spans |= command.affected_spans()
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
                if self.document is not None and self.document.id == doc.id:
                    self.document = doc
                self.documentStatusChanged.emit(doc.id, doc.status)
        self._refresh_spans(command.affected_spans())
        self.undoStateChanged.emit()

    def _refresh_spans(self, span_ids: Iterable[str]) -> None:
        current = self.document.id if self.document is not None else None
        elsewhere = False
        delta = 0
        layers = False
        index = self.index
        for span_id in sorted(span_ids):
            old = index.find(span_id)  # in any layer, shown or hidden
            try:
                new: Span | None = self.project.span(span_id)
            except KeyError:
                new = None
            if new is not None and new.document_id != current:
                elsewhere = True
                new = None
            if old is None and new is None:
                elsewhere = True
                continue
            if old is not None and new is not None and old == new:
                continue
            if old is None or new is None or old.annotator != new.annotator:
                layers = True
            was_shown = old is not None and index.is_shown(old)
            shown = new is not None and index.is_shown(new)
            if old is None:
                index.add(new)  # type: ignore[arg-type]
                delta += 1
            elif new is None:
                index.remove(span_id)
                delta -= 1
            else:
                index.update(new)
            if shown and not was_shown:
                assert new is not None
                focus = span_id == self._pending_focus
                if focus:  # focused before it is drawn: its blocks are highlighted once
                    self._pending_focus, self.focused_span_id = None, span_id
                self.spanAdded.emit(new)
                if focus:
                    self.focusedSpanChanged.emit(span_id)
            elif was_shown and not shown:
                assert old is not None
                if span_id == self.focused_span_id:
                    self.focus_span(None)
                self.spanRemoved.emit(old)
            elif was_shown and shown:
                self.spanUpdated.emit(old, new)
        if elsewhere:  # spans of other documents (search hits labelled in many documents)
            self.spanCountsChanged.emit()
        if delta and current is not None:
            self._current_count += delta
            self.spanCountChanged.emit(current, self._current_count)
        if layers:
            self.layersChanged.emit()

    def reload_spans(self) -> None:
        """Re-read every span of the current document (emits ``spansReset``)."""
        if self.document is not None:
            self.index.reset(self.project.spans(self.document.id))
            self.layersChanged.emit()
            if self.focused_span_id not in self.index:
                self.focused_span_id = None
        self.spansReset.emit()
        self._set_current_count()

    # -- span actions (each one command) ----------------------------------------------------------

    def create_span(self, start: int, end: int, label: str) -> Span | None:
        """Create a span on the current document; a ``new`` document becomes ``in progress``
        in the same undoable step. Focuses and returns the span (None on failure)."""
        doc = self.document
        if doc is None:
            self.errorOccurred.emit("Open a document first.")
            return None
        return self._create(doc, CreateSpan(doc.id, start, end, label, self._annotator))

    def _create(self, doc: Document, create: CreateSpan, description: str | None = None,
                ) -> Span | None:
        """Push ``create`` (a ``new`` document becoming ``in progress`` in the same step),
        focus the new span as it is drawn and return it (None on failure)."""
        children: list[Command] = [create]
        if doc.status == "new":
            children.append(SetDocumentStatus(doc.id, "in progress", self._annotator))
        command: Command = create
        if len(children) > 1 or description is not None:
            command = Compound(children, description=description or create.text)
        self._pending_focus = create.span_id
        try:
            if not self.push(command):
                return None
        finally:
            self._pending_focus = None
        return self.index.get(create.span_id)

    def delete_span(self, span_id: str) -> bool:
        """Delete a span of my layer (refused with a message when it is another layer's or
        was deleted elsewhere meanwhile)."""
        if not self._still_mine(span_id):
            return False
        return self.push(DeleteSpan(span_id, self._annotator))

    def update_span(self, span_id: str, description: str, **changes: Any) -> bool:
        """Relabel (``label``), resize (``start``, ``end``) or annotate (``note``) a span of my
        layer (another layer's span is refused with a message: nothing is written)."""
        if not self._still_mine(span_id):
            return False
        return self.push(UpdateSpan(span_id, self._annotator, changes, description))

    def read_only_message(self, span: Span) -> str:
        """Why a span of another layer cannot be changed here, and what to do instead."""
        return (f"That span is in {plain(span.annotator)}'s layer, read-only here; nothing was "
                f"changed. Span > Copy into My Layer ({COPY_SHORTCUT}) makes your own copy.")

    def _still_mine(self, span_id: str) -> bool:
        self.sync()
        span = self.index.find(span_id)
        if span is None:
            self.errorOccurred.emit(self.gone_message(span_id))
            return False
        if not self.is_own(span):
            self.errorOccurred.emit(self.read_only_message(span))
            return False
        return True

    def copy_to_my_layer(self, span_id: str) -> Span | None:
        """Create my copy (same range, label, note and value) of another layer's span as one
        undoable step, and focus it. Refused with a message for my own span; when my layer
        already has the same span, that one is focused and nothing is written."""
        self.sync()
        span = self.index.find(span_id)
        doc = self.document
        if span is None or doc is None:
            self.errorOccurred.emit(self.gone_message(span_id))
            return None
        if self.is_own(span):
            self.errorOccurred.emit("That span is already in your layer.")
            return None
        me = self._annotator
        twin = next((s for s in self.index.spans_overlapping(span.start, span.end)
                     if s.annotator == me and (s.start, s.end, s.label) ==
                     (span.start, span.end, span.label)), None)
        if twin is not None:
            self.focus_span(twin.id)
            return twin
        create = CreateSpan(doc.id, span.start, span.end, span.label, me, note=span.note,
                            value=span.value)
        return self._create(doc, create, description=(
            f"Copy {plain(span.annotator)}'s {span.label!r} span into my layer"))

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
