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
from itertools import chain, combinations
from operator import itemgetter
from typing import Any

from annotator.services.review.coefficients import (
    cohen_kappa,
    krippendorff_alpha,
    pair_coefficients,
)
from annotator.services.review.inputs import (
    SpanLike,
    check_annotators,
    group_spans,
    included_documents,
    sort_key,
)
from annotator.services.review.matching import (
    NONE_LABEL,
    SpanCounts,
    match_counts,
    pair_document,
)
from annotator.services.review.packed_pairs import PackedPairs
from annotator.services.review.results import (
    PRF,
    AgreementResult,
    ConfusionTable,
    Figures,
    PairFigures,
)
from annotator.services.review.runs import (
    RunCounts,
    merge_counts,
    project_annotators,
    project_label,
    tuple_runs,
)


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

    def append_counts(self, document: Hashable, exact: Sequence[int], overlap: Sequence[int],
                      kappa: float | None, alpha: float | None) -> None:
        """Add a document's exact and overlap counts (the fields of :class:`SpanCounts`) and
        coefficients."""
        self._keys.append(document)
        self._position = None
        self._counts.extend(exact)
        self._counts.extend(overlap)
        self._coefficients.append(math.nan if kappa is None else kappa)
        self._coefficients.append(math.nan if alpha is None else alpha)

    def arrays(self) -> tuple[array, array]:
        """The arrays behind the figures, for a writer that appends documents' rows to them
        (the counts as :meth:`append_counts` writes them, the coefficients NaN when undefined)
        and then names the documents with :meth:`add_keys`."""
        self._position = None
        return self._counts, self._coefficients

    def add_keys(self, documents: Iterable[Hashable]) -> None:
        """Name the documents whose rows were appended to :meth:`arrays`, in order."""
        self._keys.extend(documents)
        self._position = None

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

    def raw(self) -> Iterator[tuple[Hashable, Sequence[int], float, float]]:
        """``(document, counts, kappa, alpha)`` per document, in order, without building
        ``Figures``: ``counts`` the exact then the overlap fields of :class:`SpanCounts`, an
        undefined coefficient NaN (for writers that format a hundred thousand rows)."""
        counts, coefficients = self._counts, self._coefficients
        for index, key in enumerate(self._keys):
            yield (key, counts[8 * index : 8 * index + 8], coefficients[2 * index],
                   coefficients[2 * index + 1])

    def sorted_by_key(self) -> DocumentFigures:
        """The same figures with the documents in :func:`sort_key` order."""
        keys = self._keys
        if all(type(key) is str for key in keys):  # sort_key orders text as text
            order = sorted(range(len(keys)), key=keys.__getitem__)
        else:
            order = sorted(range(len(keys)), key=lambda i: sort_key(keys[i]))
        copy = DocumentFigures()
        if not order:
            return copy
        pick = itemgetter(*order) if len(order) > 1 else lambda rows: (rows[order[0]],)
        copy._keys = list(pick(keys))
        # each column picked in order, the rows joined again
        counts, coefficients = self._counts, self._coefficients
        copy._counts = array("q", chain.from_iterable(zip(*[pick(counts[k::8])
                                                            for k in range(8)])))
        copy._coefficients = array("d", chain.from_iterable(zip(*[pick(coefficients[k::2])
                                                                  for k in range(2)])))
        return copy

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"DocumentFigures({len(self)} documents)"


def _pool(target: list[int], counts: list[int], two: bool) -> None:
    """Add ``counts`` (the fields of :class:`SpanCounts`) into ``target``, both directions
    pooled (``SpanCounts.symmetric``) unless ``two``."""
    if two:
        target[0] += counts[0]
        target[1] += counts[1]
        target[2] += counts[2]
        target[3] += counts[3]
    else:
        spans = counts[0] + counts[1]
        matched = counts[2] + counts[3]
        target[0] += spans
        target[1] += spans
        target[2] += matched
        target[3] += matched


def _counts(values: list[int]) -> SpanCounts:
    return SpanCounts(*values)


class AgreementBuilder:
    """Agreement of ``annotators`` measured one document at a time: :meth:`add` (or
    :meth:`add_rows`) each included document, in ``sort_key`` order of the ids, then
    :meth:`result`. Holds running counts and ten numbers per document."""

    def __init__(self, annotators: Sequence[str], labels: Iterable[str] | None = None) -> None:
        self.names = check_annotators(annotators)
        self.two = len(self.names) == 2
        labels = None if labels is None else list(labels)
        self.wanted = None if labels is None else frozenset(labels)
        self.label_order = None if labels is None else list(dict.fromkeys(labels))
        self.pairs = list(combinations(range(len(self.names)), 2))
        self.all_runs: RunCounts = {}
        self.pair_exact = [[0, 0, 0, 0] for _ in self.pairs]
        self.pair_overlap = [[0, 0, 0, 0] for _ in self.pairs]
        self.pair_confusion: list[dict[tuple[str, str], int]] = [{} for _ in self.pairs]
        self.label_exact: dict[str, list[int]] = {}
        self.label_overlap: dict[str, list[int]] = {}
        self.seen: set[str] = set()
        self.documents: list[Hashable] = []
        self.per_document = DocumentFigures()
        self.packed: PackedPairs | None = None

    def use_packing(self, packing: object) -> PackedPairs:
        """Measure two annotators' spans packed by ``packing`` (``store.review_reads
        .PairPacking``) with :meth:`add_packed`; returns the :class:`PackedPairs` doing it."""
        if not self.two:
            raise ValueError("packed spans are measured for two annotators")
        self.packed = PackedPairs(packing, self.wanted)
        return self.packed

    def add_packed(self, doc: Hashable, length: int, first: list[int], second: list[int]
                   ) -> set[int]:
        """:meth:`add_rows` of two annotators' packed spans (each span once; every label, the
        ``labels`` filter applies here); returns the spans both have (packed)."""
        return self.add_packed_rows([(doc, length, first, second)])[0]

    def add_packed_rows(self, rows: Sequence[tuple[Hashable, int, list[int], list[int]]]
                        ) -> list[set[int]]:
        """:meth:`add_packed` of each of ``rows`` (``(doc, length, first, second)``); returns
        per row the spans both have (packed)."""
        packed = self.packed
        assert packed is not None, "use_packing first"
        figures = self.per_document
        counts, coefficients = figures.arrays()
        at = len(counts)
        measured, twins_of = packed.add_documents(rows, counts, coefficients)
        self._took(measured, counts, at)
        for index, twins in enumerate(twins_of):
            if twins is None:  # spans of one label nest: the sweep over tuples
                doc, length, first, second = rows[index]
                spans = [[(x >> packed.start_shift, x >> packed.end_shift & packed.position_mask,
                           packed.names[x & packed.label_mask]) for x in one]
                         for one in (first, second)]
                self.add_rows(doc, length, spans)
                common = set(first).intersection(second)
                if self.wanted is not None:
                    common = {x for x in common if x & packed.label_mask in packed.wanted}  # type: ignore[operator]
                twins_of[index] = common
        return twins_of  # type: ignore[return-value]

    def add_measured(self, uids: Sequence[Hashable], counts: bytes, coefficients: bytes,
                     totals: tuple[Any, ...], nested: Sequence[tuple[Hashable, int, list[int],
                                                                      list[int]]]
                     ) -> list[set[int]]:
        """Add documents measured by the :class:`PackedPairs` of another process (see
        ``agree_workers``): their ``counts`` and ``coefficients`` (the bytes of the arrays
        :meth:`PackedPairs.add_documents` wrote) and its :meth:`PackedPairs.totals`, then the
        ``nested`` rows it left (:meth:`add_packed_rows`, whose twins are returned), as
        :meth:`add_packed_rows` of the same rows would have."""
        packed = self.packed
        assert packed is not None, "use_packing first"
        written, written_coefficients = self.per_document.arrays()
        at = len(written)
        written.frombytes(counts)
        written_coefficients.frombytes(coefficients)
        self._took(list(uids), written, at)
        packed.merge(totals)
        return self.add_packed_rows(nested) if nested else []

    def merge(self, other: AgreementBuilder) -> None:
        """Add what ``other`` (the same annotators and labels, spans measured one document at
        a time, in another process) counted, as if its documents were added here now: integer
        sums, new keys in the order it met them, its documents after these."""
        if other.packed is not None or self.packed is not None:
            raise ValueError("merge builders of documents measured by add_rows")
        merge_counts(self.all_runs, other.all_runs)
        for mine, theirs in ((self.pair_exact, other.pair_exact),
                             (self.pair_overlap, other.pair_overlap)):
            for target, counts in zip(mine, theirs, strict=True):
                _pool(target, counts, True)
        for target, cells in zip(self.pair_confusion, other.pair_confusion, strict=True):
            merge_counts(target, cells)
        for mine_by_label, theirs_by_label in ((self.label_exact, other.label_exact),
                                               (self.label_overlap, other.label_overlap)):
            for label, counts in theirs_by_label.items():
                _pool(mine_by_label.setdefault(label, [0, 0, 0, 0]), counts, True)
        self.seen.update(other.seen)
        counts, coefficients = self.per_document.arrays()
        more_counts, more_coefficients = other.per_document.arrays()
        counts.extend(more_counts)
        coefficients.extend(more_coefficients)
        self.per_document.add_keys(other.per_document)
        self.documents.extend(other.documents)

    def _took(self, measured: list[Hashable], counts: array, at: int) -> None:
        """Name the documents whose rows were written to the per-document ``counts`` from
        index ``at``, and add those rows into the first pair's totals."""
        self.per_document.add_keys(measured)
        self.documents.extend(measured)
        exact, overlap = self.pair_exact[0], self.pair_overlap[0]
        for k in range(4):  # the columns of the rows just written
            exact[k] += sum(counts[at + k :: 8])
            overlap[k] += sum(counts[at + 4 + k :: 8])

    def _totals(self) -> tuple[RunCounts, dict[str, list[int]], dict[str, list[int]],
                               dict[tuple[str, str], int], set[str]]:
        """``all_runs``, ``label_exact``, ``label_overlap``, the first pair's confusion and
        ``seen``, with what :meth:`add_packed` counted added (nothing is changed)."""
        packed = self.packed
        if packed is None:
            return (self.all_runs, self.label_exact, self.label_overlap, self.pair_confusion[0],
                    self.seen)
        packed.flush()
        names, width = packed.names, packed.width
        runs = dict(self.all_runs)
        categories: dict[int, frozenset[str]] = {}
        for (a, b), weight in packed.runs().items():
            for mask in (a, b):
                if mask not in categories:
                    categories[mask] = packed.category(mask)
            key = (categories[a], categories[b])
            runs[key] = runs.get(key, 0) + weight
        label_exact = {label: list(c) for label, c in self.label_exact.items()}
        label_overlap = {label: list(c) for label, c in self.label_overlap.items()}
        seen = set(self.seen)
        for index in sorted(set(packed.first) | set(packed.second)):
            label = names[index]
            seen.add(label)
            n, m = packed.first[index], packed.second[index]
            t = packed.twins[index]
            for target, add in ((label_exact, (n, m, t, t)), (label_overlap, (
                    n, m, packed.first_overlap[index], packed.second_overlap[index]))):
                counts = target.setdefault(label, [0, 0, 0, 0])
                for k in range(4):
                    counts[k] += add[k]
        confusion = dict(self.pair_confusion[0])
        cells = [((names[key // width], names[key % width]), count)
                 for key, count in packed.confusion.items()]
        first_alone, second_alone = packed.alone()
        cells += [((names[index], NONE_LABEL), count) for index, count in first_alone.items()]
        cells += [((NONE_LABEL, names[index]), count) for index, count in second_alone.items()]
        for cell, count in cells:
            confusion[cell] = confusion.get(cell, 0) + count
        return runs, label_exact, label_overlap, confusion, seen

    def add(self, doc: Hashable, length: int, spans_per_annotator: Sequence[Sequence[SpanLike]]
            ) -> None:
        """Add one document of ``length`` code points: ``spans_per_annotator[i]`` holds the
        spans of annotator ``i`` there (every label; the ``labels`` filter applies here)."""
        self.add_rows(doc, length, [[(s.start, s.end, s.label) for s in spans]
                                    for spans in spans_per_annotator])

    def add_rows(self, doc: Hashable, length: int,
                 spans_per_annotator: Sequence[Sequence[tuple[int, int, str]]]) -> None:
        """:meth:`add` with each span given as ``(start, end, label)``."""
        wanted, two = self.wanted, self.two
        if wanted is None:
            per_annotator = spans_per_annotator
        else:
            per_annotator = [[s for s in spans if s[2] in wanted] for spans in spans_per_annotator]
        if two:
            self._add_two(doc, length, per_annotator[0], per_annotator[1])
            return
        seen = self.seen
        for spans_of_one in per_annotator:
            for span in spans_of_one:
                seen.add(span[2])
        runs = tuple_runs(length, per_annotator)
        matched = [match_counts(per_annotator[i], per_annotator[j], self.pair_confusion[p])
                   for p, (i, j) in enumerate(self.pairs)]
        merge_counts(self.all_runs, runs)
        doc_exact = [0, 0, 0, 0]
        doc_overlap = [0, 0, 0, 0]
        label_exact, label_overlap = self.label_exact, self.label_overlap
        for p, (exact, overlap) in enumerate(matched):
            pair_exact, pair_overlap = self.pair_exact[p], self.pair_overlap[p]
            for label, counts in exact.items():
                _pool(pair_exact, counts, True)
                target = label_exact.get(label)
                if target is None:
                    target = label_exact[label] = [0, 0, 0, 0]
                _pool(target, counts, two)
                _pool(doc_exact, counts, two)
            for label, counts in overlap.items():
                _pool(pair_overlap, counts, True)
                target = label_overlap.get(label)
                if target is None:
                    target = label_overlap[label] = [0, 0, 0, 0]
                _pool(target, counts, two)
                _pool(doc_overlap, counts, two)
        self.documents.append(doc)
        self.per_document.append_counts(
            doc, doc_exact, doc_overlap, cohen_kappa(runs) if two else None,  # type: ignore[arg-type]
            krippendorff_alpha(runs))

    def _add_two(self, doc: Hashable, length: int, reference: Sequence[tuple[int, int, str]],
                 compared: Sequence[tuple[int, int, str]]) -> None:
        """:meth:`add_rows` for two annotators: one sweep gives the runs and the matches, and
        every count is a plain sum (B against A)."""
        exact, overlap, runs = pair_document(length, reference, compared, self.pair_confusion[0])
        self.seen.update(exact)  # every label of a span has its counts
        merge_counts(self.all_runs, runs)
        doc_counts = []
        for per_label, totals, pair in ((exact, self.label_exact, self.pair_exact[0]),
                                        (overlap, self.label_overlap, self.pair_overlap[0])):
            a = b = c = d = 0
            for label, (w, x, y, z) in per_label.items():
                a += w
                b += x
                c += y
                d += z
                target = totals.get(label)
                if target is None:
                    totals[label] = [w, x, y, z]
                else:
                    target[0] += w
                    target[1] += x
                    target[2] += y
                    target[3] += z
            pair[0] += a
            pair[1] += b
            pair[2] += c
            pair[3] += d
            doc_counts.append((a, b, c, d))
        self.documents.append(doc)
        kappa, alpha = pair_coefficients(runs)
        self.per_document.append_counts(doc, doc_counts[0], doc_counts[1], kappa, alpha)

    @property
    def order_free(self) -> bool:
        """Whether the documents may be added in any order (then :meth:`result` with
        ``sort=True``): true for two or three annotators, whose coefficients sum only whole
        numbers (exact in floating point, so the order of the sums changes no bit). With four
        or more, Krippendorff's alpha adds fractions, and the documents must come in order."""
        return len(self.names) <= 3

    def result(self, *, sort: bool = False) -> AgreementResult:
        """The :class:`AgreementResult` of the documents added so far; ``sort``: list the
        documents in :func:`sort_key` order whatever the order they were added in (only when
        :attr:`order_free`)."""
        if sort and not self.order_free:
            raise ValueError("documents must be added in order for four or more annotators")
        names, two, pairs = self.names, self.two, self.pairs
        all_runs, label_exact, label_overlap, first_confusion, seen = self._totals()
        pair_confusion = [first_confusion, *self.pair_confusion[1:]]
        pair_exact = [_counts(c) for c in self.pair_exact]
        pair_overlap = [_counts(c) for c in self.pair_overlap]
        total_exact = sum((c if two else c.symmetric() for c in pair_exact), SpanCounts())
        total_overlap = sum((c if two else c.symmetric() for c in pair_overlap), SpanCounts())
        label_names = self.label_order if self.label_order is not None else sorted(seen)
        empty = [0, 0, 0, 0]
        per_label = {
            label: _figures(
                _counts(label_exact.get(label, empty)),
                _counts(label_overlap.get(label, empty)),
                project_label(all_runs, label),
                two,
            )
            for label in label_names
        }
        pair_figures = tuple(
            PairFigures(
                reference=names[i],
                compared=names[j],
                figures=_figures(pair_exact[p], pair_overlap[p],
                                 project_annotators(all_runs, (i, j)), True),
            )
            for p, (i, j) in enumerate(pairs)
        )
        confusion = tuple(
            ConfusionTable(
                reference=names[i],
                compared=names[j],
                labels=_confusion_labels(Counter(pair_confusion[p]), label_names),
                counts=dict(pair_confusion[p]),
            )
            for p, (i, j) in enumerate(pairs)
        )
        per_document = self.per_document.sorted_by_key() if sort else self.per_document
        return AgreementResult(
            annotators=names,
            documents=tuple(per_document),
            overall=_figures(total_exact, total_overlap, all_runs, two),
            per_label=per_label,
            per_document=per_document,  # type: ignore[arg-type]
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
