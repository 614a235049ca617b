"""Setting a span's attributes from the keyboard (Span > Span Attributes…, Ctrl+T).

``AttributeChooser.open()`` acts on the focused span of my layer:

- when its label declares several attributes, a popup lists them (keys 1, 2, …, each with its
  current value); with one, that one is taken at once;
- a **choice** attribute then offers its choices (keys 1, 2, …; **0** clears the value);
- a **flag** (yes/no) is toggled at once (unset or no → yes, yes → no);
- a **text** attribute opens a line edit with the current value (Enter sets it, an empty text
  clears it, Esc leaves it).

Each change is one undoable step. ``short_form(span)`` is how a span's values are written in
short (``reported``, ``osint, ✓confirmed``) for the tooltip, ``tag_suffix(span)`` its cut on
the span's label tag (``claim · reported``).
Emits ``message(text)`` for the status bar.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPoint, Signal
from PySide6.QtGui import QTextCursor

from annotator.domain.relations import Attribute
from annotator.domain.spans import Span
from annotator.ui.key_chooser import Choice, KeyChooser, TextPrompt
from annotator.ui.relation_actions import RelationActions, span_words
from annotator.ui.relation_state import RelationState
from annotator.ui.session import Session
from annotator.ui.text_view import AnnotationTextView

__all__ = ["AttributeChooser", "short_form", "tag_suffix", "value_text"]

_KEYS = "123456789abcdefghijklmnopqrstuvwxyz"


def value_text(value: Any) -> str:
    """A value as shown: ``yes``/``no`` for a flag, the text otherwise."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def short_form(span: Span, limit: int = 24) -> str:
    """The span's attribute values in short: ``reported``; a flag set to yes is its name with
    ✓, to no ``✗name``; texts cut to ``limit`` characters. Empty when it has none."""
    parts = []
    for name, value in sorted(span.attributes.items()):
        if value is True:
            parts.append(f"✓{name}")
        elif value is False:
            parts.append(f"✗{name}")
        else:
            text = str(value)
            parts.append(text if len(text) <= limit else text[: limit - 1] + "…")
    return ", ".join(parts)


def tag_suffix(span: Span) -> str:
    """What a span's tag shows after its label: its attribute values in short, at most 16
    characters ("" when it has none)."""
    attributes = getattr(span, "attributes", None)
    if not attributes:
        return ""
    text = short_form(span, limit=10)
    return text if len(text) <= 16 else text[:15] + "…"


class AttributeChooser(QObject):
    """The attribute popups of the focused span (see the module). ``popup`` is the one open."""

    message = Signal(str)

    def __init__(self, session: Session, state: RelationState, actions: RelationActions,
                 view: AnnotationTextView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = state
        self.actions = actions
        self.view = view
        self.popup: KeyChooser | TextPrompt | None = None

    def _point(self, span: Span) -> QPoint:
        view = self.view
        cursor = QTextCursor(view.document())
        cursor.setPosition(view.offsets.to_utf16(span.end))
        return view.viewport().mapToGlobal(view.cursorRect(cursor).bottomLeft() + QPoint(0, 4))

    def open(self) -> bool:
        """Start on the focused span; False (with a message) when there is nothing to set."""
        session = self.session
        span = session.focused_span()
        if span is None:
            self.message.emit("No span is focused: click a span, or use Alt+Down / Alt+Up.")
            return False
        if not session.is_own(span):
            session.errorOccurred.emit(session.read_only_message(span))
            return False
        attributes = self.state.attributes_of(span.label)
        if not attributes:
            self.message.emit(f"Label {span.label!r} declares no attributes "
                              f"(annotator attributes add {span.label} NAME …).")
            return False
        if len(attributes) == 1:
            return self.edit(span, attributes[0])
        choices = [Choice(_KEYS[i], self._row(a, span), a, None, a.description)
                   for i, a in enumerate(attributes[: len(_KEYS)])]
        chooser = KeyChooser(f"Attributes of {span_words(session, span, 20)}", choices,
                             self.view, hint="The attribute's key; Esc: done")
        chooser.setObjectName("attributeChooser")
        span_id = span.id
        chooser.chosen.connect(lambda a: self._attribute_chosen(span_id, a))
        chooser.cancelled.connect(self._closed)
        return self._show(chooser, span)

    @staticmethod
    def _row(attribute: Attribute, span: Span) -> str:
        value = span.attributes.get(attribute.name)
        shown = "—" if value is None else value_text(value)
        kind = {"choice": "", "flag": " (yes/no)", "text": " (text)"}[attribute.kind]
        return f"{attribute.name}{kind}: {shown}"

    def _show(self, popup: KeyChooser | TextPrompt, span: Span) -> bool:
        self.popup = popup
        popup.open_at(self._point(span))
        popup.setFocus()
        return True

    def _closed(self) -> None:
        self.popup = None
        self.view.setFocus()

    def _attribute_chosen(self, span_id: str, attribute: Any) -> None:
        self.popup = None
        span = self.session.index.get(span_id)
        if span is None:
            self.view.setFocus()
            return
        self.edit(span, attribute)

    def edit(self, span: Span, attribute: Attribute) -> bool:
        """The value step for ``attribute`` of ``span`` (a flag is toggled at once)."""
        session = self.session
        current = span.attributes.get(attribute.name)
        if attribute.kind == "flag":
            value = current is not True
            done = self.actions.set_attribute(span.id, attribute.name, value)
            self.view.setFocus()
            if done:
                self.message.emit(f"{attribute.name}: {value_text(value)} (Ctrl+Z undoes it).")
            return done
        span_id, name = span.id, attribute.name
        if attribute.kind == "text":
            prompt = TextPrompt(f"{attribute.qualified} of {span_words(session, span, 20)}",
                                str(current or ""), self.view,
                                hint="Enter sets it (empty: clears it); Esc leaves it")
            prompt.entered.connect(lambda text: self._set(span_id, name, text.strip() or None))
            prompt.cancelled.connect(self._closed)
            return self._show(prompt, span)
        choices = [Choice(_KEYS[i], c + ("  ✓" if c == current else ""), c)
                   for i, c in enumerate(attribute.choices[: len(_KEYS)])]
        if current is not None:
            choices.append(Choice("0", "clear the value", None))
        chooser = KeyChooser(f"{attribute.qualified} of {span_words(session, span, 20)}",
                             choices, self.view, hint="The value's key; Esc: leave it")
        chooser.setObjectName("attributeValueChooser")
        chooser.chosen.connect(lambda value: self._set(span_id, name, value))
        chooser.cancelled.connect(self._closed)
        return self._show(chooser, span)

    def _set(self, span_id: str, name: str, value: Any) -> None:
        self._closed()
        if self.actions.set_attribute(span_id, name, value):
            shown = "cleared" if value is None else value_text(value)
            self.message.emit(f"{name}: {shown} (Ctrl+Z undoes it).")
