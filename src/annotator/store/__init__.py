"""The project store: the only package that talks to SQLite (through sqlite-utils)."""

from annotator.store.errors import (
    NetworkShareError,
    NewerVersionError,
    NotAProjectError,
    ProjectError,
    ReadOnlyError,
)
from annotator.store.project import Document, HistoryEntry, Project

__all__ = [
    "Document",
    "HistoryEntry",
    "NetworkShareError",
    "NewerVersionError",
    "NotAProjectError",
    "Project",
    "ProjectError",
    "ReadOnlyError",
]
