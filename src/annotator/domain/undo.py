"""A Qt-free undo stack of :mod:`annotator.domain.commands`.

``push`` runs the command (saving it at once: every project call commits) and drops the redo
tail. A command that raises is not pushed, and the project is unchanged because each project
call is one transaction. Listeners are called after every change with the command and what
happened (``"do"``, ``"undo"``, ``"redo"``), so the window refreshes only what changed.
"""

from __future__ import annotations

from collections.abc import Callable

from annotator.domain.commands import Command, ProjectLike

Listener = Callable[[Command, str], None]


class UndoStack:
    """Commands done on one project, with an index separating undo from redo."""

    def __init__(self, project: ProjectLike, limit: int = 1000) -> None:
        self.project = project
        self.limit = limit
        self._commands: list[Command] = []
        self._index = 0
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(command, what)`` after every do, undo and redo."""
        self._listeners.append(listener)

    def _notify(self, command: Command, what: str) -> None:
        for listener in list(self._listeners):
            listener(command, what)

    def push(self, command: Command) -> Command:
        """Do ``command`` and put it on the stack (the redo tail is dropped)."""
        command.do(self.project)
        del self._commands[self._index :]
        self._commands.append(command)
        if len(self._commands) > self.limit:
            del self._commands[0]
        self._index = len(self._commands)
        self._notify(command, "do")
        return command

    def can_undo(self) -> bool:
        return self._index > 0

    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self.can_undo() else ""

    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo() else ""

    def undo(self) -> Command | None:
        """Undo the last done command (None when there is nothing to undo)."""
        if not self.can_undo():
            return None
        command = self._commands[self._index - 1]
        command.undo(self.project)
        self._index -= 1
        self._notify(command, "undo")
        return command

    def redo(self) -> Command | None:
        """Redo the last undone command (None when there is nothing to redo)."""
        if not self.can_redo():
            return None
        command = self._commands[self._index]
        command.do(self.project)
        self._index += 1
        self._notify(command, "redo")
        return command

    def clear(self) -> None:
        """Forget every command (e.g. when another project is opened)."""
        self._commands.clear()
        self._index = 0

    def __len__(self) -> int:
        return len(self._commands)
