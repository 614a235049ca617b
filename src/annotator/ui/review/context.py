"""What the review windows share: the project, the undo stack, who is reviewing.

``ReviewContext`` wraps the Qt-free :class:`annotator.domain.undo.UndoStack` of the main
window's session (so Edit > Undo there and Ctrl+Z in a review window walk one history), or a
stack of its own when the windows are used without a main window. It turns the stack's
listener calls into a Qt signal, so windows that close simply stop receiving them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from annotator.domain.commands import Command
from annotator.domain.undo import UndoStack
from annotator.services.review.adjudication import review_layer
from annotator.store import Project
from annotator.ui import guarded

__all__ = ["ReviewContext"]

class ReviewContext(QObject):
    """The project under review and how changes are made to it.

    Signals: ``changed(command, what)`` after every do/undo/redo on the stack (``what`` is
    ``"do"``, ``"undo"`` or ``"redo"``), whoever pushed the command; ``errorOccurred(message)``
    when a push, undo or redo through this context failed (nothing changed).
    """

    changed = Signal(object, str)
    errorOccurred = Signal(str)  # noqa: N815

    def __init__(self, project: Project, who: Callable[[], str] | str,
                 stack: UndoStack | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._who = who
        self.stack = stack if stack is not None else UndoStack(project)
        self.stack.subscribe(self._relay)

    @classmethod
    def from_session(cls, session: object) -> ReviewContext:
        """Share a main-window ``Session``'s project, undo stack and annotator name."""
        return cls(session.project, lambda: session.annotator,  # type: ignore[attr-defined]
                   session.undo_stack, parent=session)  # type: ignore[attr-defined,arg-type]

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
