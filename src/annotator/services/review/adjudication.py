"""Building the adjudication steps of one document from the project's state.

The reviewed layer is the spans whose annotator is :func:`review_layer` (``reviewed`` by
default; a project can name another layer with the setting ``review.layer``, e.g. to keep two
rounds of review apart). The commands themselves are in :mod:`annotator.domain.review_commands`.
"""

from __future__ import annotations

from collections.abc import Sequence

from annotator.domain.commands import Command
from annotator.domain.review_commands import (
    DEFAULT_LAYER,
    Decide,
    SetReviewStatus,
    accept_agreed,
    with_status,
)
from annotator.domain.spans import Span, check_annotator
from annotator.services.review.alignment import Kind, Unit, disagreement_units
from annotator.store import Project

__all__ = [
    "LAYER_SETTING",
    "accept_all_command",
    "agreed_with_sources",
    "decision_command",
    "review_layer",
    "set_review_layer",
    "status_command",
]

LAYER_SETTING = "review.layer"


def review_layer(project: Project) -> str:
    """The reviewed layer's annotator name for this project."""
    name = project.setting(LAYER_SETTING)
    return name if isinstance(name, str) and name.strip() else DEFAULT_LAYER


def set_review_layer(project: Project, name: str, *, who: str) -> None:
    """Name the reviewed layer (a clean one-line annotator name)."""
    project.set_setting(LAYER_SETTING, check_annotator(name), who=who)


def agreed_with_sources(units: Sequence[Unit]) -> list[tuple[int, int, str, list[Span]]]:
    """Every ``(start, end, label)`` all chosen annotators marked, with their spans, by position."""
    found: dict[tuple[int, int, str], list[Span]] = {}
    for unit in units:
        for mark in unit.marks:
            if mark.kind is Kind.AGREE:
                span = mark.span
                found.setdefault((span.start, span.end, span.label), []).append(span)  # type: ignore[arg-type]
    return [(*key, found[key]) for key in sorted(found)]


def decision_command(project: Project, decision: Decide) -> Command:
    """``decision``, with the automatic ``not reviewed`` -> ``in review`` when it applies."""
    status = project.review_status(decision.document_id)
    return with_status(decision, decision.document_id, status, decision.who)


def accept_all_command(
    project: Project, document_id: int, annotators: Sequence[str], who: str
) -> Command | None:
    """One step accepting every span all ``annotators`` agree on and the reviewed layer lacks;
    ``None`` when there is none."""
    layer = review_layer(project)
    spans = project.spans(document_id, annotators=list(annotators) + [layer])
    units = disagreement_units([s for s in spans if s.annotator != layer], annotators)
    existing = [(s.start, s.end, s.label) for s in spans if s.annotator == layer]
    compound = accept_agreed(document_id, agreed_with_sources(units), existing, who, layer)
    if compound is None:
        return None
    return with_status(compound, document_id, project.review_status(document_id), who)


def status_command(project: Project, document_id: int, status: str, who: str) -> Command | None:
    """A step setting the review status (``None`` when it already is that)."""
    if project.review_status(document_id) == status:
        return None
    return SetReviewStatus(document_id, status, who)
