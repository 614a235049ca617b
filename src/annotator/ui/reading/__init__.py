"""Japanese reading aids in the annotation window: ``install(window)``.

Adds to a :class:`annotator.ui.main_window.MainWindow` (through its extension API only):

- docks (View menu toggles): *Readings* (hiragana + Hepburn of the selection or the word under
  the mouse, else of the focused span, marked as a dictionary guess), *Search by reading* (all documents, jump, label one
  or all hits as one undo step, alias editor) and *Number value* (the focused number span's
  value, corrected by hand as an undoable step); on first start all three are hidden, so the
  text gets the width, and the window's saved state brings back what the user opened;
- a *Reading* menu: Furigana (overlay, off by default), Word Snapping (off by default), Search
  by Reading, Aliases, Index All Documents, Cancel Indexing;
- background indexing of the current document, then of every document, with progress in the
  status bar; cancelled and waited for when the window closes;
- number values filled in when a span is created, relabelled or resized as a number span
  (within the same undo step, see :mod:`.number_hook`).

What it uses of the window: ``session`` (:class:`annotator.ui.session.Session`), ``view`` (the
:class:`~annotator.ui.text_view.AnnotationTextView`), ``add_panel(dock, area)``,
``add_menu_action(menu, action)``, ``open_document(id)``, ``statusBar()`` and the ``closed``
signal. To have every window get the aids: ``register_panel(install)`` at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QProgressBar

from annotator.services.japanese import ReadingIndex
from annotator.ui.reading.alias_editor import AliasEditor
from annotator.ui.reading.furigana import FuriganaOverlay
from annotator.ui.reading.indexer import ReadingIndexer
from annotator.ui.reading.number_hook import NumberValueHook
from annotator.ui.reading.number_panel import NumberValuePanel
from annotator.ui.reading.readings_panel import ReadingsPanel
from annotator.ui.reading.search_panel import SearchPanel
from annotator.ui.reading.snapping import WordSnapper

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

__all__ = ["ReadingAids", "install"]


class ReadingAids(QObject):
    """Everything the reading aids add to one window (kept as ``window.reading_aids``).

    Attributes: ``indexer``, ``readings``, ``search``, ``numbers`` (docks), ``furigana``
    (overlay), ``snapper``, ``number_hook``, ``actions`` (id -> QAction), ``alias_editor``
    (created on first use). Emits nothing itself; see each part.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        session = self.session = window.session
        view = window.view
        self.indexer = ReadingIndexer(session.project, self)
        self.readings = ReadingsPanel(self.current_index, window)
        self.search = SearchPanel(session, self.indexer, window.open_document, window)
        self.numbers = NumberValuePanel(session, window)
        self.furigana = FuriganaOverlay(view, self.current_index)
        self.snapper = WordSnapper(view, self.current_index, self)
        self.number_hook = NumberValueHook(session)
        self.alias_editor: AliasEditor | None = None
        self._build_status()
        self._build_actions()
        window.add_panel(self.readings, Qt.DockWidgetArea.RightDockWidgetArea)
        window.add_panel(self.numbers, Qt.DockWidgetArea.RightDockWidgetArea)
        window.add_panel(self.search, Qt.DockWidgetArea.BottomDockWidgetArea)
        if window.settings.window_state() is None:  # first run: the text gets the width
            window.tabifyDockWidget(self.readings, self.numbers)
            self.readings.raise_()
            for dock in (self.readings, self.numbers, self.search):
                dock.hide()  # View > Readings, Number value; Ctrl+Shift+F shows the search
        view.selectionChangedCp.connect(self.readings.show_selection)
        view.hoveredPositionChanged.connect(self.readings.show_hover)
        session.focusedSpanChanged.connect(self._focus_changed)
        session.spanUpdated.connect(lambda _old, new: new.id == session.focused_span_id
                                    and self._focus_changed(new.id))
        session.documentChanged.connect(self._document_changed)
        session.documentsChanged.connect(self.indexer.request_all)
        # Background indexing waits while the window works: switches and edits, also by code.
        for signal in (session.documentChanged, session.spanAdded, session.spanRemoved,
                       session.spanUpdated, session.spansReset, session.documentStatusChanged,
                       session.commandFinished, session.labelsChanged):
            signal.connect(self.indexer.note_activity)
        self.indexer.indexReady.connect(self._index_ready)
        self.indexer.stateChanged.connect(self._state)
        self.indexer.progress.connect(self._progress)
        self.indexer.failed.connect(lambda _d, msg: window.statusBar().showMessage(
            f"Reading aids: a document could not be indexed: {msg}", 10_000))
        self.search.aliasesRequested.connect(self.show_aliases)
        window.closed.connect(self.indexer.shutdown)
        if session.document is not None:
            self._document_changed(session.document.id)

    # -- building ---------------------------------------------------------------------------------

    def _build_status(self) -> None:
        bar = self.window.statusBar()
        self.state_label = QLabel(bar)
        self.state_label.setObjectName("readingIndexState")
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_bar = QProgressBar(bar)
        self.progress_bar.setObjectName("readingIndexProgress")
        self.progress_bar.setMaximumWidth(120)
        self.progress_bar.setRange(0, 100)
        self.progress_bar.hide()
        bar.addPermanentWidget(self.state_label)
        bar.addPermanentWidget(self.progress_bar)

    def _action(self, ident: str, text: str, shortcut: str | None = None, checkable: bool = False) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(ident)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        self.window.add_menu_action("Reading", action)
        self.actions[ident] = action
        return action

    def _build_actions(self) -> None:
        self.actions: dict[str, QAction] = {}
        self._action("reading.furigana", "&Furigana", "Ctrl+Shift+K", True).toggled.connect(
            self.furigana.set_enabled)
        self._action("reading.snap", "Word &Snapping", "Ctrl+Shift+W", True).toggled.connect(
            self.snapper.set_enabled)
        self._action("reading.search", "Search by &Reading…", "Ctrl+Shift+F").triggered.connect(
            self.show_search)
        self._action("reading.aliases", "Search &Aliases…").triggered.connect(self.show_aliases)
        self._action("reading.index_all", "&Index All Documents").triggered.connect(self.indexer.request_all)
        self._action("reading.cancel", "&Cancel Indexing").triggered.connect(self.indexer.cancel)

    # -- state ------------------------------------------------------------------------------------

    def current_index(self) -> ReadingIndex | None:
        """The current document's reading index, or None while it is being built."""
        doc = self.session.document
        return self.indexer.index(doc.id) if doc is not None else None

    def _document_changed(self, document_id: int) -> None:
        self.readings.set_text(self.session.text)
        self._focus_changed(None)
        self.indexer.request(document_id)
        self.indexer.request_all()
        self.furigana.update()

    def _focus_changed(self, _span_id: object) -> None:
        span = self.session.focused_span()
        self.readings.show_focused((span.start, span.end) if span is not None else None)

    def _index_ready(self, document_id: int) -> None:
        doc = self.session.document
        if doc is not None and doc.id == document_id:
            self.furigana.update()
            self.readings.refresh()

    def _state(self, text: str) -> None:
        self.state_label.setText(text)
        if not text or "cancelled" in text:
            self.progress_bar.hide()

    def _progress(self, _document_id: int, done: int, total: int) -> None:
        if total:
            bar = self.progress_bar
            bar.show()
            # QProgressBar.setValue repaints at once (painting whatever else is pending in the
            # window in the middle of an event); with updates off it only schedules a repaint
            # for the next frame, like every other widget.
            bar.setUpdatesEnabled(False)
            bar.setValue(100 * done // total)
            bar.setUpdatesEnabled(True)

    # -- actions ----------------------------------------------------------------------------------

    def show_search(self) -> None:
        self.search.show()
        self.search.raise_()
        self.search.query_edit.setFocus()
        self.search.query_edit.selectAll()

    def show_aliases(self) -> AliasEditor:
        if self.alias_editor is None:
            self.alias_editor = AliasEditor(self.session, self.window)
            self.alias_editor.aliasesChanged.connect(self.search.run_search)
        self.alias_editor.reload()
        self.alias_editor.show()
        self.alias_editor.raise_()
        return self.alias_editor


def install(window: MainWindow) -> ReadingAids:
    """Add the reading aids to ``window`` (once; a second call returns the same object)."""
    existing = getattr(window, "reading_aids", None)
    if isinstance(existing, ReadingAids):
        return existing
    aids = ReadingAids(window)
    window.reading_aids = aids  # type: ignore[attr-defined]
    return aids
