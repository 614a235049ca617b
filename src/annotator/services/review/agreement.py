"""Inter-annotator agreement over a set of documents: :func:`compute_agreement`.

Scope: the documents in which every compared annotator has at least one span (of any label,
before the ``labels`` filter: a colleague who worked on a document and found no entity of a
filtered label still counts as having judged it). Units for kappa and alpha: every character of
every included document.

Span figures for more than two annotators: the counts are pooled over every ordered pair of
distinct annotators (each annotator in turn is the reference), so precision, recall and F1 are
equal and do not depend on the order of the annotators. ``pairs`` keeps each pair's own figures
(later annotator against earlier). For exactly two annotators the figures are those of B
against A, A being the first annotator given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations

from annotator.services.review.coefficients import cohen_kappa, krippendorff_alpha
from annotator.services.review.inputs import (
    SpanLike,
    check_annotators,
    group_spans,
    included_documents,
)
from annotator.services.review.matching import NONE_LABEL, SpanCounts, match_pair
from annotator.services.review.results import (
    PRF,
    AgreementResult,
    ConfusionTable,
    Figures,
    PairFigures,
)
from annotator.services.review.runs import (
    RunCounts,
    category_runs,
    merge_counts,
    project_annotators,
    project_label,
)


def _add(target: dict, key: Hashable, counts: SpanCounts) -> None:
    target[key] = target.get(key, SpanCounts()) + counts


def _figures(
    exact: SpanCounts, overlap: SpanCounts, runs: Mapping[tuple, int], two: bool
) -> Figures:
    return Figures(
        exact=PRF.from_counts(exact),
        overlap=PRF.from_counts(overlap),
        cohen_kappa=cohen_kappa(runs) if two else None,  # type: ignore[arg-type]
        krippendorff_alpha=krippendorff_alpha(runs),
    )


def _confusion_labels(counts: Counter[tuple[str, str]], labels: Sequence[str]) -> tuple[str, ...]:
    used = {label for pair in counts for label in pair}
    ordered = [label for label in labels if label in used]
    ordered += sorted(used - set(ordered) - {NONE_LABEL})
    if NONE_LABEL in used:
        ordered.append(NONE_LABEL)
    return tuple(ordered)


def compute_agreement(
    spans: Iterable[SpanLike],
    doc_lengths: Mapping[Hashable, int],
    annotators: Sequence[str],
    labels: Iterable[str] | None = None,
) -> AgreementResult:
    """Measure agreement between ``annotators`` (two or more; the first is the reference).

    ``spans``: any spans (others' spans and documents are ignored); ``doc_lengths``: document id
    -> length in code points, needed for every included document; ``labels``: restrict every
    figure to spans of these labels (and list each of them in ``per_label``, even unused);
    ``None`` means every label the compared annotators used in the included documents.

    Returns an :class:`AgreementResult`. Raises ``ValueError`` for fewer than two or repeated
    annotators, a missing document length, or a span that does not fit its document.
    """
    names = check_annotators(annotators)
    two = len(names) == 2
    grouped = group_spans(spans, names)
    documents = included_documents(grouped, names, doc_lengths)
    wanted = None if labels is None else frozenset(labels)
    label_order = None if labels is None else list(dict.fromkeys(labels))
    pairs = list(combinations(range(len(names)), 2))

    all_runs: RunCounts = {}
    doc_runs: dict[Hashable, RunCounts] = {}
    pair_exact = [SpanCounts()] * len(pairs)
    pair_overlap = [SpanCounts()] * len(pairs)
    pair_confusion: list[Counter[tuple[str, str]]] = [Counter() for _ in pairs]
    label_exact: dict[str, SpanCounts] = {}
    label_overlap: dict[str, SpanCounts] = {}
    doc_exact: dict[Hashable, SpanCounts] = {}
    doc_overlap: dict[Hashable, SpanCounts] = {}
    seen: set[str] = set()

    for doc in documents:
        per_annotator = [
            [s for s in grouped[doc][name] if wanted is None or s.label in wanted]
            for name in names
        ]
        for spans_of_one in per_annotator:
            seen.update(s.label for s in spans_of_one)
        runs = category_runs(doc_lengths[doc], per_annotator)
        doc_runs[doc] = runs
        merge_counts(all_runs, runs)
        doc_exact[doc] = doc_overlap[doc] = SpanCounts()
        for p, (i, j) in enumerate(pairs):
            match = match_pair(per_annotator[i], per_annotator[j])
            pair_confusion[p].update(match.confusion)
            for label, counts in match.exact.items():
                pair_exact[p] += counts
                pooled = counts if two else counts.symmetric()
                _add(label_exact, label, pooled)
                _add(doc_exact, doc, pooled)
            for label, counts in match.overlap.items():
                pair_overlap[p] += counts
                pooled = counts if two else counts.symmetric()
                _add(label_overlap, label, pooled)
                _add(doc_overlap, doc, pooled)

    total_exact = sum((c if two else c.symmetric() for c in pair_exact), SpanCounts())
    total_overlap = sum((c if two else c.symmetric() for c in pair_overlap), SpanCounts())
    label_names = label_order if label_order is not None else sorted(seen)
    per_label = {
        label: _figures(
            label_exact.get(label, SpanCounts()),
            label_overlap.get(label, SpanCounts()),
            project_label(all_runs, label),
            two,
        )
        for label in label_names
    }
    per_document = {
        doc: _figures(doc_exact[doc], doc_overlap[doc], doc_runs[doc], two) for doc in documents
    }
    pair_figures = tuple(
        PairFigures(
            reference=names[i],
            compared=names[j],
            figures=_figures(
                pair_exact[p], pair_overlap[p], project_annotators(all_runs, (i, j)), True
            ),
        )
        for p, (i, j) in enumerate(pairs)
    )
    confusion = tuple(
        ConfusionTable(
            reference=names[i],
            compared=names[j],
            labels=_confusion_labels(pair_confusion[p], label_names),
            counts=dict(pair_confusion[p]),
        )
        for p, (i, j) in enumerate(pairs)
    )
    return AgreementResult(
        annotators=names,
        documents=tuple(documents),
        overall=_figures(total_exact, total_overlap, all_runs, two),
        per_label=per_label,
        per_document=per_document,
        pairs=pair_figures,
        confusion=confusion,
    )
