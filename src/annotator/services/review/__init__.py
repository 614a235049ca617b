"""Review of colleagues' labels: agreement measures, disagreement units, consistency checks.

Pure Python: no Qt, no SQLite. Spans are read through :class:`SpanLike` (``id``,
``document_id``, ``start``, ``end``, ``label``, ``annotator``), offsets in code points.
"""

from annotator.services.review.agreement import compute_agreement
from annotator.services.review.coefficients import cohen_kappa, krippendorff_alpha
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
    "PairFigures",
    "SpanCounts",
    "SpanLike",
    "cohen_kappa",
    "compute_agreement",
    "krippendorff_alpha",
]
