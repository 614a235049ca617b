"""Where the default project lives, and creating it on first use with the seed texts in it."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from annotator.store.fsinfo import file_kind
from annotator.services.shipped import shipped_dir
from annotator.store import Project, ProjectError

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


def check_project_path(path: Path) -> None:
    """Refuse (ProjectError), without opening it, a project path that is there but is not a
    regular file: a FIFO (opening it would block for ever), a device, a socket, a symlink loop
    or a link to nothing. A path that does not exist is left to :meth:`Project.open`."""
    if str(path) == "":
        raise ProjectError("the project path is empty")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise ProjectError(f"{path}: a symbolic link to nothing ({os.readlink(path)}), not "
                               f"a project file") from None
        return
    except OSError as exc:
        raise ProjectError(f"{path}: cannot open the project ({exc.strerror or exc})") from None
    except ValueError as exc:  # an embedded NUL byte
        raise ProjectError(f"{path!r}: not a usable path ({exc})") from None
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
        raise ProjectError(f"{path}: is a {file_kind(info.st_mode)}, not a project file")


def open_project(path: str | Path | None = None, *, who: str | None = None,
                 create: bool = True) -> Project:
    """Open ``path``, or the default project, creating it with the seed texts on first use
    (imported as ``who``'s, by default the operating-system user's).

    With ``create`` False a ``path`` that does not exist is refused (ProjectError) rather than
    created empty: a mistyped ``--db`` must not leave a new project behind. The import
    machinery is loaded only to seed a new default project.
    """
    if path is not None:
        check_project_path(Path(path))
        return Project.open(path, create=create)
    target = default_project_path()
    check_project_path(target)
    is_new = not target.exists()
    project = Project.open(target)
    seeds = seeds_dir()
    if is_new and seeds is not None:
        from annotator.services.importing import default_annotator, import_paths

        who = who or default_annotator()
        import_paths(project, [seeds], who=who, annotator=who)
    return project
