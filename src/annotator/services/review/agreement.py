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

Streaming: :class:`AgreementBuilder` takes one document at a time and keeps only running counts
and a compact row of figures per document (:class:`DocumentFigures`), so a project is measured
without holding its spans (``project_review.project_agreement`` feeds it from SQL). Documents
are added in the order of their ids' :func:`sort_key` (the order of ``documents`` in the
result), which also fixes the order of every floating-point sum.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
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


class DocumentFigures(Mapping[Hashable, Figures]):
    """Document id -> :class:`Figures`, kept as ten numbers per document (the exact and
    overlap counts, kappa and alpha) and turned into ``Figures`` when read."""

    def __init__(self) -> None:
        self._keys: list[Hashable] = []
        self._position: dict[Hashable, int] | None = None
        self._counts = array("q")
        self._coefficients = array("d")

    def append(self, document: Hashable, figures: Figures) -> None:
        self._keys.append(document)
        self._position = None
        for prf in (figures.exact, figures.overlap):
            c = prf.counts
            self._counts.extend((c.reference, c.compared, c.reference_matched, c.compared_matched))
        for value in (figures.cohen_kappa, figures.krippendorff_alpha):
            self._coefficients.append(math.nan if value is None else value)

    def _figures(self, index: int) -> Figures:
        c = self._counts[8 * index : 8 * index + 8]
        kappa, alpha = self._coefficients[2 * index : 2 * index + 2]
        return Figures(
            exact=PRF.from_counts(SpanCounts(*c[:4])),
            overlap=PRF.from_counts(SpanCounts(*c[4:])),
            cohen_kappa=None if math.isnan(kappa) else kappa,
            krippendorff_alpha=None if math.isnan(alpha) else alpha,
        )

    def __getitem__(self, document: Hashable) -> Figures:
        if self._position is None:
            self._position = {key: index for index, key in enumerate(self._keys)}
        return self._figures(self._position[document])

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def items(self):  # type: ignore[override]  # a lazy view in insertion order
        return ((key, self._figures(index)) for index, key in enumerate(self._keys))

    def __repr__(self) -> str:
        return f"DocumentFigures({len(self)} documents)"


class AgreementBuilder:
    """Agreement of ``annotators`` measured one document at a time: :meth:`add` each included
    document (in ``sort_key`` order of the ids), then :meth:`result`."""

    def __init__(self, annotators: Sequence[str], labels: Iterable[str] | None = None) -> None:
        self.names = check_annotators(annotators)
        self.two = len(self.names) == 2
        self.wanted = None if labels is None else frozenset(labels)
        labels = None if labels is None else list(labels)
        self.label_order = None if labels is None else list(dict.fromkeys(labels))
        self.pairs = list(combinations(range(len(self.names)), 2))
        self.all_runs: RunCounts = {}
        self.pair_exact = [SpanCounts()] * len(self.pairs)
        self.pair_overlap = [SpanCounts()] * len(self.pairs)
        self.pair_confusion: list[Counter[tuple[str, str]]] = [Counter() for _ in self.pairs]
        self.label_exact: dict[str, SpanCounts] = {}
        self.label_overlap: dict[str, SpanCounts] = {}
        self.seen: set[str] = set()
        self.documents: list[Hashable] = []
        self.per_document = DocumentFigures()

    def add(self, doc: Hashable, length: int, spans_per_annotator: Sequence[Sequence[SpanLike]]
            ) -> None:
        """Add one document of ``length`` code points: ``spans_per_annotator[i]`` holds the
        spans of annotator ``i`` there (every label; the ``labels`` filter applies here)."""
        wanted, two = self.wanted, self.two
        if wanted is None:
            per_annotator = [list(spans) for spans in spans_per_annotator]
        else:
            per_annotator = [[s for s in spans if s.label in wanted]
                             for spans in spans_per_annotator]
        seen = self.seen
        for spans_of_one in per_annotator:
            seen.update(s.label for s in spans_of_one)
        runs = category_runs(length, per_annotator)
        merge_counts(self.all_runs, runs)
        doc_exact = doc_overlap = SpanCounts()
        for p, (i, j) in enumerate(self.pairs):
            match = match_pair(per_annotator[i], per_annotator[j])
            self.pair_confusion[p].update(match.confusion)
            for label, counts in match.exact.items():
                self.pair_exact[p] += counts
                pooled = counts if two else counts.symmetric()
                _add(self.label_exact, label, pooled)
                doc_exact += pooled
            for label, counts in match.overlap.items():
                self.pair_overlap[p] += counts
                pooled = counts if two else counts.symmetric()
                _add(self.label_overlap, label, pooled)
                doc_overlap += pooled
        self.documents.append(doc)
        self.per_document.append(doc, _figures(doc_exact, doc_overlap, runs, two))

    def result(self) -> AgreementResult:
        names, two, pairs = self.names, self.two, self.pairs
        total_exact = sum((c if two else c.symmetric() for c in self.pair_exact), SpanCounts())
        total_overlap = sum((c if two else c.symmetric() for c in self.pair_overlap),
                            SpanCounts())
        label_names = self.label_order if self.label_order is not None else sorted(self.seen)
        per_label = {
            label: _figures(
                self.label_exact.get(label, SpanCounts()),
                self.label_overlap.get(label, SpanCounts()),
                project_label(self.all_runs, label),
                two,
            )
            for label in label_names
        }
        pair_figures = tuple(
            PairFigures(
                reference=names[i],
                compared=names[j],
                figures=_figures(self.pair_exact[p], self.pair_overlap[p],
                                 project_annotators(self.all_runs, (i, j)), True),
            )
            for p, (i, j) in enumerate(pairs)
        )
        confusion = tuple(
            ConfusionTable(
                reference=names[i],
                compared=names[j],
                labels=_confusion_labels(self.pair_confusion[p], label_names),
                counts=dict(self.pair_confusion[p]),
            )
            for p, (i, j) in enumerate(pairs)
        )
        return AgreementResult(
            annotators=names,
            documents=tuple(self.documents),
            overall=_figures(total_exact, total_overlap, self.all_runs, two),
            per_label=per_label,
            per_document=self.per_document,  # type: ignore[arg-type]
            pairs=pair_figures,
            confusion=confusion,
        )


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
    grouped = group_spans(spans, names)
    documents = included_documents(grouped, names, doc_lengths)
    builder = AgreementBuilder(names, labels)
    for doc in documents:
        builder.add(doc, doc_lengths[doc], [grouped[doc][name] for name in names])
    return builder.result()
