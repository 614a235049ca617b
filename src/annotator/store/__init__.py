"""The project store: the only package that talks to SQLite (through sqlite-utils)."""

import sys


def _import_sqlite_utils() -> None:
    """Import sqlite-utils without pandas and NumPy.

    sqlite-utils imports pandas and NumPy when they are installed (to map their types in
    inserts, which the store never does). With the ``hf`` extra or the test extra they are, and
    importing them cost every ``annotator`` command and the window's start about 2.5 s. They
    are hidden only while sqlite-utils is first imported; later imports of them work as usual.
    """
    if "sqlite_utils.db" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import pandas" raises ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


_import_sqlite_utils()


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
