"""The status bar: document, selection in code points, span count, annotator, save state.

Every field is a plain-text ``QLabel``. There is no unsaved state: each action is committed
before the window shows it, so the save field always reads "saved" (or the last error).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from annotator.ui.session import Session

__all__ = ["AnnotatorStatusBar"]


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class AnnotatorStatusBar(QStatusBar):
    """Permanent fields: ``document``, ``selection``, ``spans``, ``annotator``, ``saved``.

    Expects the session's signals; ``set_selection(start, end)`` is called by the window when
    the text view's selection changes (code points)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.fields = {name: _label(f"status_{name}")
                       for name in ("document", "selection", "spans", "annotator", "saved")}
        for name, field in self.fields.items():
            self.addPermanentWidget(field, 1 if name == "document" else 0)
        session.documentChanged.connect(lambda *_: self.refresh())
        session.spanCountChanged.connect(lambda *_: self.refresh())
        session.spansReset.connect(self.refresh)
        session.documentStatusChanged.connect(lambda *_: self.refresh())
        session.annotatorChanged.connect(lambda *_: self.refresh())
        session.undoStateChanged.connect(self._saved)
        session.errorOccurred.connect(self.show_error)
        self.set_selection(0, 0)
        self.refresh()
        self._saved()

    def text(self, name: str) -> str:
        return self.fields[name].text()

    def refresh(self) -> None:
        session = self._session
        doc = session.document
        self.fields["document"].setText(f"{doc.name} ({doc.status})" if doc else "No document")
        self.fields["spans"].setText(f"{len(session.index)} spans")
        self.fields["annotator"].setText(f"Annotator: {session.annotator}")

    def set_selection(self, start: int, end: int) -> None:
        """Show the selection (or cursor) in code points."""
        text = f"Sel {start}–{end} ({end - start} chars)" if end > start else f"Pos {start}"
        self.fields["selection"].setText(text)

    def _saved(self) -> None:
        self.fields["saved"].setText("saved")
        self.fields["saved"].setStyleSheet("")

    def show_error(self, message: str) -> None:
        """Show an error (the project is unchanged) for a while."""
        self.showMessage(f"Not done: {message}", 10_000)
