"""An undoable document-status change (``new`` / ``in progress`` / ``done``). Qt-free.

The core's command set has no status command; this one follows the same ``Command`` contract
(``do``/``undo`` each one committed project call) so the status goes through the undo stack too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotator.domain.commands import Command

__all__ = ["SetDocumentStatus"]


@dataclass
class SetDocumentStatus(Command):
    """Set a document's status; undo puts the previous one back."""

    document_id: int
    status: str
    who: str
    before: str | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Mark document {self.status!r}"

    def do(self, project: Any) -> None:
        if self.before is None:
            self.before = project.document(self.document_id).status
            project.set_document_status(self.document_id, self.status, who=self.who)
        else:  # redo: only from the state the undo left
            project.set_document_status(self.document_id, self.status, who=self.who,
                                        expect=self.before)

    def undo(self, project: Any) -> None:
        assert self.before is not None
        project.set_document_status(self.document_id, self.before, who=self.who,
                                    expect=self.status)
