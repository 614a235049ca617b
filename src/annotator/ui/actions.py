"""One registry of the window's actions, with their menus and default shortcuts.

``ACTIONS`` lists every action once (id, menu text, menu, default shortcuts, help). The window
creates ``QAction`` objects from it with ``ActionRegistry`` and connects each id to a handler;
the Help menu's shortcut list is generated from the same table, so it cannot drift.
Label keys (1-5 by default) come from the project's label set, not from this table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

__all__ = ["ACTIONS", "ActionRegistry", "ActionSpec", "shortcut_table"]


@dataclass(frozen=True)
class ActionSpec:
    """An action: ``id`` (stable), ``text`` (menu text), ``menu``, ``shortcuts`` (portable
    text, e.g. "Ctrl+Shift+Z"), ``help`` (one line for the shortcut list)."""

    id: str
    text: str
    menu: str
    shortcuts: tuple[str, ...] = ()
    help: str = ""
    checkable: bool = False


def _std(key: QKeySequence.StandardKey) -> tuple[str, ...]:
    return tuple(k.toString() for k in QKeySequence.keyBindings(key))


ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("file.new", "&New Project…", "File", ("Ctrl+Shift+N",), "Create a project file"),
    ActionSpec("file.open", "&Open Project…", "File", ("Ctrl+O",), "Open a project file"),
    ActionSpec("file.import_files", "&Import Texts…", "File", ("Ctrl+I",),
               "Import .txt or .jsonl files (or drop them on the window)"),
    ActionSpec("file.import_folder", "Import &Folder…", "File", ("Ctrl+Shift+I",),
               "Import every .txt and .jsonl file of a folder"),
    ActionSpec("file.import_encoding", "Import Texts with E&ncoding…", "File", (),
               "Import files read in an encoding you choose (when detection cannot tell)"),
    ActionSpec("file.import_format", "Import Files in a F&ormat…", "File", (),
               "Import files in a format you choose (Label Studio, doccano, CoNLL, ...)"),
    ActionSpec("file.export", "&Export…", "File", ("Ctrl+E",), "Export spans (JSONL, doccano, Label Studio)"),
    ActionSpec("file.quit", "&Quit", "File", ("Ctrl+Q",), "Quit (everything is already saved)"),
    # Edit
    ActionSpec("edit.undo", "&Undo", "Edit", ("Ctrl+Z",), "Undo the last change"),
    ActionSpec("edit.redo", "&Redo", "Edit", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo"),
    ActionSpec("edit.find", "&Find…", "Edit", ("Ctrl+F",), "Find in the current text"),
    ActionSpec("edit.find_next", "Find &Next", "Edit", ("F3",), "Next hit"),
    ActionSpec("edit.find_previous", "Find &Previous", "Edit", ("Shift+F3",), "Previous hit"),
    ActionSpec("edit.labels", "&Labels…", "Edit", ("Ctrl+L",),
               "Edit the label set (add, rename, recolour, re-key, describe, reorder)"),
    ActionSpec("edit.annotator", "Annotator &Name…", "Edit", (), "Change the name recorded on new spans"),
    # Span
    ActionSpec("span.next", "&Next Span", "Span", ("Alt+Down", "F8"), "Focus the next span"),
    ActionSpec("span.previous", "&Previous Span", "Span", ("Alt+Up", "Shift+F8"), "Focus the previous span"),
    ActionSpec("span.delete", "&Delete Span", "Span", ("Delete", "Backspace"), "Delete the focused span"),
    ActionSpec("span.note", "Edit N&ote…", "Span", ("N", "F2"), "Edit the focused span's note"),
    ActionSpec("span.end_right", "Extend End", "Span", ("Alt+Right",), "Move the focused span's end one character right"),
    ActionSpec("span.end_left", "Shrink End", "Span", ("Alt+Left",), "Move the focused span's end one character left"),
    ActionSpec("span.start_left", "Extend Start", "Span", ("Alt+Shift+Left",), "Move the focused span's start one character left"),
    ActionSpec("span.start_right", "Shrink Start", "Span", ("Alt+Shift+Right",), "Move the focused span's start one character right"),
    ActionSpec("span.copy_mine", "Copy into &My Layer", "Span", ("Ctrl+Shift+C",),
               "Copy the focused span of another layer (colleague, reviewed) into my layer"),
    ActionSpec("span.unfocus", "Clear Focus", "Span", ("Escape",), "Unfocus the span and close the find bar"),
    ActionSpec("relation.start", "Start &Relation", "Span", ("Ctrl+R",),
               "Start a relation at the focused span: move to the tail span and press Enter "
               "(or click it), then the type's key"),
    ActionSpec("relation.list", "Relation &List", "Span", ("Ctrl+Shift+L",),
               "Go to the focused span's relations (Enter: other end, T retype, R reverse, "
               "N note, Del delete)"),
    ActionSpec("span.attributes", "Span &Attributes…", "Span", ("Ctrl+T",),
               "Set an attribute of the focused span (a choice, yes/no, or a text)"),
    # Document
    ActionSpec("doc.next", "&Next Document", "Document", ("Ctrl+PgDown",), "Open the next document in the list"),
    ActionSpec("doc.previous", "&Previous Document", "Document", ("Ctrl+PgUp",), "Open the previous document in the list"),
    ActionSpec("doc.status_new", "Mark as &New", "Document", (), "Set the document's status"),
    ActionSpec("doc.status_progress", "Mark as &In Progress", "Document", (), "Set the document's status"),
    ActionSpec("doc.status_done", "Mark as &Done", "Document", ("Ctrl+D",), "Set the document's status"),
    # View
    ActionSpec("view.layers", "&Layer List", "View", (), "Show or hide the layer list",
               checkable=True),
    ActionSpec("view.label_tags", "Label &Tags", "View", ("Ctrl+Shift+G",),
               "Show or hide each span's label on the text", checkable=True),
    ActionSpec("view.relation_arcs", "Relation &Arcs", "View", (),
               "Show or hide the relations drawn on the text", checkable=True),
    ActionSpec("view.dark", "&Dark Theme", "View", ("Ctrl+Shift+T",), "Switch light/dark theme", checkable=True),
    # Team (annotator.ui.team)
    ActionSpec("team.sync", "Sync &Now", "Team", ("F5",),
               "Send my changes to the team hub and bring colleagues' changes"),
    ActionSpec("team.auto", "&Automatic Sync", "Team", (),
               "Sync with the team hub every few minutes (Team > Sync Every)", checkable=True),
    ActionSpec("team.setup", "&Join a Hub…", "Team", (),
               "Which hub this project syncs with, or how to set one up"),
    # Help
    ActionSpec("help.shortcuts", "&Keyboard Shortcuts", "Help", ("F1",), "This list"),
    ActionSpec("help.about", "&About", "Help", (), "About annotator"),
)

MENUS = ("File", "Edit", "Span", "Document", "View", "Team", "Help")


class ActionRegistry:
    """Creates and holds the ``QAction`` of every ``ActionSpec``; ``action(id)`` finds one.

    Shortcuts are window-wide (``Qt.WindowShortcut``); text inputs (find box, filters) keep
    their own editing keys because Qt gives focused line edits priority for them.
    """

    def __init__(self, parent: QObject, specs: Iterable[ActionSpec] = ACTIONS) -> None:
        self.specs = {spec.id: spec for spec in specs}
        self.actions: dict[str, QAction] = {}
        for spec in self.specs.values():
            action = QAction(spec.text, parent)
            action.setObjectName(spec.id)
            action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setCheckable(spec.checkable)
            action.setIconText(spec.text.replace("&", "").rstrip("…"))
            if spec.help:
                action.setStatusTip(spec.help)
            self.actions[spec.id] = action

    def action(self, action_id: str) -> QAction:
        """The action with this id (``KeyError`` if unknown)."""
        return self.actions[action_id]

    def connect(self, action_id: str, handler: Callable[[], object]) -> None:
        """Call ``handler()`` when the action is triggered."""
        self.actions[action_id].triggered.connect(lambda _checked=False: handler())

    def in_menu(self, menu: str) -> list[QAction]:
        """The actions of ``menu``, in table order."""
        return [self.actions[s.id] for s in self.specs.values() if s.menu == menu]


def shortcut_table(label_keys: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """``(keys, what)`` rows for the Help menu: label keys first, then every action."""
    rows = [(key, f"Label the selection as {name!r}, or relabel the focused span")
            for key, name in label_keys]
    rows += [
        ("Mouse drag, double-click", "Select text"),
        ("Shift+Arrows, Shift+Ctrl+Arrows", "Select text by keyboard"),
        ("Click on a span", "Focus it; click again to cycle through overlapping spans"),
    ]
    for spec in ACTIONS:
        if spec.shortcuts:
            rows.append((", ".join(spec.shortcuts), spec.text.replace("&", "").rstrip("…")))
    return rows


def toolbar_twin(real: QAction, parent: QObject) -> QAction:
    """A toolbar's stand-in for ``real`` (Undo, Redo: actions whose text changes with every
    edit): one word, its shortcut in the tooltip, triggering ``real``. The caller keeps its
    enabled state in step; an action that changes makes the toolbar and the window lay
    themselves out again, so the twin changes only when it is enabled or disabled."""
    twin = QAction(real.text().replace("&", "").split(" ")[0], parent)
    twin.setObjectName(f"{real.objectName()}.toolbar")
    shortcut = real.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    twin.setToolTip(f"{twin.text()} ({shortcut})" if shortcut else twin.text())
    twin.setEnabled(real.isEnabled())
    twin.triggered.connect(real.trigger)
    return twin
