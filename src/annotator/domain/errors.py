"""Errors of the domain: each carries a message fit to show an analyst as it is."""

from __future__ import annotations


class AnnotatorError(Exception):
    """Base of every error the project reports to the user (CLI exit 1, a message in the app)."""


class SpanError(AnnotatorError):
    """A span that cannot exist: empty, reversed, out of range, or an exact duplicate."""


class LabelError(AnnotatorError):
    """A label definition or label-set change that is not allowed."""


class DataError(AnnotatorError):
    """Bad input data (a file, a line, a record). The message names the file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.reason = message
