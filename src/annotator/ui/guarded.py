"""Doing, undoing and redoing commands on the Qt-free undo stack with errors as messages.

A user's action that the project refuses (a duplicate span, a label in use, a file gone) must
leave the project unchanged and the app running: each project call is one transaction, so a
failed command changed nothing, and its error becomes a message for the window to show.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from annotator.domain.commands import Command
from annotator.domain.errors import AnnotatorError
from annotator.domain.undo import UndoStack

__all__ = ["USER_ERRORS", "error_message", "push", "redo", "undo"]

#: Errors a user action can meet; shown as a message, the project unchanged.
USER_ERRORS = (AnnotatorError, KeyError, ValueError, sqlite3.Error, OSError)

Report = Callable[[str], object]


def error_message(exc: BaseException) -> str:
    """A readable one-line message for ``exc`` (a KeyError's argument without quotes)."""
    text = str(exc)
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    return text or exc.__class__.__name__


def push(stack: UndoStack, command: Command, report: Report) -> bool:
    """Do ``command`` on ``stack`` (saved at once); on failure ``report(message)``, False."""
    try:
        stack.push(command)
    except USER_ERRORS as exc:
        report(error_message(exc))
        return False
    return True


def undo(stack: UndoStack, report: Report) -> bool:
    """Undo the last step (False when there is none, or it failed and was reported)."""
    try:
        return stack.undo() is not None
    except USER_ERRORS as exc:
        report("Cannot undo: " + error_message(exc))
        return False


def redo(stack: UndoStack, report: Report) -> bool:
    """Redo the last undone step (False when there is none, or it failed and was reported)."""
    try:
        return stack.redo() is not None
    except USER_ERRORS as exc:
        report("Cannot redo: " + error_message(exc))
        return False
