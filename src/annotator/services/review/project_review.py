"""Agreement and consistency over a project: what ``annotator agree``/``check`` and the app run.

Both the command line and the review windows call these functions, so they show the same
numbers. Documents are keyed in an agreement result by their ``uid`` (the ``id`` of the native
export, stable across projects), not by the project's internal row id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from annotator.domain.errors import DataError
from annotator.services.exporting import select_documents
from annotator.services.review.agreement import compute_agreement
from annotator.services.review.consistency import Finding, check_consistency
from annotator.services.review.results import AgreementResult
from annotator.store import Project

__all__ = ["KeyedSpan", "project_agreement", "project_consistency"]


class KeyedSpan(NamedTuple):
    """A span as the agreement reads it, its document given by ``uid``."""

    id: str
    document_id: str
    start: int
    end: int
    label: str
    annotator: str


def _check_names(project: Project, annotators: Sequence[str] | None,
                 labels: Sequence[str] | None) -> None:
    if annotators:
        known = set(project.annotators())
        unknown = [name for name in annotators if name not in known]
        if unknown:
            raise DataError(f"no spans by annotator(s): {', '.join(unknown)} (annotators in the "
                            f"project: {', '.join(sorted(known)) or 'none'})")
    if labels:
        known = {label.name for label in project.labels()}
        unknown = [name for name in labels if name not in known]
        if unknown:
            raise DataError(f"unknown label(s): {', '.join(unknown)} "
                            f"(the project has: {', '.join(sorted(known))})")


def project_agreement(
    project: Project,
    annotators: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
) -> AgreementResult:
    """Agreement of ``annotators`` (the first is the reference) over the project.

    ``labels``: only these labels (None: every label used); ``documents``: only these documents
    (names, uids or SHA-256 prefixes; None: all). Raises :class:`DataError` for an unknown
    annotator, label or document, or fewer than two distinct annotators.
    """
    if len(annotators) < 2 or len(set(annotators)) != len(annotators):
        raise DataError(f"give two or more distinct annotators, got {list(annotators)}")
    _check_names(project, annotators, labels)
    chosen = select_documents(project, list(documents) if documents else None)
    lengths = {d.uid: d.length for d in chosen}
    make = KeyedSpan._make
    spans = [make(row) for row in project.span_rows_by_uid(annotators) if row[1] in lengths]
    return compute_agreement(spans, lengths, list(annotators), labels)


def project_consistency(
    project: Project,
    *,
    annotators: Sequence[str] | None = None,
    min_length: int = 2,
) -> list[Finding]:
    """Both consistency checks over every document (``annotators``: only their spans)."""
    _check_names(project, annotators, None)
    texts = {d.id: project.text(d.id) for d in project.documents()}
    spans = project.spans(annotators=annotators or None)
    return check_consistency(spans, texts, min_length=min_length,
                             annotators=set(annotators) if annotators else None)
