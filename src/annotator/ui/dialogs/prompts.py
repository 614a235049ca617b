"""Small prompts: the annotator's name and a span's note (static ``QInputDialog`` calls; their
labels quote names and text, so they are given as :func:`literal_html`)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from annotator.domain.errors import AnnotatorError
from annotator.domain.spans import check_annotator
from annotator.services.importing import default_annotator
from annotator.ui.dialogs.messages import literal_html

__all__ = ["ask_annotator_name", "edit_note"]


def ask_annotator_name(parent: QWidget | None, current: str = "") -> str | None:
    """Ask for the name recorded on spans, pre-filled with ``current`` or the OS user name.
    Returns a clean name, or None when cancelled. An invalid name is asked again."""
    name = current or default_annotator()
    prompt = "Your name, recorded on every span you create:"
    while True:
        text, ok = QInputDialog.getText(parent, "Annotator name", literal_html(prompt), text=name)
        if not ok:
            return None
        name = " ".join(str(text).split())
        try:
            return check_annotator(name)
        except AnnotatorError as exc:  # shown to the user, then asked again
            prompt = f"{exc}. Please enter a name:"


def edit_note(parent: QWidget | None, label: str, snippet: str, current: str | None) -> str | None:
    """Ask for a span's note (multi-line; empty removes it). None when cancelled."""
    if len(snippet) > 40:
        snippet = snippet[:39] + "…"
    text, ok = QInputDialog.getMultiLineText(
        parent, "Span note",
        literal_html(f"Note for the {label} span “{snippet}” (empty: no note):"), current or "")
    return str(text).strip() if ok else None
