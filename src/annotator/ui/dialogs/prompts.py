"""Small prompts: the annotator's name and a span's note (static ``QInputDialog`` calls)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from annotator.domain.spans import check_annotator
from annotator.services.importing import default_annotator

__all__ = ["ask_annotator_name", "edit_note"]


def ask_annotator_name(parent: QWidget | None, current: str = "") -> str | None:
    """Ask for the name recorded on spans, pre-filled with ``current`` or the OS user name.
    Returns a clean name, or None when cancelled. An invalid name is asked again."""
    name = current or default_annotator()
    prompt = "Your name, recorded on every span you create:"
    while True:
        text, ok = QInputDialog.getText(parent, "Annotator name", prompt, text=name)
        if not ok:
            return None
        name = " ".join(str(text).split())
        try:
            return check_annotator(name)
        except Exception as exc:  # noqa: BLE001 (shown to the user, then asked again)
            prompt = f"{exc}. Please enter a name:"


def edit_note(parent: QWidget | None, label: str, snippet: str, current: str | None) -> str | None:
    """Ask for a span's note (multi-line; empty removes it). None when cancelled."""
    if len(snippet) > 40:
        snippet = snippet[:39] + "…"
    text, ok = QInputDialog.getMultiLineText(
        parent, "Span note", f"Note for the {label} span “{snippet}” (empty: no note):",
        current or "")
    return str(text).strip() if ok else None
