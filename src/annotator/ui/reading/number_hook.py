"""Number values follow number spans through the undo stack, within the user's own step.

``NumberValueHook`` listens to the session's undo stack. After a command is done for the first
time it looks at what the command did (a ``Compound``'s children too):

- a span created with the number label (``numbers.label``, default ``number``) and no value
  gets the value parsed from its text;
- a span relabelled *as* number without a value gets one; relabelled *away* from number it
  loses its value (a number value on an ``actor`` span would be false data);
- a number span resized by hand gets its value parsed again, unless the value was set by hand.

The value is written to the same span at once and put into the command itself (``CreateSpan``
keeps the span it created, ``UpdateSpan`` its changes and resulting state), so undo and redo
treat creation and value as ONE step. A window that already passes ``value=`` to ``CreateSpan``
(as the search panel does) is left alone. Qt is used only for the signals of the session.
"""

from __future__ import annotations

from typing import Any

from annotator.domain.commands import Command, CreateSpan, UpdateSpan, iter_commands
from annotator.domain.spans import Span
from annotator.services.japanese.number_values import number_label, parse_value
from annotator.ui.guarded import USER_ERRORS
from annotator.ui.session import Session

__all__ = ["NumberValueHook"]


class NumberValueHook:
    """Subscribes to ``session.undo_stack``; see the module docstring. ``enabled`` turns it off."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.enabled = True
        session.undo_stack.subscribe(self._after)

    def label(self) -> str:
        return number_label(self.session.project)

    def _after(self, command: Command, what: str) -> None:
        if what != "do" or not self.enabled:
            return
        label = self.label()
        for cmd in iter_commands(command):
            try:
                if isinstance(cmd, CreateSpan):
                    self._created(cmd, label)
                elif isinstance(cmd, UpdateSpan):
                    self._updated(cmd, label)
            except USER_ERRORS as exc:
                self.session.errorOccurred.emit(f"The number value could not be set: {exc}")

    def _created(self, cmd: CreateSpan, label: str) -> None:
        span = cmd.created
        if span is None or span.label != label or span.value is not None:
            return
        new = self._write(span, parse_value(self.session.project.text(span.document_id)[span.start:span.end]),
                          span.updated_at)
        cmd.value, cmd.created = new.value, new

    def _updated(self, cmd: UpdateSpan, label: str) -> None:
        before, after = cmd.before, cmd.after
        if before is None or after is None or "value" in cmd.changes:
            return
        value: Any = after.value
        if after.label == label and (after.value is None or before.label != label):
            value = self._parsed(after)
        elif after.label != label and before.label == label and after.value is not None:
            value = None
        elif after.label == label and (before.start, before.end) != (after.start, after.end):
            if not (after.value or {}).get("manual"):
                value = self._parsed(after)
        if value == after.value:
            return
        new = self._write(after, value, after.updated_at)
        cmd.changes = {**cmd.changes, "value": value}
        cmd.after = new

    def _parsed(self, span: Span) -> dict[str, Any]:
        return parse_value(self.session.project.text(span.document_id)[span.start:span.end])

    def _write(self, span: Span, value: dict[str, Any] | None, updated_at: str) -> Span:
        """Store ``value`` on ``span`` (same update time: one step) and refresh the session."""
        session = self.session
        new = session.project.update_span(span.id, who=session.annotator, value=value, updated_at=updated_at)
        old = session.index.get(span.id)
        if old is not None and old != new:
            session.index.update(new)
            session.spanUpdated.emit(old, new)
        return new
