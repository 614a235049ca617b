"""Errors opening or writing a project file. Each names the file and says what to do."""

from __future__ import annotations

from annotator.domain.errors import AnnotatorError


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
