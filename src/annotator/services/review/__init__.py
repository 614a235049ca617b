"""Review of colleagues' labels: agreement measures, disagreement units, consistency checks.

Pure Python: no Qt, no SQLite. Spans are read through :class:`SpanLike` (``id``,
``document_id``, ``start``, ``end``, ``label``, ``annotator``), offsets in code points.
"""

from annotator.services.review.agreement import compute_agreement
from annotator.services.review.alignment import (
    Kind,
    SpanMark,
    Unit,
    agreed_spans,
    disagreement_units,
    next_disagreement,
    previous_disagreement,
)
from annotator.services.review.coefficients import cohen_kappa, krippendorff_alpha
from annotator.services.review.consistency import (
    Finding,
    FindingKind,
    check_consistency,
    find_label_conflicts,
    find_unlabelled,
)
from annotator.services.review.inputs import SpanLike
from annotator.services.review.matching import NONE_LABEL, SpanCounts
from annotator.services.review.results import (
    PRF,
    AgreementResult,
    ConfusionTable,
    Figures,
    PairFigures,
)

__all__ = [
    "NONE_LABEL",
    "PRF",
    "AgreementResult",
    "ConfusionTable",
    "Figures",
    "Finding",
    "FindingKind",
    "Kind",
    "PairFigures",
    "SpanCounts",
    "SpanLike",
    "SpanMark",
    "Unit",
    "agreed_spans",
    "check_consistency",
    "cohen_kappa",
    "compute_agreement",
    "disagreement_units",
    "find_label_conflicts",
    "find_unlabelled",
    "krippendorff_alpha",
    "next_disagreement",
    "previous_disagreement",
]
