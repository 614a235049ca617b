"""Messages shown in the window, and how any user string (a name, a path, an error that quotes
them) is put on screen: always as plain text, never as markup.

Qt guesses whether a string is rich text (``Qt.mightBeRichText``) wherever a widget's format is
``AutoText``: tooltips, the static ``QMessageBox``/``QInputDialog`` functions, a ``QLabel`` left
at its default. A label named ``<b>x</b><img src=x>`` would be drawn bold, with an image box.
So message boxes made here are ``PlainText``; APIs that take rich text get
:func:`literal_html`, markup that shows the string character for character. Control and
invisible format characters (ESC, U+202E ...) are shown as escapes (``\\x1b``, ``\\u202e``)
in both, except the line breaks and tabs a message lays itself out with.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from annotator.domain.text import escape_unsafe
from annotator.ui.text_view import plain_text_html

__all__ = ["confirm", "literal_html", "show_message", "shown_text"]


def shown_text(text: str) -> str:
    """``text`` with control and invisible format characters escaped, line breaks and tabs
    kept."""
    return "\n".join("\t".join(escape_unsafe(part) for part in line.split("\t"))
                     for line in text.split("\n"))


def literal_html(text: str) -> str:
    """Rich text that shows ``text`` literally (see the module docstring): for tooltips and
    the labels of static dialogs."""
    return plain_text_html(shown_text(text))


def show_message(parent: QWidget, title: str, text: str, *, error: bool = True) -> QMessageBox:
    """Open a window-modal message (plain text, never HTML) with ``open()`` and return it."""
    box = QMessageBox(QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information,
                      title, shown_text(text), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorMessage" if error else "infoMessage")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def confirm(parent: QWidget, title: str, text: str, on_yes: Callable[[], object]) -> QMessageBox:
    """Ask a Yes/No question in a window-modal, plain-text box opened with ``open()`` (the
    event loop keeps running); ``on_yes()`` runs when Yes is clicked, nothing on No or Escape.
    The box's ``objectName`` is "confirmMessage"."""
    box = QMessageBox(QMessageBox.Icon.Question, title, shown_text(text),
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setObjectName("confirmMessage")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def clicked(button: QAbstractButton) -> None:
        if box.standardButton(button) == QMessageBox.StandardButton.Yes:
            on_yes()

    box.buttonClicked.connect(clicked)
    box.open()
    return box
