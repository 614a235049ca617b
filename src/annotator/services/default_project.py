"""Where the default project lives, and creating it on first use with the seed texts in it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from annotator.services.importing import import_paths
from annotator.services.shipped import shipped_dir
from annotator.store import Project

DATA_DIR_ENV = "ANNOTATOR_DATA_DIR"
DEFAULT_PROJECT_NAME = "default.annotator"


def data_dir() -> Path:
    """The user's data folder for annotator (``$ANNOTATOR_DATA_DIR`` overrides it)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "annotator"


def default_project_path() -> Path:
    """The path of the default project file."""
    return data_dir() / DEFAULT_PROJECT_NAME


def seeds_dir() -> Path | None:
    """The folder of seed texts shipped with the project, when it can be found."""
    return shipped_dir("seeds")


def open_project(path: str | Path | None = None, *, who: str, create: bool = True) -> Project:
    """Open ``path``, or the default project, creating it with the seed texts on first use.

    With ``create`` False a ``path`` that does not exist is refused (ProjectError) rather than
    created empty: a mistyped ``--db`` must not leave a new project behind.
    """
    if path is not None:
        return Project.open(path, create=create)
    target = default_project_path()
    is_new = not target.exists()
    project = Project.open(target)
    seeds = seeds_dir()
    if is_new and seeds is not None:
        import_paths(project, [seeds], who=who, annotator=who)
    return project
