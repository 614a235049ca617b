"""Errors opening or writing a project file. Each names the file and says what to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from annotator.domain.errors import AnnotatorError

T = TypeVar("T")


class ProjectError(AnnotatorError):
    """A project file cannot be opened or written; the file was left untouched."""


class NotAProjectError(ProjectError):
    """The file exists but is not an annotator project."""


class NewerVersionError(ProjectError):
    """The project was written by a newer version of annotator."""


class ReadOnlyError(ProjectError):
    """The project file (or its folder) cannot be written."""


class NetworkShareError(ProjectError):
    """The project file is on a network file system, where SQLite's locking is unsafe."""


class ConflictError(ProjectError):
    """What a change (an undo, a redo, an edit) expected is no longer there: another window,
    the command line or a merge changed it since. Nothing was written."""


class ProjectBusyError(ProjectError):
    """Another program held the project's write lock for longer than this one would wait."""


def expect_current(read: Callable[[], T], expect: T | None, missing: type[Exception], *,
                   what: str, changed_by: Callable[[], str], gone: str = "renamed or removed",
                   kept: bool = True) -> T:
    """A definition (a label, a relation type, an attribute) as ``read`` finds it now, inside
    the writing transaction; with ``expect`` (undo, redo) it must still be exactly that, else
    :class:`ConflictError` naming ``what`` and who changed it (``changed_by``). Without
    ``expect``, a definition that ``read`` cannot find raises its own ``missing`` error."""
    try:
        current = read()
    except missing:
        if expect is None:
            raise
        raise ConflictError(f"{what} was {gone} elsewhere{changed_by()}; "
                            "nothing was changed") from None
    if expect is not None and current != expect:
        newer = "its newer definition is kept and " if kept else ""
        raise ConflictError(f"{what} was changed elsewhere{changed_by()}; "
                            f"{newer}nothing was changed")
    return current
