"""Small prompts: the annotator's name (a one-line ``QInputDialog``: Enter accepts) and a
span's note (``NoteDialog``: Ctrl+Enter accepts, Enter starts a new line, Tab moves the focus).
Their labels quote names and text, so they are shown literally (:func:`literal_html`, or a
plain-text label)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from annotator.domain.errors import AnnotatorError
from annotator.domain.spans import check_annotator
from annotator.services.importing import default_annotator
from annotator.ui.dialogs.messages import literal_html, shown_text

__all__ = ["NoteDialog", "ask_annotator_name", "edit_note"]


def ask_annotator_name(parent: QWidget | None, current: str = "") -> str | None:
    """Ask for the name recorded on spans, pre-filled with ``current`` or the OS user name.
    Returns a clean name, or None when cancelled. An invalid name is asked again."""
    name = current or default_annotator()
    prompt = "Your name, recorded on every span you create:"
    while True:
        dialog = QInputDialog(parent)
        dialog.setObjectName("annotatorNameDialog")
        dialog.setWindowTitle("Annotator name")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setLabelText(literal_html(prompt))
        dialog.setTextValue(name)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:  # Enter accepts, Escape cancels
                return None
            text = dialog.textValue()
        finally:
            dialog.deleteLater()
        name = " ".join(str(text).split())
        try:
            return check_annotator(name)
        except AnnotatorError as exc:  # shown to the user, then asked again
            prompt = f"{exc}. Please enter a name:"


class NoteDialog(QDialog):
    """A span's note: a multi-line field with OK and Cancel.

    Ctrl+Enter (or Ctrl+Return) accepts from anywhere in the dialog; Enter in the field starts
    a new line; Tab and Shift+Tab move the focus (to the buttons) and never type a tab;
    Escape cancels. ``note()`` is the field's text without surrounding whitespace.
    """

    def __init__(self, parent: QWidget | None, label: str, snippet: str,
                 current: str | None) -> None:
        super().__init__(parent)
        self.setObjectName("noteDialog")
        self.setWindowTitle("Span note")
        if len(snippet) > 40:
            snippet = snippet[:39] + "…"
        prompt = QLabel(shown_text(f"Note for the {label} span “{snippet}” (empty: no note):"),
                        self)
        prompt.setTextFormat(Qt.TextFormat.PlainText)
        prompt.setWordWrap(True)
        self.edit = QPlainTextEdit(self)
        self.edit.setObjectName("noteEdit")
        self.edit.setTabChangesFocus(True)
        self.edit.setPlainText(current or "")
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.End)
        self.edit.installEventFilter(self)
        hint = QLabel("Ctrl+Enter saves · Enter starts a new line · Esc cancels", self)
        hint.setObjectName("noteHint")
        hint.setEnabled(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.edit, 1)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.resize(420, 220)
        self.edit.setFocus()

    def note(self) -> str:
        return self.edit.toPlainText().strip()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.edit and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and self._is_accept_key(event):
            self.accept()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if self._is_accept_key(event):
            self.accept()
            return
        super().keyPressEvent(event)

    @staticmethod
    def _is_accept_key(event: QKeyEvent) -> bool:
        return (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier))


def edit_note(parent: QWidget | None, label: str, snippet: str, current: str | None) -> str | None:
    """Ask for a span's note with a ``NoteDialog`` (multi-line; empty removes it). None when
    cancelled."""
    dialog = NoteDialog(parent, label, snippet, current)
    try:
        return dialog.note() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
