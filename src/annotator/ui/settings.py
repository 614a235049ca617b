"""Typed access to the user's settings (one ``QSettings``), so no other module touches keys.

Stored per user (not per project): the annotator's name, recent projects, window geometry and
state, splitter sizes, the last project/document and its scroll position, the theme, whether
label tags are shown, whether the layer list is collapsed, the last export's folder, whether
and how often the window syncs with the team hub, and, per project, the layers that are hidden.
Tests pass their own ``QSettings`` (an INI file in a temporary folder).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

__all__ = ["AppSettings", "MAX_RECENT"]

MAX_RECENT = 10
THEMES = ("light", "dark")


class AppSettings:
    """A thin typed wrapper over ``QSettings``. Every setter writes through at once."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings if settings is not None else QSettings("annotator", "annotator")

    # -- helpers --------------------------------------------------------------------------------

    def _str(self, key: str, default: str = "") -> str:
        value = self.qsettings.value(key, default)
        return value if isinstance(value, str) else default

    def _int(self, key: str, default: int = 0) -> int:
        value = self.qsettings.value(key, default)
        try:
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return default

    def _bool(self, key: str, default: bool) -> bool:
        value = self.qsettings.value(key, default)
        if isinstance(value, str):  # INI files and some back ends store "true" / "false"
            return value.strip().casefold() not in ("false", "0", "no", "off", "")
        return bool(value) if value is not None else default

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def _set(self, key: str, value: object) -> None:
        self.qsettings.setValue(key, value)
        self.qsettings.sync()

    # -- who ------------------------------------------------------------------------------------

    @property
    def annotator(self) -> str:
        """The annotator's name ('' until asked)."""
        return self._str("annotator/name").strip()

    @annotator.setter
    def annotator(self, name: str) -> None:
        self._set("annotator/name", name.strip())

    # -- projects -------------------------------------------------------------------------------

    @property
    def recent_projects(self) -> list[str]:
        """Recently opened project files, most recent first."""
        value = self.qsettings.value("projects/recent", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if isinstance(v, str) and v]

    def add_recent_project(self, path: str) -> None:
        """Put ``path`` first in the recent list (kept to ``MAX_RECENT`` entries)."""
        recent = [path, *(p for p in self.recent_projects if p != path)][:MAX_RECENT]
        self._set("projects/recent", recent)

    def remove_recent_project(self, path: str) -> None:
        """Drop ``path`` from the recent list (e.g. it no longer exists)."""
        self._set("projects/recent", [p for p in self.recent_projects if p != path])

    # -- window -----------------------------------------------------------------------------------

    def geometry(self) -> QByteArray | None:
        """Saved ``QMainWindow.saveGeometry()``."""
        return self._bytes("window/geometry")

    def set_geometry(self, data: QByteArray) -> None:
        self._set("window/geometry", data)

    def window_state(self) -> QByteArray | None:
        """Saved ``QMainWindow.saveState()`` (docks, toolbars)."""
        return self._bytes("window/state")

    def set_window_state(self, data: QByteArray) -> None:
        self._set("window/state", data)

    def splitter(self, name: str) -> QByteArray | None:
        """Saved ``QSplitter.saveState()`` of the splitter called ``name``."""
        return self._bytes(f"splitters/{name}")

    def set_splitter(self, name: str, data: QByteArray) -> None:
        self._set(f"splitters/{name}", data)

    # -- where the user was -----------------------------------------------------------------------

    def last_document(self, project: str) -> tuple[str, int] | None:
        """``(document uid, scroll position)`` last shown in ``project``, if any."""
        uid = self._str(f"last/{_key(project)}/document")
        return (uid, self._int(f"last/{_key(project)}/scroll")) if uid else None

    def set_last_document(self, project: str, uid: str, scroll: int) -> None:
        """Not written through at once (every document switch calls it, and a switch must
        stay fast): ``QSettings`` writes it from the event loop shortly after, and when it is
        destroyed."""
        self.qsettings.setValue(f"last/{_key(project)}/document", uid)
        self.qsettings.setValue(f"last/{_key(project)}/scroll", int(scroll))

    # -- layers ---------------------------------------------------------------------------------

    def hidden_layers(self, project: str) -> list[str]:
        """Names of the layers hidden in ``project`` (remembered per project file)."""
        value = self.qsettings.value(f"layers/{_key(project)}/hidden", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if isinstance(v, str) and v]

    def set_hidden_layers(self, project: str, names: list[str]) -> None:
        """Not written through at once (a toggle must stay fast): ``QSettings`` writes it from
        the event loop shortly after, and when it is destroyed."""
        self.qsettings.setValue(f"layers/{_key(project)}/hidden", sorted(names))

    # -- export ---------------------------------------------------------------------------------

    @property
    def export_folder(self) -> str:
        """The folder of the last export ('' before the first one)."""
        return self._str("export/folder")

    @export_folder.setter
    def export_folder(self, folder: str) -> None:
        self._set("export/folder", str(folder))

    # -- look -------------------------------------------------------------------------------------

    @property
    def theme(self) -> str:
        """``"light"`` or ``"dark"``."""
        value = self._str("view/theme", "light")
        return value if value in THEMES else "light"

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("view/theme", value if value in THEMES else "light")

    @property
    def label_tags(self) -> bool:
        """Whether label tags are drawn on the text (View > Label Tags; on by default)."""
        return self._bool("view/label_tags", True)

    @label_tags.setter
    def label_tags(self, on: bool) -> None:
        self._set("view/label_tags", bool(on))

    @property
    def relation_arcs(self) -> bool:
        """Whether relations are drawn on the text (View > Relation Arcs; on by default)."""
        return self._bool("view/relation_arcs", True)

    @relation_arcs.setter
    def relation_arcs(self, on: bool) -> None:
        self._set("view/relation_arcs", bool(on))

    @property
    def layers_collapsed(self) -> bool:
        """Whether the layer list is collapsed to its title (off by default)."""
        return self._bool("view/layers_collapsed", False)

    @layers_collapsed.setter
    def layers_collapsed(self, collapsed: bool) -> None:
        self._set("view/layers_collapsed", bool(collapsed))

    # -- team hub -------------------------------------------------------------------------------

    @property
    def team_auto_sync(self) -> bool:
        """Whether the window syncs with the project's hub on its own (Team > Automatic
        Sync; off by default)."""
        return self._bool("team/auto_sync", False)

    @team_auto_sync.setter
    def team_auto_sync(self, on: bool) -> None:
        self._set("team/auto_sync", bool(on))

    @property
    def team_sync_seconds(self) -> int:
        """Seconds between automatic syncs (Team > Sync Every; 60 by default, at least 1)."""
        return max(1, self._int("team/sync_seconds", 60))

    @team_sync_seconds.setter
    def team_sync_seconds(self, seconds: int) -> None:
        self._set("team/sync_seconds", max(1, int(seconds)))

    def team_last_sync(self, project: str) -> float | None:
        """When a window last synced ``project`` with its hub (seconds since the epoch)."""
        value = self.qsettings.value(f"team/{_key(project)}/last_sync")
        try:
            return float(value) if value is not None else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    def set_team_last_sync(self, project: str, when: float) -> None:
        self._set(f"team/{_key(project)}/last_sync", float(when))


def _key(path: str) -> str:
    """A settings-safe key for a file path (QSettings treats / and \\ as groups)."""
    import hashlib

    return hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]
