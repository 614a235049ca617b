"""Making a relation from the keyboard or the mouse: head, tail, type.

``RelationCreator`` is a small mode of the annotation window:

1. **start** (Span > Start Relation, Ctrl+R) on the focused span of my layer: it becomes the
   head; the status bar says what to do next;
2. **tail**: move the focus to another span (Alt+Down / Alt+Up, F8, or any way of focusing a
   span) and press Enter (or Ctrl+R again), or click the span;
3. **type**: a popup lists only the relation types allowed from the head's label to the tail's
   label, each with its key; the key (or Enter on the highlighted row, or a click) creates the
   relation, saved at once as one undoable step, and the focus goes back to the head (to add
   another relation from it). Esc in the popup goes back to step 2; Esc in step 2 ends the mode.

While the mode waits for the tail, label keys do nothing (they would relabel the span passed
over) and the arcs show a dashed line from the head to the focused span. Emits
``activeChanged(active)``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QWidget

from annotator.domain.spans import Span
from annotator.ui.key_chooser import Choice, KeyChooser
from annotator.ui.overlap_panel import innermost_first
from annotator.ui.relation_actions import RelationActions, span_words
from annotator.ui.relation_state import RelationState
from annotator.ui.session import Session
from annotator.ui.text_view import AnnotationTextView

__all__ = ["RelationCreator"]

_CONFIRM = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class RelationCreator(QObject):
    """The head → tail → type steps (see the module). ``head_id`` is the head while active;
    ``chooser`` the type popup while it is open."""

    activeChanged = Signal(bool)  # noqa: N815 (Qt naming)
    message = Signal(str)

    def __init__(self, session: Session, state: RelationState, actions: RelationActions,
                 view: AnnotationTextView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = state
        self.actions = actions
        self.view = view
        self.head_id: str | None = None
        self.chooser: KeyChooser | None = None
        self._tail_id: str | None = None
        session.documentChanged.connect(lambda _id: self.cancel(quiet=True))
        session.spanRemoved.connect(self._span_removed)
        session.annotatorChanged.connect(lambda _name: self.cancel(quiet=True))
        view.clickedCp.connect(self._clicked)

    @property
    def active(self) -> bool:
        return self.head_id is not None

    def watch(self, widget: QWidget) -> None:
        """Take Enter, Esc and label keys in ``widget`` while the mode waits for the tail
        (install after the label keys' filters, so this one sees the keys first)."""
        widget.installEventFilter(self)

    # -- steps ------------------------------------------------------------------------------------

    def start(self) -> bool:
        """Step 1 on the focused span (or, while active, step 2 on it)."""
        session = self.session
        focused = session.focused_span()
        if self.chooser is not None:  # the type box is open: its keys choose
            return False
        if self.active:
            if focused is None or focused.id == self.head_id:
                self.message.emit("Move to the tail span first (Alt+Down / Alt+Up, or click "
                                  "it); Esc cancels the relation.")
                return False
            return self.pick_tail(focused.id)
        if focused is None:
            self.message.emit("Focus the head span first (click it, or Alt+Down / Alt+Up), "
                              "then start the relation.")
            return False
        if not session.is_own(focused):
            session.errorOccurred.emit(session.read_only_message(focused))
            return False
        if not self.state.types:
            self.message.emit("The project has no relation types (annotator relations add …).")
            return False
        self.head_id = focused.id
        self.activeChanged.emit(True)
        self.message.emit(
            f"Relation from {span_words(session, focused)}: move to the tail span "
            f"(Alt+Down / Alt+Up, then Enter; or click it). Esc cancels.")
        return True

    def cancel(self, quiet: bool = False) -> None:
        """End the mode without creating anything."""
        if self.chooser is not None:
            chooser, self.chooser = self.chooser, None
            chooser.dismiss()
        if self.head_id is None:
            return
        self.head_id = None
        self._tail_id = None
        self.activeChanged.emit(False)
        if not quiet:
            self.message.emit("No relation was made.")

    def head(self) -> Span | None:
        return self.session.index.get(self.head_id) if self.head_id else None

    def pick_tail(self, tail_id: str) -> bool:
        """Step 2: ``tail_id`` is the tail; opens the type popup (True) or says why not."""
        session = self.session
        head, tail = self.head(), session.index.get(tail_id)
        if head is None:
            self.cancel()
            return False
        if tail is None or tail.id == head.id:
            self.message.emit("Choose another span as the tail: a relation links two spans.")
            return False
        if not session.is_own(tail):
            self.message.emit(f"That span is in {tail.annotator}'s layer: a relation links two "
                              f"spans of my layer. Choose another tail, or Esc.")
            return False
        allowed = self.state.allowed_types(head.label, tail.label)
        if not allowed:
            back = self.state.allowed_types(tail.label, head.label)
            hint = (f" (from {tail.label!r} to {head.label!r}: "
                    f"{', '.join(rt.name for rt in back)}; start at the other end)") if back else ""
            self.message.emit(f"No relation type goes from a {head.label!r} span to a "
                              f"{tail.label!r} span{hint}. Choose another tail, or Esc.")
            return False
        self._tail_id = tail.id
        choices = [Choice(rt.key, rt.name, rt.name, rt.color, rt.description) for rt in allowed]
        chooser = KeyChooser(f"{span_words(session, head, 16)} → {span_words(session, tail, 16)}",
                             choices, self.view, hint="The type's key; Esc: another tail")
        chooser.setObjectName("relationTypeChooser")
        chooser.chosen.connect(self._type_chosen)
        chooser.cancelled.connect(self._type_cancelled)
        self.chooser = chooser
        chooser.open_at(self._popup_point(tail))
        chooser.setFocus()
        return True

    def _popup_point(self, span: Span) -> QPoint:
        view = self.view
        cursor = QTextCursor(view.document())
        cursor.setPosition(view.offsets.to_utf16(span.end))
        rect = view.cursorRect(cursor)
        return view.viewport().mapToGlobal(rect.bottomLeft() + QPoint(0, 4))

    def _type_chosen(self, type_name: Any) -> None:
        head_id, tail_id = self.head_id, self._tail_id
        self.chooser = None
        self.head_id = self._tail_id = None
        self.activeChanged.emit(False)
        if head_id is None or tail_id is None:
            return
        created = self.actions.create(head_id, tail_id, str(type_name))
        self.session.focus_span(head_id)
        self.view.setFocus()
        if created is not None:
            head, tail = self.session.index.get(head_id), self.session.index.get(tail_id)
            self.message.emit(f"Made {type_name!r}: {span_words(self.session, head)} → "
                              f"{span_words(self.session, tail)} (Ctrl+Z undoes it).")

    def _type_cancelled(self) -> None:
        self.chooser = None
        self._tail_id = None
        self.view.setFocus()
        if self.active:
            self.message.emit("Choose another tail span (Enter or a click), or Esc to cancel.")

    # -- keys and clicks --------------------------------------------------------------------------

    def _clicked(self, cp: int) -> None:
        """A click on a span of my layer while waiting for the tail picks it (innermost
        first; the head is skipped)."""
        if not self.active or self.chooser is not None or cp < 0:
            return
        mine = [s for s in self.session.index.spans_at(cp)
                if self.session.is_own(s) and s.id != self.head_id]
        if mine:
            self.pick_tail(innermost_first(mine, self.session.annotator)[0].id)

    def _span_removed(self, span: Span) -> None:
        if span.id == self.head_id:
            self.cancel(quiet=True)
            self.message.emit("The head span is gone: no relation was made.")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if not self.active or self.chooser is not None:
            return False
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Escape, *_CONFIRM):
                event.accept()  # the key comes here as a key press, not as a window shortcut
                return True
            return False
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key == Qt.Key.Key_Escape:
                self.cancel()
                return True
            if key in _CONFIRM:
                self.start()
                return True
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            text = event.text()
            if not mods or mods == Qt.KeyboardModifier.ShiftModifier:
                if len(text) == 1 and self.session.label_for_key(text) is not None:
                    self.message.emit("Choosing the tail of a relation: move with Alt+Down / "
                                      "Alt+Up and press Enter, or Esc to cancel.")
                    return True
        return False
