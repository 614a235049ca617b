"""Small popups chosen from the keyboard: a list of choices, each with its key, and a one-line
text prompt. They serve the relation type step, retyping, and span attributes.

``KeyChooser`` shows a title and rows ``key  text`` (a colour mark when given). Pressing a
row's key chooses it at once; Up/Down and Enter choose the highlighted row; a click chooses the
row clicked; Esc (or the keyboard going elsewhere, e.g. a click outside) cancels. Emits
``chosen(value)`` or ``cancelled()``, once, and closes. ``TextPrompt`` is a line edit: Enter
emits ``entered(text)``, Esc ``cancelled()``. Both float over the window (child widgets, not
windows of their own) and take their keys before the window's shortcuts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.text_view import plain_text_html

__all__ = ["Choice", "KeyChooser", "TextPrompt"]


@dataclass(frozen=True)
class Choice:
    """One row: ``key`` (one character, or None), ``text``, the ``value`` it stands for, an
    optional ``color`` (``#rrggbb``) and a ``tooltip``."""

    key: str | None
    text: str
    value: Any
    color: str | None = None
    tooltip: str = ""


def _own_key(event: QKeyEvent) -> bool:
    """Keys a popup takes before the window's shortcuts: Esc, Enter, and typed characters."""
    if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
        return True
    mods = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                 | Qt.KeyboardModifier.KeypadModifier)
    text = event.text()
    return not mods and len(text) == 1 and text.isprintable()


def _swatch(color: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return pixmap


class _Popup(QFrame):
    """A framed box floating over ``parent``'s window (a child widget, not a window of its
    own: no window manager, no keyboard grab); the keyboard leaving it cancels it."""

    cancelled = Signal()

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setFrameShadow(QFrame.Shadow.Raised)
        self.setLineWidth(1)
        self.hide()
        self._done = False
        self.title = QLabel(title, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)

    def open_at(self, point: QPoint) -> None:
        """Show with the top-left corner at ``point`` (global), kept inside the window."""
        self.adjustSize()
        host = self.parentWidget()
        at = host.mapFromGlobal(point) if host is not None else point
        x, y = at.x(), at.y()
        if host is not None:
            if y + self.height() > host.height():  # no room below: above the point
                y = max(0, y - self.height() - 28)
            x = max(0, min(x, host.width() - self.width()))
        self.move(x, y)
        self.show()
        self.raise_()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not self._done and self.isVisible() and (new is None or not self.isAncestorOf(new)):
            self.cancel()

    def _finish(self) -> bool:
        if self._done:
            return False
        self._done = True
        app = QApplication.instance()
        if isinstance(app, QApplication):
            try:
                app.focusChanged.disconnect(self._focus_changed)
            except (RuntimeError, TypeError):
                pass
        self.hide()
        self.deleteLater()
        return True

    def cancel(self) -> None:
        """Close, emitting ``cancelled``."""
        if self._finish():
            self.cancelled.emit()

    def dismiss(self) -> None:
        """Close without emitting anything."""
        self._finish()


class KeyChooser(_Popup):
    """A popup list of ``choices``; see the module. ``hint`` is a line under the title."""

    chosen = Signal(object)

    def __init__(self, title: str, choices: list[Choice], parent: QWidget | None = None,
                 hint: str = "") -> None:
        super().__init__(title, parent)
        self.setObjectName("keyChooser")
        self.choices = list(choices)
        layout = self.layout()
        if hint:
            note = QLabel(hint, self)
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            layout.addWidget(note)
        self.list = QListWidget(self)
        self.list.setObjectName("keyChooserList")
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        size = max(8, self.fontMetrics().height() - 6)
        for choice in self.choices:
            key = f"{choice.key}   " if choice.key else "     "
            item = QListWidgetItem(key + choice.text)
            if choice.color:
                item.setIcon(_swatch(choice.color, size))
            if choice.tooltip:
                item.setToolTip(plain_text_html(choice.tooltip))
            self.list.addItem(item)
        if self.choices:
            self.list.setCurrentRow(0)
        rows = max(1, len(self.choices))
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 4 if self.choices else 20)
        self.list.setMinimumWidth(max(self.list.sizeHintForColumn(0) + 24, 220))
        self.list.itemActivated.connect(lambda item: self.choose(self.list.row(item)))
        self.list.itemClicked.connect(lambda item: self.choose(self.list.row(item)))
        self.list.installEventFilter(self)
        layout.addWidget(self.list)
        self.setFocusProxy(self.list)

    def choose(self, row: int) -> None:
        """Choose row ``row`` (emits ``chosen`` and closes)."""
        if 0 <= row < len(self.choices) and self._finish():
            self.chosen.emit(self.choices[row].value)

    def press(self, text: str) -> bool:
        """Choose the row whose key is ``text`` (case-insensitive); False if none."""
        folded = text.casefold()
        for row, choice in enumerate(self.choices):
            if choice.key is not None and choice.key.casefold() == folded:
                self.choose(row)
                return True
        return False

    def eventFilter(self, watched: Any, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.list and isinstance(event, QKeyEvent):
            if event.type() == QEvent.Type.ShortcutOverride and _own_key(event):
                event.accept()  # Esc, Enter and the choices' keys are the popup's
                return True
            if event.type() == QEvent.Type.KeyPress:
                return self._key(event)
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if not self._key(event):
            super().keyPressEvent(event)

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancel()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.choose(self.list.currentRow())
            return True
        text = event.text()
        if len(text) == 1 and text.isprintable() and not text.isspace():
            if not self.press(text):
                self.title.setToolTip("No choice has that key")
            return True
        return False


class TextPrompt(_Popup):
    """A one-line text popup (see the module): ``entered(text)`` or ``cancelled()``."""

    entered = Signal(str)

    def __init__(self, title: str, text: str = "", parent: QWidget | None = None,
                 hint: str = "") -> None:
        super().__init__(title, parent)
        self.setObjectName("textPrompt")
        self.edit = QLineEdit(text, self)
        self.edit.setObjectName("textPromptEdit")
        self.edit.setMinimumWidth(260)
        self.edit.selectAll()
        self.edit.installEventFilter(self)
        self.layout().addWidget(self.edit)
        if hint:
            note = QLabel(hint, self)
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            self.layout().addWidget(note)
        self.setFocusProxy(self.edit)

    def eventFilter(self, watched: Any, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.edit and event.type() == QEvent.Type.ShortcutOverride \
                and isinstance(event, QKeyEvent) and _own_key(event):
            event.accept()
            return True
        if watched is self.edit and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                self.cancel()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._finish():
                    self.entered.emit(self.edit.text())
                return True
        return super().eventFilter(watched, event)
