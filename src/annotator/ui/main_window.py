"""The main window: documents | text | labels, layers, spans here and the span table.

**Text first.** On first start the documents column and the side column get fixed widths
(``DOCUMENTS_WIDTH``, ``SIDE_WIDTH``, a bit more on wider screens) and the text the rest
(55% of 1280 px, 60% of 1920 px); in the side column the palette and the layer list are as
tall as their rows, "Spans here" three lines, the span table the rest. Secondary docks (readings, number value, search) start hidden. After that
the saved splitters and dock state win.

``MainWindow`` only assembles panels around one ``Session`` and wires the action registry to
them; behaviour lives in the panels (``editor``, ``span_table``, ``document_list``, ...).

**Extension points** for further panels (review, reading aids):

- ``window.session`` (:class:`annotator.ui.session.Session`): the project, current document
  and text, span index, labels, ``push(command)``, ``undo()``/``redo()``, ``reveal(start,
  end)`` (select and show a code-point range), ``focus_span(id)`` and fine-grained signals;
- ``window.add_panel(dock, area)``: adds a ``QDockWidget`` and a toggle action in the View
  menu, restoring its place from the saved window state (give the dock an ``objectName``);
- ``window.add_menu_action(menu_title, action)``: adds an action to a menu (created if new);
- ``register_panel(factory)``: ``factory(window)`` is called for every window created later
  (a window is created per opened project), so a panel survives opening another project.

**Other writers.** ``window.live`` (:class:`annotator.ui.live.LiveUpdates`) keeps the window
in step with other windows, the command line and merges (the session applies their history
rows; the status bar says what arrived), records this process in the project's presence table
(a banner above the panels names the other processes with the project open), and shows waits
for another program's write lock in the status bar.

**Team.** ``window.team`` (:class:`annotator.ui.team.TeamSync`) is the Team menu: Sync Now,
Automatic Sync every N seconds and a status-bar field (last sync, pending changes, offline);
each sync is an ``annotator sync`` process, whose pulled changes arrive like any other writer's.

**Layers.** ``window.layers`` (:class:`annotator.ui.layers.LayerPanel`, in the side column,
View > Layer List) shows or hides other annotators' layers; a toggle re-highlights the visible
lines at once and the rest from the event loop (lines scrolled into view first). Span > Copy
into My Layer copies the focused span of another layer. Clicking where my span and a
colleague's overlap focuses mine first (clicking again cycles on).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from annotator.services.wording import counted
from annotator.ui import theme
from annotator.ui.actions import MENUS, ActionRegistry, toolbar_twin
from annotator.ui.changes import plain
from annotator.ui.dialogs import project_files
from annotator.ui.dialogs.export_dialog import ExportDialog
from annotator.ui.dialogs.import_dialog import (
    ImportOutcome,
    import_with_encoding,
    import_with_format,
    run_import,
)
from annotator.ui.dialogs.messages import show_message
from annotator.ui.dialogs.prompts import ask_annotator_name, edit_note
from annotator.ui.document_list import DocumentListPanel
from annotator.ui.editor import NUDGES, AnnotationEditor
from annotator.ui.fonts import text_font
from annotator.ui.help_dialog import ShortcutsDialog
from annotator.ui.label_editor import LabelEditor
from annotator.ui.label_palette import LabelPalette
from annotator.ui.layers import LayerPanel, ReadOnlyGuard
from annotator.ui.live import LiveUpdates
from annotator.ui.overlap_panel import SpansHerePanel, innermost_first
from annotator.ui.relations_ui import RelationsUi
from annotator.ui.session import Session
from annotator.ui.settings import AppSettings
from annotator.ui.span_table import SpanTableView
from annotator.ui.status_bar import AnnotatorStatusBar
from annotator.ui.team import TeamSync
from annotator.ui.text_view import plain_text_html

__all__ = ["MainWindow", "register_panel"]

PanelFactory = Callable[["MainWindow"], object]
#: Least widths of the documents column and the side column on first start (at 1280 px; 14%
#: and 26% of a wider window); the text gets the rest.
DOCUMENTS_WIDTH = 200
SIDE_WIDTH = 364
_PANEL_FACTORIES: list[PanelFactory] = []


def register_panel(factory: PanelFactory) -> None:
    """Call ``factory(window)`` for every ``MainWindow`` created from now on."""
    _PANEL_FACTORIES.append(factory)


class MainWindow(QMainWindow):
    """The annotation window for one session (one open project).

    Emits ``openProjectRequested(path)`` when the user creates or opens another project (the
    application replaces this window), and ``closed()`` when the window has closed.
    """

    openProjectRequested = Signal(str)  # noqa: N815
    closed = Signal()

    def __init__(self, session: Session, settings: AppSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.session = session
        self.settings = settings
        self.label_editor: LabelEditor | None = None
        self.export_dialog: ExportDialog | None = None
        self.setAcceptDrops(True)
        # Japanese text in every panel: a font with the glyphs avoids per-glyph font fallback.
        self.setFont(text_font(max(self.font().pointSize(), 9)))
        self._build_panels()
        self.actions_registry = ActionRegistry(self)
        self._build_menus()
        self._connect_actions()
        self._connect_session()
        self._update_title()
        self._update_undo()
        self.relations = RelationsUi(self)  # relation arcs, list, Ctrl+R, attributes
        self.resize(1280, 800)
        self.live = LiveUpdates(session, self)
        self.live.othersChanged.connect(self._show_others)
        self.live.waitingChanged.connect(self.status.show_waiting)
        self.team = TeamSync(self)  # the Team menu and its status-bar field
        for factory in _PANEL_FACTORIES:
            factory(self)
        self.live.start()

    # -- building -------------------------------------------------------------------------------

    def _build_panels(self) -> None:
        session = self.session
        self.documents = DocumentListPanel(session, self)
        self.editor = AnnotationEditor(session, self)
        self.view = self.editor.view
        self.palette_panel = LabelPalette(session, self)
        self.spans_here = SpansHerePanel(session, self)
        self.layers = LayerPanel(session, self.settings, self)
        self.layers.restore_visibility()
        self.span_table = SpanTableView(session, self)
        self.editor.install_label_keys(self.span_table)
        self.editor.install_label_keys(self.spans_here)
        # After the editor's filters, so it sees label keys first: a focused colleague's span
        # answers every label key with the read-only message.
        self.read_only_guard = ReadOnlyGuard(session, self.view.selection_cp,
                                             self.view.is_composing, self)
        for widget in (self.view, self.span_table, self.spans_here):
            widget.installEventFilter(self.read_only_guard)
        self.side = QSplitter(Qt.Orientation.Vertical, self)
        self.side.setObjectName("sideSplitter")
        for widget in (self.palette_panel, self.layers, self.spans_here, self.span_table):
            self.side.addWidget(widget)
        self.side.setStretchFactor(3, 1)  # the span table takes what the others leave
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        for widget in (self.documents, self.editor, self.side):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self._first_start_sizes()
        self.presence_banner = QLabel(self)
        self.presence_banner.setObjectName("presenceBanner")
        self.presence_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.presence_banner.setWordWrap(True)
        self.presence_banner.setStyleSheet(
            "background:#e3eefc;color:#123a6b;padding:5px 8px;border-bottom:1px solid #b8cdea;")
        self.presence_banner.hide()
        central = QWidget(self)
        central.setObjectName("centralArea")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.presence_banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.status = AnnotatorStatusBar(session, self)
        self.setStatusBar(self.status)

    def _build_menus(self) -> None:
        registry = self.actions_registry
        self.menus: dict[str, QMenu] = {}
        for title in MENUS:
            menu = self.menuBar().addMenu(f"&{title}")
            self.menus[title] = menu
            for action in registry.in_menu(title):
                menu.addAction(action)
                self.addAction(action)  # shortcuts work even when the menu bar is hidden
                if action.objectName() == "file.open":
                    self.recent_menu = menu.addMenu("Open &Recent")
                    self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.toolbar = QToolBar("Main", self)
        self.toolbar.setObjectName("mainToolbar")
        # Undo and Redo change their text with every edit: the toolbar shows twins of them that
        # keep one word and change only when they are enabled or disabled, so an edit does not
        # lay out the toolbar and the window again (the Edit menu says what will be undone).
        self._toolbar_twins = {action_id: toolbar_twin(registry.action(action_id), self)
                               for action_id in ("edit.undo", "edit.redo")}
        for action_id in ("file.import_files", "file.export", "edit.undo", "edit.redo",
                          "edit.find", "edit.labels", "view.dark"):
            self.toolbar.addAction(self._toolbar_twins.get(action_id)
                                   or registry.action(action_id))
        self.addToolBar(self.toolbar)
        registry.action("view.dark").setChecked(theme.current_theme() == "dark")
        registry.action("view.layers").setChecked(True)

    def _connect_actions(self) -> None:
        r, editor, session = self.actions_registry, self.editor, self.session
        r.connect("file.new", self.new_project)
        r.connect("file.open", self.open_project)
        r.connect("file.import_files", self.import_files)
        r.connect("file.import_folder", self.import_folder)
        r.connect("file.import_encoding", self.import_files_with_encoding)
        r.connect("file.import_format", self.import_files_with_format)
        r.connect("file.export", self.export)
        r.connect("file.quit", self.close)
        r.connect("edit.undo", session.undo)
        r.connect("edit.redo", session.redo)
        r.connect("edit.find", editor.find_bar.open_bar)
        r.connect("edit.find_next", editor.find_bar.next_hit)
        r.connect("edit.find_previous", editor.find_bar.previous_hit)
        r.connect("edit.labels", self.edit_labels)
        r.connect("edit.annotator", self.change_annotator)
        r.connect("span.next", lambda: editor.step_span(True))
        r.connect("span.previous", lambda: editor.step_span(False))
        r.connect("span.delete", editor.delete_focused)
        r.connect("span.note", self.edit_focused_note)
        for action_id in NUDGES:
            r.connect(action_id, lambda a=action_id: editor.nudge(a))
        r.connect("span.unfocus", self._escape)
        r.connect("span.copy_mine", self.copy_focused_to_my_layer)
        r.action("view.layers").toggled.connect(self.layers.setVisible)
        r.connect("doc.next", lambda: self._step_document(1))
        r.connect("doc.previous", lambda: self._step_document(-1))
        r.connect("doc.status_new", lambda: session.set_status("new"))
        r.connect("doc.status_progress", lambda: session.set_status("in progress"))
        r.connect("doc.status_done", lambda: session.set_status("done"))
        r.connect("view.dark", self.toggle_theme)
        r.connect("help.shortcuts", self.show_shortcuts)
        r.connect("help.about", lambda: show_message(
            self, "About annotator", "annotator: label character spans in source texts.\n"
            "Every change is saved at once.", error=False))

    def _connect_session(self) -> None:
        session = self.session
        self.documents.documentActivated.connect(self.open_document)
        self.palette_panel.labelClicked.connect(self._palette_clicked)
        self.editor.message.connect(lambda text: self.status.showMessage(text, 6000))
        self.view.selectionChangedCp.connect(self._selection_changed)
        self.view.hoveredPositionChanged.connect(self._hovered)
        session.undoStateChanged.connect(self._update_undo)
        session.documentChanged.connect(lambda *_: self._update_title())
        session.annotatorChanged.connect(lambda *_: self._update_title())
        session.labelsChanged.connect(self._sync_shortcuts)
        session.layerVisibilityChanged.connect(self._layer_toggled)
        self.view.clickedCp.connect(self._prefer_my_span)  # after the editor's own handler
        self.view.verticalScrollBar().valueChanged.connect(self._draw_pending_lines)
        self._last_click: frozenset[str] = frozenset()
        self._sync_shortcuts()

    # -- extension points -----------------------------------------------------------------------

    def add_panel(self, dock: QDockWidget,
                  area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QAction:
        """Add ``dock`` (give it an ``objectName``) and a toggle action in the View menu."""
        self.addDockWidget(area, dock)
        action = dock.toggleViewAction()
        self.menus["View"].addAction(action)
        state = self.settings.window_state()
        if state is not None:
            self.restoreDockWidget(dock)
        return action

    def add_menu_action(self, menu_title: str, action: QAction) -> QMenu:
        """Add ``action`` to the menu called ``menu_title`` (created before Help if new)."""
        menu = self.menus.get(menu_title)
        if menu is None:
            menu = QMenu(f"&{menu_title}", self)
            self.menuBar().insertMenu(self.menus["Help"].menuAction(), menu)
            self.menus[menu_title] = menu
        menu.addAction(action)
        self.addAction(action)
        return menu

    # -- documents -------------------------------------------------------------------------------

    def open_document(self, document_id: int, scroll: int | None = None) -> None:
        """Show a document (and remember where the user was in the previous one)."""
        self._remember_position()
        try:
            self.session.open_document(document_id)
        except (KeyError, ValueError) as exc:
            self.session.errorOccurred.emit(str(exc))
            return
        if scroll is not None:
            self.view.verticalScrollBar().setValue(scroll)

    def _step_document(self, step: int) -> None:
        target = self.documents.neighbour(step)
        if target is not None:
            self.open_document(target)

    def restore(self) -> None:
        """Restore geometry, splitters and the last document (or open the first one), and put
        the keyboard in the text, so label keys work from the first key press."""
        self._restore_layout_and_document()
        self.view.setFocus()

    def _first_start_sizes(self) -> None:
        """Text first: the side columns get what they need, the text everything else (at
        1280x800 well over half the width); the side column's small panels are as tall as
        their rows, the span table takes the rest."""
        total = max(self.splitter.width(), self.width(), 1000)
        # Wider screens widen the side columns a little too (the span table's Text column).
        documents = max(DOCUMENTS_WIDTH, round(total * 0.14))
        side = max(SIDE_WIDTH, round(total * 0.26))
        self.splitter.setSizes([documents, max(420, total - documents - side), side])
        palette = self.palette_panel.rows_height()
        layers = self.layers.title.sizeHint().height() if self.layers.collapsed \
            else self.layers.rows_height(3)
        spans_here = self.spans_here.fontMetrics().height() * 3 + 12
        height = max(self.side.height(), 600)
        self.side.setSizes([palette, layers, spans_here,
                            max(200, height - palette - layers - spans_here)])

    def _restore_layout_and_document(self) -> None:
        settings = self.settings
        if (geometry := settings.geometry()) is not None:
            self.restoreGeometry(geometry)
        if (state := settings.window_state()) is not None:
            self.restoreState(state)
        if any(settings.splitter(s.objectName()) is None for s in (self.splitter, self.side)):
            layout = self.layout()
            if layout is not None:
                layout.activate()  # the splitters get their real size before they are shared
            self._first_start_sizes()
        for splitter in (self.splitter, self.side):
            if (sizes := settings.splitter(splitter.objectName())) is not None:
                splitter.restoreState(sizes)
        last = settings.last_document(str(self.session.project.path))
        docs = self.session.documents
        if last is not None:
            doc = docs.by_uid(last[0])  # one indexed query, whatever the corpus
            if doc is not None:
                self.open_document(doc.id, last[1])
                return
        if (first := docs.first()) is not None:
            self.open_document(first.id)

    def _remember_position(self) -> None:
        doc = self.session.document
        if doc is not None:
            self.settings.set_last_document(str(self.session.project.path), doc.uid,
                                            self.view.verticalScrollBar().value())

    # -- other writers ---------------------------------------------------------------------------

    def _show_others(self, others: list) -> None:  # type: ignore[type-arg]
        """Name the other processes with this project open in a window (or hide the banner)."""
        if not others:
            self.presence_banner.hide()
            return
        names = "; ".join(plain(record.describe()) for record in others)
        text = f"Also open in {names}: changes made there appear here within a second."
        self.presence_banner.setText(text)
        self.presence_banner.setToolTip(plain_text_html(text))
        self.presence_banner.show()

    # -- small handlers --------------------------------------------------------------------------

    def _update_title(self) -> None:
        doc = self.session.document
        parts = [doc.name] if doc else []
        parts += [self.session.project.path.name, f"{self.session.annotator}", "annotator"]
        self.setWindowTitle(" — ".join(parts))

    def _update_undo(self) -> None:
        session, r = self.session, self.actions_registry
        for action_id, can, text, verb in (
            ("edit.undo", session.undo_stack.can_undo(), session.undo_stack.undo_text(), "Undo"),
            ("edit.redo", session.undo_stack.can_redo(), session.undo_stack.redo_text(), "Redo"),
        ):
            action = r.action(action_id)
            action.setEnabled(can)
            action.setText(f"&{verb} {text}" if text else f"&{verb}")
            self._toolbar_twins[action_id].setEnabled(can)  # (a change only when it flips)

    def _sync_shortcuts(self) -> None:
        """A label key wins over a one-letter action shortcut (e.g. a label on "n")."""
        keys = {lab.key.casefold() for lab in self.session.labels if lab.key}
        spec = self.actions_registry.specs["span.note"]
        action = self.actions_registry.action("span.note")
        action.setShortcuts([s for s in spec.shortcuts if s.casefold() not in keys])

    def _selection_changed(self, start: int, end: int) -> None:
        self.status.set_selection(start, end)
        if self.spans_here.position < 0 or not self.view.underMouse():
            self.spans_here.set_position(self.view.cursor_cp() if end == start else start)

    def _hovered(self, cp: int) -> None:
        self.spans_here.set_position(cp if cp >= 0 else self.view.cursor_cp())

    def _palette_clicked(self, name: str) -> None:
        self.editor.apply_label(name)
        self.view.setFocus()

    def _escape(self) -> None:
        if self.editor.find_bar.isVisible():
            self.editor.find_bar.close_bar()
        else:
            self.session.focus_span(None)

    # -- layers ----------------------------------------------------------------------------------

    def visible_lines(self) -> tuple[int, int]:
        """First and last block number shown in the text view."""
        return self.view.blocks_in(self.view.viewport().rect())

    def _layer_toggled(self, _name: str, _visible: bool, _spans: list,  # type: ignore[type-arg]
                       blocks: list[int]) -> None:
        highlighter = self.editor.highlighter
        if highlighter is not None and blocks:
            highlighter.rehighlight_progressively(blocks, *self.visible_lines())
        self.status.refresh()

    def _draw_pending_lines(self, *_: object) -> None:
        highlighter = self.editor.highlighter
        if highlighter is not None and highlighter.pending:
            highlighter.flush(*self.visible_lines())

    def _prefer_my_span(self, cp: int) -> None:
        """A first click where spans overlap focuses my innermost span there, not a
        colleague's; clicking again on the same spans cycles as the editor does."""
        session = self.session
        spans = session.index.spans_at(cp) if cp >= 0 else []
        ids = frozenset(s.id for s in spans)
        again, self._last_click = ids == self._last_click, ids
        focused = session.focused_span()
        if again or focused is None or session.is_own(focused):
            return
        mine = innermost_first([s for s in spans if session.is_own(s)], session.annotator)
        if mine:
            session.focus_span(mine[0].id)

    def copy_focused_to_my_layer(self) -> None:
        """Span > Copy into My Layer: my copy of the focused span of another layer."""
        span = self.session.focused_span()
        if span is None:
            self.status.showMessage("No span is focused: click a colleague's span first.", 6000)
            return
        copy = self.session.copy_to_my_layer(span.id)
        if copy is not None:
            self.status.showMessage(
                f"Copied {plain(span.annotator)}'s {span.label!r} span into my layer.", 6000)

    def edit_focused_note(self) -> None:
        span = self.session.focused_span()
        if span is None:
            self.status.showMessage("No span is focused: click a span first.", 6000)
            return
        if not self.session.is_own(span):
            self.session.errorOccurred.emit(self.session.read_only_message(span))
            return
        note = edit_note(self, span.label, self.session.text[span.start:span.end], span.note)
        if note is not None and (note or None) != span.note:
            self.session.update_span(span.id, "Edit note", note=note or None)

    def change_annotator(self) -> None:
        name = ask_annotator_name(self, self.session.annotator)
        if name:
            self.settings.annotator = name
            self.session.set_annotator(name)

    def edit_labels(self) -> None:
        if self.label_editor is None:
            self.label_editor = LabelEditor(self.session, self)
        self.label_editor.show()
        self.label_editor.raise_()

    def toggle_theme(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            name = theme.apply_theme(app, "dark" if theme.current_theme() == "light" else "light")
            self.settings.theme = name
            self.actions_registry.action("view.dark").setChecked(name == "dark")

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self.session, self)
        dialog.show()

    # -- files -----------------------------------------------------------------------------------

    def _folder(self) -> str:
        return str(self.session.project.path.parent)

    def new_project(self) -> None:
        path = project_files.choose_new_project(self, self._folder())
        if path:
            self.openProjectRequested.emit(path)

    def open_project(self, path: str | None = None) -> None:
        path = path or project_files.choose_project(self, self._folder())
        if path:
            self.openProjectRequested.emit(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_projects:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(p))
        self.recent_menu.setEnabled(bool(self.settings.recent_projects))

    def import_files(self) -> None:
        paths = project_files.choose_import_files(self, self._folder())
        if paths:
            self.import_paths(paths)

    def import_folder(self) -> None:
        path = project_files.choose_import_folder(self, self._folder())
        if path:
            self.import_paths([path])

    def import_files_with_encoding(self) -> None:
        """Choose files, then their encoding ("Detect" or a name), then import them."""
        paths = project_files.choose_import_files(self, self._folder())
        if paths:
            outcome = import_with_encoding(self, self.session, paths)
            if outcome is not None:
                self._report_import(outcome)

    def import_files_with_format(self) -> None:
        """Choose files, then their format (auto or one by name), then import them."""
        paths = project_files.choose_import_files(self, self._folder())
        if paths:
            outcome = import_with_format(self, self.session, paths)
            if outcome is not None:
                self._report_import(outcome)

    def import_paths(self, paths: list[str]) -> None:
        """Import files/folders with a cancellable progress dialog; report in the window."""
        self._report_import(run_import(self, self.session, paths))

    def _report_import(self, outcome: ImportOutcome) -> None:
        if outcome.error:
            show_message(self, "Import failed", outcome.error + "\n\nNothing was imported.")
        elif outcome.cancelled:
            self.status.showMessage("Import cancelled: nothing was imported.", 8000)
        elif outcome.report is not None:
            self.status.showMessage("Imported: " + outcome.report.summary(), 10_000)
            if self.session.document is None and self.session.documents:
                self.open_document(self.session.documents[0].id)

    def export(self) -> None:
        dialog = ExportDialog(self.session, self, self._folder())
        dialog.exported.connect(lambda report: self.status.showMessage(
            f"Exported {counted(report.documents, 'document')}, {counted(report.spans, 'span')} "
            f"to {report.path}",
            10_000))
        dialog.failed.connect(lambda text: show_message(dialog, "Export failed", text))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_dialog = dialog
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # -- closing ---------------------------------------------------------------------------------

    def save_layout(self) -> None:
        """Write geometry, dock state, splitters and the current position to the settings."""
        settings = self.settings
        settings.set_geometry(self.saveGeometry())
        settings.set_window_state(self.saveState())
        for splitter in (self.splitter, self.side):
            settings.set_splitter(splitter.objectName(), splitter.saveState())
        self._remember_position()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.live.waiting:  # a write is waiting for the lock: close once it is saved
            event.ignore()
            self.status.showMessage(
                "A change is waiting for another program to finish writing; the window can "
                "close once it is saved.", 8000)
            return
        self.live.stop()
        self.save_layout()
        if self.label_editor is not None:
            self.label_editor.close()
        super().closeEvent(event)
        self.closed.emit()
