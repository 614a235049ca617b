"""The readings panel: hiragana and Hepburn romaji of the selection, the word under the mouse,
the focused span, or the word at the caret (in that order).

Readings are pykakasi's dictionary guesses without context (金正恩 comes out as かねまさ おん);
the panel says so on every reading it shows. Everything shown is plain text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QFormLayout, QLabel, QWidget

from annotator.services.japanese import ReadingIndex
from annotator.services.japanese.local_tokens import reading_of, snap_range

__all__ = ["MAX_READING_CHARS", "ReadingsPanel"]

#: Longer selections are read up to this many characters (the panel is an aid, not a converter).
MAX_READING_CHARS = 400
GUESS_NOTE = "Dictionary guess (pykakasi), read without context: an aid, never data."


def _label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class ReadingsPanel(QDockWidget):
    """Shows the reading of a code-point range of the current text.

    Expects ``show_selection(start, end)`` (a non-empty selection wins),
    ``show_hover(cp)`` (the word under the mouse, -1 when none) and ``show_focused(range)``
    (the focused span's code-point range, None when no span is focused) calls, ``set_text(text)`` when
    the document changes and ``index_provider()`` returning the current document's
    :class:`ReadingIndex` or None (then the lines concerned are read on the fly). Updates are
    coalesced by a short timer. Emits nothing.
    """

    def __init__(self, index_provider: Callable[[], ReadingIndex | None], parent: QWidget | None = None) -> None:
        super().__init__("Readings", parent)
        self.setObjectName("readingsDock")
        self._index_provider = index_provider
        self._text = ""
        self._selection = (0, 0)
        self._hover = -1
        self._focused: tuple[int, int] | None = None
        body = QWidget(self)
        form = QFormLayout(body)
        self.surface = _label(body, "readingSurface")
        self.hira = _label(body, "readingHiragana")
        self.romaji = _label(body, "readingRomaji")
        self.note = _label(body, "readingNote")
        self.note.setText(GUESS_NOTE)
        self.note.setStyleSheet("color: palette(mid); font-size: small;")
        form.addRow("Text", self.surface)
        form.addRow("Hiragana", self.hira)
        form.addRow("Romaji", self.romaji)
        form.addRow(self.note)
        self.setWidget(body)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self.refresh)
        self._stale = False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def set_text(self, text: str) -> None:
        """The current document's text changed: clear the panel."""
        self._text = text
        self._selection, self._hover, self._focused = (0, 0), -1, None
        self.refresh()

    def show_selection(self, start: int, end: int) -> None:
        self._selection = (start, end)
        self._timer.start()

    def show_hover(self, cp: int) -> None:
        self._hover = cp
        self._timer.start()

    def show_focused(self, rng: tuple[int, int] | None) -> None:
        """The focused span's range (read when nothing is selected and the mouse is elsewhere)."""
        self._focused = rng
        self._timer.start()

    def current_range(self) -> tuple[int, int] | None:
        """The range the panel reads: the selection, else the word under the mouse, else the
        focused span, else the word at the cursor (None when there is no text)."""
        text = self._text
        if not text:
            return None
        start, end = self._selection
        if start < end:
            return start, min(end, start + MAX_READING_CHARS)
        focused = self._focused
        if not 0 <= self._hover < len(text) and focused is not None:
            a, b = max(0, focused[0]), min(len(text), focused[1])
            if a < b:
                return a, min(b, a + MAX_READING_CHARS)
        cp = self._hover if 0 <= self._hover < len(text) else min(start, len(text) - 1)
        if text[cp].isspace():
            return None
        return snap_range(text, cp, cp, self._index_provider())

    def _full_length(self) -> int:
        """Length of the selection, else of the focused span when it is read (for the "…")."""
        start, end = self._selection
        if start < end:
            return end - start
        if self._focused is not None and not 0 <= self._hover < len(self._text):
            return self._focused[1] - self._focused[0]
        return 0

    def refresh(self) -> None:
        """Read the current range now (when the panel is hidden or a tab behind another: when it
        is shown again; nothing is read for a panel nobody sees)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        rng = self.current_range()
        if rng is None or rng[0] == rng[1]:
            for label in (self.surface, self.hira, self.romaji):
                label.clear()
            return
        start, end = rng
        r = reading_of(self._text, start, end, self._index_provider())
        cut = "…" if self._full_length() > MAX_READING_CHARS else ""
        self.surface.setText(r.surface + cut)
        self.hira.setText(r.hira + cut)
        self.romaji.setText(r.hepburn + cut)
