"""What the review windows share: the project, the undo stack, who is reviewing.

``ReviewContext`` wraps the Qt-free :class:`annotator.domain.undo.UndoStack` of the main
window's session (so Edit > Undo there and Ctrl+Z in a review window walk one history), or a
stack of its own when the windows are used without a main window. It turns the stack's
listener calls into a Qt signal, so windows that close simply stop receiving them. Built from
a session, it also relays what the session reports about spans (its own document's span
signals, ``Session.spansChangedIn`` for any document: rows other processes wrote, or this
connection wrote without the undo stack, e.g. a merge; and document, relation and relation
decision rows from elsewhere, with no span ids) as ``spansChanged``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from annotator.domain.commands import Command
from annotator.domain.undo import UndoStack
from annotator.services.review.adjudication import review_layer
from annotator.store import HistoryEntry, Project
from annotator.ui import guarded

__all__ = ["ReviewContext"]

class ReviewContext(QObject):
    """The project under review and how changes are made to it.

    Signals: ``changed(command, what)`` after every do/undo/redo on the stack (``what`` is
    ``"do"``, ``"undo"`` or ``"redo"``), whoever pushed the command; ``errorOccurred(message)``
    when a push, undo or redo through this context failed (nothing changed);
    ``spansChanged(document_id, span_ids)`` when spans may have changed outside this context's
    commands (another process, a merge): ``span_ids`` a ``frozenset`` of ids, or ``None`` for
    "re-read the document" (``document_id`` ``None``: every document, e.g. the labels changed).
    Only a context built with :meth:`from_session` emits it.
    """

    changed = Signal(object, str)
    errorOccurred = Signal(str)  # noqa: N815
    spansChanged = Signal(object, object)  # noqa: N815

    def __init__(self, project: Project, who: Callable[[], str] | str,
                 stack: UndoStack | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._who = who
        self.stack = stack if stack is not None else UndoStack(project)
        self.stack.subscribe(self._relay)

    @classmethod
    def from_session(cls, session: object) -> ReviewContext:
        """Share a main-window ``Session``'s project, undo stack and annotator name, and relay
        its span reports as ``spansChanged``."""
        context = cls(session.project, lambda: session.annotator,  # type: ignore[attr-defined]
                      session.undo_stack, parent=session)  # type: ignore[attr-defined,arg-type]

        def current() -> int | None:
            document = session.document  # type: ignore[attr-defined]
            return document.id if document is not None else None

        def one(span: object) -> None:
            context.spansChanged.emit(current(), frozenset([span.id]))  # type: ignore[attr-defined]

        session.spanAdded.connect(one)  # type: ignore[attr-defined]
        session.spanRemoved.connect(one)  # type: ignore[attr-defined]
        session.spanUpdated.connect(lambda _old, new: one(new))  # type: ignore[attr-defined]
        session.spansReset.connect(  # type: ignore[attr-defined]
            lambda: context.spansChanged.emit(current(), None))
        session.labelsChanged.connect(  # type: ignore[attr-defined]
            lambda: context.spansChanged.emit(None, None))
        session.spansChangedIn.connect(  # type: ignore[attr-defined]
            lambda document_id, ids: context.spansChanged.emit(document_id, ids))
        session.changesFromElsewhere.connect(  # type: ignore[attr-defined]
            lambda rows: context.relay_rows([r for r in rows if r.entity in (
                "document", "relation", "relation_decision")]))
        return context

    def relay_rows(self, rows: Sequence[HistoryEntry]) -> None:
        """Emit ``spansChanged`` once per document named by span rows of ``rows`` (document,
        relation and relation decision rows name their document with no span ids: its status
        or its relations changed)."""
        by_document: dict[int, set[str]] = {}
        for row in rows:
            if row.entity not in ("span", "document", "relation", "relation_decision") \
                    or row.document_id is None:
                continue
            ids = by_document.setdefault(row.document_id, set())
            if row.entity != "span":
                continue
            if row.action == "import":
                after = row.after if isinstance(row.after, dict) else {}
                ids.update(str(i) for i in after.get("span_ids", ()))
            elif row.entity_id:
                ids.add(row.entity_id)
        for document_id, ids in sorted(by_document.items()):
            self.spansChanged.emit(document_id, frozenset(ids))

    @property
    def who(self) -> str:
        """The reviewer's name, recorded on every decision and in the history."""
        return self._who() if callable(self._who) else self._who

    @property
    def layer(self) -> str:
        """The reviewed layer's annotator name (project setting ``review.layer``)."""
        return review_layer(self.project)

    def _relay(self, command: Command, what: str) -> None:
        self.changed.emit(command, what)

    def push(self, command: Command) -> bool:
        """Do ``command`` (saved at once); on failure emit ``errorOccurred`` and return False."""
        return guarded.push(self.stack, command, self.errorOccurred.emit)

    def undo(self) -> bool:
        return guarded.undo(self.stack, self.errorOccurred.emit)

    def redo(self) -> bool:
        return guarded.redo(self.stack, self.errorOccurred.emit)
