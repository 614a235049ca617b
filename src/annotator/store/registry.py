"""One connection per project file per process, and no other descriptor on an open project.

On POSIX, closing *any* descriptor of a file drops every advisory lock the process holds on it
(sqlite.org, "How To Corrupt An SQLite Database File", 2.2). SQLite guards its own connections
against this, but a plain ``open()`` of an open project (a header sniff, an importer or a merge
reading it, an export writing over it) would let another process think it is alone, checkpoint
and delete the write-ahead log in use. So this module keeps the projects open in this process,
keyed by the file's device and inode, and refuses any other use of those files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.store.errors import ProjectError

if TYPE_CHECKING:
    from annotator.store.project import Project

FileKey = tuple[int, int]

_open: dict[FileKey, Project] = {}


def file_key(path: str | Path) -> FileKey | None:
    """``(device, inode)`` of ``path`` (following links), or None when it cannot be stat'ed.

    ``os.stat`` opens no descriptor, so it is safe on an open project."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def register(key: FileKey, project: Project) -> None:
    _open[key] = project


def unregister(project: Project) -> None:
    for key, value in list(_open.items()):
        if value is project:
            del _open[key]


def open_project_at(path: str | Path) -> Project | None:
    """The project open in this process at ``path`` (same file, whatever its name), if any."""
    key = file_key(path)
    return None if key is None else _open.get(key)


def project_of_file(path: str | Path) -> Project | None:
    """The open project whose file, write-ahead log or shared-memory file ``path`` is."""
    key = file_key(path)
    if key is None:
        return None
    if key in _open:
        return _open[key]
    for project in _open.values():
        for suffix in ("-wal", "-shm", "-journal"):
            if file_key(f"{project.path}{suffix}") == key:
                return project
    return None


def check_not_open(path: str | Path, doing: str) -> None:
    """Refuse (ProjectError) when ``path`` is a project (or its log) open in this process.

    ``doing`` says what was asked, e.g. "import", "merge", "export onto"."""
    project = project_of_file(path)
    if project is not None:
        raise ProjectError(
            f"{path}: this is the project open here ({project.path}); it cannot {doing} "
            f"itself. To bring in a colleague's work, use their export or their own project file"
        )


def open_projects() -> list[Project]:
    """Every project open in this process."""
    return list(dict.fromkeys(_open.values()))
