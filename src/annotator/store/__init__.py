"""The project store: the only package that talks to SQLite (through sqlite-utils)."""

from annotator.store.errors import (
    ConflictError,
    ProjectBusyError,
    NetworkShareError,
    NewerVersionError,
    NotAProjectError,
    ProjectError,
    ReadOnlyError,
)
from annotator.store.project import Document, HistoryEntry, Project
from annotator.store.review import REASONS, Decision

__all__ = [
    "ConflictError",
    "ProjectBusyError",
    "REASONS",
    "Decision",
    "Document",
    "HistoryEntry",
    "NetworkShareError",
    "NewerVersionError",
    "NotAProjectError",
    "Project",
    "ProjectError",
    "ReadOnlyError",
]
