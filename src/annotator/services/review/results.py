"""The agreement result: plain dataclasses with a ``to_json()`` shared by the app and the CLI.

Undefined numbers are ``None`` (``null`` in JSON), never NaN:
- precision is ``None`` when the compared side has no span, recall when the reference has none;
- F1 is the harmonic mean of precision and recall; ``None`` only when neither side has a span;
  ``0.0`` when exactly one side has spans (they cannot match anything) or both figures are 0;
- kappa and alpha are ``None`` when there are no characters or the chance term is degenerate
  (see :mod:`annotator.services.review.coefficients`); kappa is ``None`` for more than two
  annotators.
Numbers are not rounded.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.services.review.matching import SpanCounts


def prf_figures(reference: int, compared: int, reference_matched: int, compared_matched: int
                ) -> tuple[float | None, float | None, float | None]:
    """``(precision, recall, f1)`` of these counts by the rules in the module docstring."""
    precision = compared_matched / compared if compared else None
    recall = reference_matched / reference if reference else None
    if precision is None and recall is None:
        f1 = None
    elif precision is None or recall is None or precision + recall == 0:
        f1 = 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 (each ``None`` when undefined) and the counts behind them."""

    precision: float | None
    recall: float | None
    f1: float | None
    counts: SpanCounts

    @classmethod
    def from_counts(cls, counts: SpanCounts) -> PRF:
        """Compute the figures of ``counts`` by the rules in the module docstring."""
        return cls(*prf_figures(counts.reference, counts.compared, counts.reference_matched,
                                counts.compared_matched), counts)

    def to_json(self) -> dict[str, float | None]:
        """``{"precision", "recall", "f1"}``."""
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True, slots=True)
class Figures:
    """Span figures (exact, overlap) and character coefficients of one scope."""

    exact: PRF
    overlap: PRF
    cohen_kappa: float | None
    krippendorff_alpha: float | None

    def to_json(self) -> dict[str, Any]:
        """``{"exact": {...}, "overlap": {...}, "cohen_kappa", "krippendorff_alpha"}``."""
        return {
            "exact": self.exact.to_json(),
            "overlap": self.overlap.to_json(),
            "cohen_kappa": self.cohen_kappa,
            "krippendorff_alpha": self.krippendorff_alpha,
        }


@dataclass(frozen=True, slots=True)
class PairFigures:
    """Overall figures of ``compared`` against ``reference`` (one pair of annotators)."""

    reference: str
    compared: str
    figures: Figures

    def to_json(self) -> dict[str, Any]:
        """``{"reference", "compared"}`` plus the keys of :meth:`Figures.to_json`."""
        return {"reference": self.reference, "compared": self.compared, **self.figures.to_json()}


@dataclass(frozen=True, slots=True)
class ConfusionTable:
    """Counts of ``(reference label, compared label)`` over overlapping span pairs.

    ``labels`` lists the rows/columns in order, ending with ``"(none)"`` when a span of either
    side overlaps nothing on the other side.
    """

    reference: str
    compared: str
    labels: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]

    def count(self, reference_label: str, compared_label: str) -> int:
        """The count of one cell (0 when absent)."""
        return self.counts.get((reference_label, compared_label), 0)

    def to_json(self) -> dict[str, Any]:
        """``{"reference", "compared", "labels": [...], "counts": {row: {column: n}}}``.

        Only non-zero cells are listed.
        """
        rows: dict[str, dict[str, int]] = {}
        for row in self.labels:
            cells = {c: self.counts[(row, c)] for c in self.labels if (row, c) in self.counts}
            if cells:
                rows[row] = cells
        return {
            "reference": self.reference,
            "compared": self.compared,
            "labels": list(self.labels),
            "counts": rows,
        }


@dataclass(frozen=True, slots=True)
class RelationFigures:
    """Relation precision, recall and F1, exact and overlap (one scope)."""

    exact: PRF
    overlap: PRF

    @classmethod
    def empty(cls) -> RelationFigures:
        """The figures of no relations at all (every number ``None``)."""
        nothing = PRF.from_counts(SpanCounts())
        return cls(nothing, nothing)

    def to_json(self) -> dict[str, Any]:
        """``{"exact": {"precision", "recall", "f1"}, "overlap": {...}}``."""
        return {"exact": self.exact.to_json(), "overlap": self.overlap.to_json()}


@dataclass(frozen=True, slots=True)
class AttributeFigures:
    """Agreement on one attribute over ``units`` exactly matched spans of its label."""

    label: str
    name: str
    units: int
    cohen_kappa: float | None
    krippendorff_alpha: float | None

    @property
    def qualified(self) -> str:
        return f"{self.label}.{self.name}"

    def to_json(self) -> dict[str, Any]:
        """``{"label", "attribute", "units", "cohen_kappa", "krippendorff_alpha"}``."""
        return {"label": self.label, "attribute": self.name, "units": self.units,
                "cohen_kappa": self.cohen_kappa, "krippendorff_alpha": self.krippendorff_alpha}


@dataclass(frozen=True, slots=True)
class AgreementResult:
    """Everything :func:`compute_agreement` measured.

    ``overall``, ``per_label`` and ``per_document`` hold :class:`Figures`; ``pairs`` the overall
    figures of every pair of annotators (later against earlier); ``confusion`` one table per pair.
    ``relations`` (overall) and ``relations_per_type`` hold :class:`RelationFigures`,
    ``attributes`` one :class:`AttributeFigures` per ``"label.name"``
    (:mod:`annotator.services.review.relation_agreement`; empty when not measured).
    """

    annotators: tuple[str, ...]
    documents: tuple[Hashable, ...]
    overall: Figures
    per_label: dict[str, Figures]
    per_document: dict[Hashable, Figures]
    pairs: tuple[PairFigures, ...]
    confusion: tuple[ConfusionTable, ...]
    relations: RelationFigures = field(default_factory=lambda: RelationFigures.empty())
    relations_per_type: dict[str, RelationFigures] = field(default_factory=dict)
    attributes: dict[str, AttributeFigures] = field(default_factory=dict)

    def relations_json(self) -> dict[str, Any]:
        """``{"overall": {"exact", "overlap"}, "per_type": {TYPE: {"exact", "overlap"}}}``."""
        return {"overall": self.relations.to_json(),
                "per_type": {kind: f.to_json() for kind, f in self.relations_per_type.items()}}

    def attributes_json(self) -> dict[str, Any]:
        """``{"label.name": {"label", "attribute", "units", "cohen_kappa",
        "krippendorff_alpha"}}``."""
        return {key: f.to_json() for key, f in self.attributes.items()}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (pass it to ``json.dumps``)::

            {"annotators": [...], "documents": [...],
             "overall": {"exact": {"precision", "recall", "f1"}, "overlap": {...},
                         "cohen_kappa", "krippendorff_alpha"},
             "per_label": {LABEL: {same keys}},
             "per_document": {"<document id as text>": {same keys}},
             "pairs": [{"reference", "compared", same keys}],
             "confusion": [{"reference", "compared", "labels", "counts"}],
             "relations": {"overall": {"exact", "overlap"}, "per_type": {TYPE: {...}}},
             "attributes": {"label.name": {"label", "attribute", "units", "cohen_kappa",
                                           "krippendorff_alpha"}}}
        """
        return {
            "annotators": list(self.annotators),
            "documents": list(self.documents),
            "overall": self.overall.to_json(),
            "per_label": {label: f.to_json() for label, f in self.per_label.items()},
            "per_document": {str(doc): f.to_json() for doc, f in self.per_document.items()},
            "pairs": [pair.to_json() for pair in self.pairs],
            "confusion": [table.to_json() for table in self.confusion],
            "relations": self.relations_json(),
            "attributes": self.attributes_json(),
        }
