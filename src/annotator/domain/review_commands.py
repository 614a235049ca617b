"""Adjudication as undoable commands: accept, accept with changes, reject, add; review status.

A :class:`Decide` command writes, in one transaction, the reviewed span it produces (a new span
whose annotator is the reviewed layer's name; none for a rejection) and the decision record
(who, when, the source spans as they were, the optional reason). Undo deletes both, also in
one transaction; redo puts back the very same span and decision (ids and times fixed by the
first do). Colleagues' spans are never changed: accepting *with changes* creates a reviewed
span with another label and/or other bounds and leaves the source as it was.

Review status (``not reviewed`` / ``in review`` / ``reviewed``): :func:`with_status` makes the
first decision on a ``not reviewed`` document also set it ``in review``, in the same undoable
step (undo puts ``not reviewed`` back). ``reviewed`` is only ever set by the reviewer
(:class:`SetReviewStatus`).

Like :mod:`annotator.domain.commands`, this module knows the project only through a protocol,
so it stays free of SQLite and Qt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from annotator.domain.commands import Command, Compound
from annotator.domain.spans import Span, new_span_id

__all__ = [
    "DEFAULT_LAYER",
    "Decide",
    "ReviewProjectLike",
    "SetReviewStatus",
    "accept_agreed",
    "with_status",
]

DEFAULT_LAYER = "reviewed"
"""The reviewed layer's annotator name unless the project setting ``review.layer`` names one."""


class ReviewProjectLike(Protocol):
    """What review commands need (``annotator.store.Project`` provides it)."""

    def add_span(self, document_id: int, start: int, end: int, label: str, annotator: str, *,
                 span_id: str | None = ..., who: str | None = ...) -> Span: ...
    def restore_span(self, span: Span, *, who: str) -> Span: ...
    def delete_span(self, span_id: str, *, who: str, expect: Span | None = ...) -> Span: ...
    def add_decision(self, document_id: int, decision: str, *, who: str,
                     source_spans: Sequence[Span] = ..., result_span_id: str | None = ...,
                     reason: str | None = ..., decision_id: str | None = ...,
                     at: str | None = ...) -> Any: ...
    def delete_decision(self, decision_id: str, *, who: str) -> Any: ...
    def review_status(self, document_id: int) -> str: ...
    def set_review_status(self, document_id: int, status: str, *, who: str,
                          expect: str | None = ...) -> None: ...
    def atomic(self) -> contextlib.AbstractContextManager[Any]: ...


_TEXTS = {
    "accept": "Accept span",
    "accept_with_changes": "Accept span with changes",
    "reject": "Reject span",
    "add": "Add reviewed span",
}


@dataclass
class Decide(Command):
    """One adjudication decision and the reviewed span it produces.

    ``decision``: ``accept``, ``accept_with_changes``, ``reject`` or ``add``. ``result``:
    ``(start, end, label)`` of the reviewed span to create (``None`` for ``reject``).
    ``sources``: the colleagues' spans the decision is about (none for ``add``).
    """

    document_id: int
    decision: str
    who: str
    sources: tuple[Span, ...] = ()
    result: tuple[int, int, str] | None = None
    layer: str = DEFAULT_LAYER
    reason: str | None = None
    span_id: str = field(default_factory=new_span_id)
    decision_id: str = field(default_factory=new_span_id)
    created: Span | None = None
    at: str | None = None

    def __post_init__(self) -> None:
        if self.decision not in _TEXTS:
            raise ValueError(f"unknown decision {self.decision!r}")
        if (self.result is None) != (self.decision == "reject"):
            raise ValueError("a rejection creates no span; every other decision creates one")
        self.reason = (self.reason or "").strip() or None

    @property
    def text(self) -> str:  # type: ignore[override]
        return _TEXTS[self.decision]

    def do(self, project: ReviewProjectLike) -> None:  # type: ignore[override]
        with project.atomic():
            if self.result is not None:
                if self.created is None:
                    start, end, label = self.result
                    self.created = project.add_span(self.document_id, start, end, label,
                                                    self.layer, span_id=self.span_id, who=self.who)
                else:
                    project.restore_span(self.created, who=self.who)
            record = project.add_decision(
                self.document_id, self.decision, who=self.who, source_spans=self.sources,
                result_span_id=self.span_id if self.result is not None else None,
                reason=self.reason, decision_id=self.decision_id, at=self.at)
            self.at = record.at

    def undo(self, project: ReviewProjectLike) -> None:  # type: ignore[override]
        with project.atomic():
            project.delete_decision(self.decision_id, who=self.who)
            if self.result is not None:
                # The reviewed span as the decision made it: edited since, it is kept.
                project.delete_span(self.span_id, who=self.who, expect=self.created)

    def affected_spans(self) -> set[str]:
        return {self.span_id} if self.result is not None else set()


@dataclass
class SetReviewStatus(Command):
    """Set a document's review status; undo puts the previous one back."""

    document_id: int
    status: str
    who: str
    before: str | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Mark document {self.status!r}"

    def do(self, project: ReviewProjectLike) -> None:  # type: ignore[override]
        if self.before is None:
            self.before = project.review_status(self.document_id)
            project.set_review_status(self.document_id, self.status, who=self.who)
        else:  # redo
            project.set_review_status(self.document_id, self.status, who=self.who,
                                      expect=self.before)

    def undo(self, project: ReviewProjectLike) -> None:  # type: ignore[override]
        assert self.before is not None
        project.set_review_status(self.document_id, self.before, who=self.who,
                                  expect=self.status)


def with_status(command: Command, document_id: int, status: str, who: str) -> Command:
    """``command`` alone, or with ``not reviewed`` -> ``in review`` in the same step.

    ``status``: the document's review status before the command.
    """
    if status != "not reviewed":
        return command
    return Compound([command, SetReviewStatus(document_id, "in review", who)],
                    description=command.text)


def accept_agreed(
    document_id: int,
    agreed: Iterable[tuple[int, int, str, Sequence[Span]]],
    existing: Iterable[tuple[int, int, str]],
    who: str,
    layer: str = DEFAULT_LAYER,
) -> Compound | None:
    """One step accepting every agreed ``(start, end, label, sources)`` not already in the
    reviewed layer (``existing``: its ``(start, end, label)``); ``None`` when nothing is left."""
    have = set(existing)
    children: list[Command] = [
        Decide(document_id, "accept", who, tuple(sources), (start, end, label), layer)
        for start, end, label, sources in agreed if (start, end, label) not in have
    ]
    if not children:
        return None
    n = len(children)
    return Compound(children, description=f"Accept {n} agreed span{'' if n == 1 else 's'}")
