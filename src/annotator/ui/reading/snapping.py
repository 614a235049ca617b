"""Word snapping (off by default): a selection that ends inside a word grows to the word.

``WordSnapper`` snaps when a selection gesture ends, never during it (so a drag or Shift+Left
can still shrink a selection): on the mouse release of a drag, after a double-click, and when
Shift is released after selecting by keyboard. Off means character-exact. ``snap(start, end)``
is the hook for the window's own selection path (it returns the range unchanged when off).
Words are pykakasi segments, from the document's reading index when it is ready, else read
from the lines concerned.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent

from annotator.services.japanese import ReadingIndex
from annotator.services.japanese.local_tokens import snap_range
from annotator.ui.text_view import AnnotationTextView

__all__ = ["WordSnapper"]


class WordSnapper(QObject):
    """Snaps the selection of ``view`` to word boundaries while ``enabled``.

    Emits ``snapped(start, end)`` (code points) after it changed a selection, and
    ``enabledChanged(on)``. Expects ``index_provider()`` to return the current document's index
    or None.
    """

    snapped = Signal(int, int)
    enabledChanged = Signal(bool)  # noqa: N815

    def __init__(self, view: AnnotationTextView, index_provider: Callable[[], ReadingIndex | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self._index_provider = index_provider
        self._enabled = False
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, on: bool) -> None:
        if on != self._enabled:
            self._enabled = on
            self.enabledChanged.emit(on)

    def snap(self, start: int, end: int) -> tuple[int, int]:
        """The snapped form of ``[start, end)`` of the current text (unchanged when off, for an
        empty range, or for a range outside the text)."""
        text = self._view.canonical_text
        if not self._enabled or start >= end or not 0 <= start <= end <= len(text):
            return start, end
        index = self._index_provider()
        if index is not None and index.text is not text and index.text != text:
            index = None
        return snap_range(text, start, end, index)

    def snap_selection(self) -> bool:
        """Snap the view's selection now; True when it changed. Keeps the selection's direction."""
        start, end = self._view.selection_cp()
        new = self.snap(start, end)
        if new == (start, end):
            return False
        cursor = self._view.textCursor()
        backwards = cursor.position() < cursor.anchor()
        if backwards:
            self._view.select_cp(new[1], new[0], ensure_visible=False)
        else:
            self._view.select_cp(*new, ensure_visible=False)
        self.snapped.emit(*new)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if not self._enabled:
            return False
        kind = event.type()
        if watched is self._view.viewport() and isinstance(event, QMouseEvent):
            if (kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton) or (
                    kind == QEvent.Type.MouseButtonDblClick):
                # let the view finish its own selection first, then snap
                QTimer.singleShot(0, self, self.snap_selection)
        elif watched is self._view and kind == QEvent.Type.KeyRelease and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Shift and not event.isAutoRepeat():
                self.snap_selection()
        return False
