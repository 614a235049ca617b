"""The status bar: changes from elsewhere, document, selection in code points, span count,
annotator, save state.

Every field is a plain-text ``QLabel``. There is no unsaved state: each action is committed
before the window shows it, so the save field reads "saved", "not done" after a refused action,
or the waiting notice while a write waits for another program's write lock. The ``elsewhere``
field says for a while what arrived from other windows, the command line or a merge.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from annotator.services.wording import counted
from annotator.store import HistoryEntry, aggregates
from annotator.ui.changes import describe, plain
from annotator.ui.live import WAITING_TEXT
from annotator.ui.session import Session
from annotator.ui.text_view import plain_text_html

__all__ = ["AnnotatorStatusBar"]


class ElidedLabel(QLabel):
    """A plain-text label that shrinks with the window, ending its text with "…" (the whole
    text is its tooltip; ``text()`` returns it whole). A long document name or report never
    widens the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        if text == self._full:
            return  # (the status bar sets its fields again after every edit)
        self._full = text
        self.setToolTip(plain_text_html(text) if text else "")
        self._elide()

    def text(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 8,
                     super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(40, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        if shown != super().text():
            super().setText(shown)


def _label(name: str, elided: bool = False) -> QLabel:
    label = ElidedLabel() if elided else QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


#: How long the ``elsewhere`` field shows what arrived.
ELSEWHERE_MS = 30_000
_NOTICE_STYLE = "background:#e3eefc;color:#123a6b;padding:0 6px;border-radius:3px;"
_WAIT_STYLE = "background:#fff3cd;color:#5c4400;padding:0 4px;"
_ERROR_STYLE = "color:#b00020;"
#: Fields that keep their size while their text changes, and the text they are sized for.
_STEADY = {"selection": "Sel 1000000–1000000 (100000 chars)", "spans": "1000000 spans",
           "saved": "not done"}
#: Fields that shrink (with "…") rather than widen the window, and their stretch.
_ELIDED = {"elsewhere": 2, "document": 1}


class AnnotatorStatusBar(QStatusBar):
    """Permanent fields: ``elsewhere`` (hidden when empty), ``document``, ``selection``,
    ``spans``, ``annotator``, ``saved``.

    Expects the session's signals (``changesFromElsewhere`` fills ``elsewhere``);
    ``set_selection(start, end)`` is called by the window when the text view's selection
    changes (code points), ``show_waiting(bool)`` while a write waits for the lock.

    The ``spans`` field's tooltip is the progress of the project (:meth:`progress_text`):
    read from the counts the project file maintains when the tooltip is asked for, never
    per edit."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.fields = {name: _label(f"status_{name}", name in _ELIDED) for name in
                       ("elsewhere", "document", "selection", "spans", "annotator", "saved")}
        for name, field in self.fields.items():
            self.addPermanentWidget(field, _ELIDED.get(name, 0))
        # Fields whose text changes with every selection or edit have a fixed size (width and
        # height), as wide as their usual longest text: Qt then passes no geometry change on to
        # the status bar's layout (no relayout, no repaint of the status bar and the window
        # behind it on each key); a longer text widens its field while it is shown.
        metrics = self.fontMetrics()
        self._steady_width = {name: metrics.horizontalAdvance(widest) + 4
                              for name, widest in _STEADY.items()}
        for name, width in self._steady_width.items():
            self.fields[name].setFixedSize(width, self.fields[name].sizeHint().height())
        self._saved_style = ""
        self.fields["elsewhere"].setStyleSheet(_NOTICE_STYLE)
        self.fields["elsewhere"].hide()
        self.fields["spans"].installEventFilter(self)
        self._elsewhere_timer = QTimer(self)
        self._elsewhere_timer.setSingleShot(True)
        self._elsewhere_timer.timeout.connect(lambda: self.show_elsewhere([]))
        session.changesFromElsewhere.connect(self.show_elsewhere)
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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ToolTip and watched is self.fields["spans"]:
            self.fields["spans"].setToolTip(plain_text_html(self.progress_text()))
        return super().eventFilter(watched, event)

    def progress_text(self) -> str:
        """The current document's spans per layer, and the project's documents by status and
        spans per annotator, from the maintained counts (no span is counted here)."""
        session = self._session
        project = session.project
        lines = []
        doc = session.document
        if doc is not None:
            layers = aggregates.span_counts_by_annotator(project, doc.id).get(doc.id, {})
            lines.append(f"This document: {counted(sum(layers.values()), 'span')}" + (
                " (" + ", ".join(f"{plain(who)} {n:,}" for who, n in layers.items()) + ")"
                if layers else ""))
        statuses = aggregates.status_counts(project)
        lines.append(f"Project: {counted(sum(statuses.values()), 'document')} "
                     f"({statuses['done']:,} done, {statuses['in progress']:,} in progress, "
                     f"{statuses['new']:,} new), {counted(aggregates.span_total(project), 'span')}")
        per_annotator = aggregates.annotator_totals(project)
        if per_annotator:
            lines.append("By annotator: " + ", ".join(
                f"{plain(who)} {n:,}" for who, n in per_annotator.items()))
        return "\n".join(lines)

    def refresh(self) -> None:
        session = self._session
        doc = session.document
        self.fields["document"].setText(f"{doc.name} ({doc.status})" if doc else "No document")
        self._set_steady("spans", f"{len(session.index)} spans")
        self.fields["annotator"].setText(f"Annotator: {session.annotator}")

    def set_selection(self, start: int, end: int) -> None:
        """Show the selection (or cursor) in code points."""
        text = f"Sel {start}–{end} ({end - start} chars)" if end > start else f"Pos {start}"
        self._set_steady("selection", text)

    def _set_steady(self, name: str, text: str) -> None:
        field = self.fields[name]
        field.setText(text)
        width = max(self._steady_width[name], field.fontMetrics().horizontalAdvance(text) + 4)
        if width != field.width():  # a longer text than usual (or back from one)
            field.setFixedWidth(width)

    def _set_saved(self, text: str, style: str) -> None:
        self._set_steady("saved", text)
        if style != self._saved_style:  # (setting a style sheet re-polishes the label)
            self._saved_style = style
            self.fields["saved"].setStyleSheet(style)

    def _saved(self) -> None:
        self._set_saved("saved", "")

    def show_error(self, message: str) -> None:
        """Show an error (the project is unchanged) for a while."""
        self.showMessage(f"Not done: {message}", 10_000)
        self._set_saved("not done", _ERROR_STYLE)

    def show_waiting(self, waiting: bool) -> None:
        """Say that a write waits for another program's write lock (or stop saying it)."""
        if waiting:
            self._set_saved(WAITING_TEXT, _WAIT_STYLE)
        elif self.fields["saved"].text() == WAITING_TEXT:
            self._saved()

    def show_elsewhere(self, rows: Sequence[HistoryEntry]) -> None:
        """Say what arrived from elsewhere (``describe(rows)``) for ``ELSEWHERE_MS``; nothing
        for no rows."""
        field = self.fields["elsewhere"]
        text = describe(rows)
        lost = self._session.focus_lost_to
        if text and lost is not None:
            text += " (the focused span was deleted" + (f" by {plain(lost)})" if lost else ")")
        field.setText(text)  # (an ElidedLabel: its tooltip is the whole text)
        field.setVisible(bool(text))
        if text:
            self._elsewhere_timer.start(ELSEWHERE_MS)
