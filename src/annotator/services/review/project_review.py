"""Agreement and consistency over a project: what ``annotator agree``/``check`` and the app run.

Both the command line and the review windows call these functions, so they show the same
numbers. Documents are keyed in an agreement result by their ``uid`` (the ``id`` of the native
export, stable across projects), not by the project's internal row id.

Both stream: the documents are read from SQL a chunk at a time (``store.review_reads``), so
time grows with the spans and characters read and memory stays flat however large the project.
Both take ``progress(done, total, what)`` (return False to cancel: :class:`ReviewCancelled`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple

from annotator.domain.errors import DataError
from annotator.services.gc_pause import gc_paused
from annotator.services.review.agreement import AgreementBuilder
from annotator.services.review.consistency import (
    DocumentFindings,
    Finding,
    LabelledTexts,
    SpanTuple,
)
from annotator.services.review.progress import Progress, ReviewCancelled, Ticker
from annotator.services.review.relation_agreement import (
    AttributeAgreementBuilder,
    RelationAgreementBuilder,
)
from annotator.services.review.results import AgreementResult
from annotator.store import Project
from annotator.store.mapped_reads import mapped
from annotator.store.review_reads import (
    PairPacking,
    agreement_chunks,
    agreement_pair_rows,
    agreement_rows,
    document_order_by_uid,
    has_annotator,
    text_chunks,
)

_END = itemgetter(1)

__all__ = ["KeyedSpan", "NamedFindings", "ReviewCancelled", "measure_rows", "project_agreement",
           "project_consistency", "scan_consistency"]


class KeyedSpan(NamedTuple):
    """A span as the agreement reads it, its document given by ``uid``."""

    id: str
    document_id: str
    start: int
    end: int
    label: str
    annotator: str


class NamedFindings(NamedTuple):
    """One document's findings (rows of ``LabelledTexts.scan``) with the document's name."""

    document_id: int
    name: str
    rows: list

    def findings(self) -> list[Finding]:
        return DocumentFindings(self.document_id, self.rows).findings()


def _check_names(project: Project, annotators: Sequence[str] | None,
                 labels: Sequence[str] | None) -> None:
    if annotators:
        unknown = [name for name in annotators if not has_annotator(project, name)]
        if unknown:
            known = set(project.annotators())
            raise DataError(f"no spans by annotator(s): {', '.join(unknown)} (annotators in the "
                            f"project: {', '.join(sorted(known)) or 'none'})")
    if labels:
        known = {label.name for label in project.labels()}
        unknown = [name for name in labels if name not in known]
        if unknown:
            raise DataError(f"unknown label(s): {', '.join(unknown)} "
                            f"(the project has: {', '.join(sorted(known))})")


def _chosen_ids(project: Project, documents: Sequence[str] | None) -> list[int] | None:
    if not documents:
        return None
    chosen: set[int] = set()
    for name in documents:
        ids = project.document_ids_matching(name)
        if not ids:
            raise DataError(f"no document named {name!r} in the project")
        chosen.update(ids)
    return sorted(chosen)


def project_agreement(
    project: Project,
    annotators: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> AgreementResult:
    """Agreement of ``annotators`` (the first is the reference) over the project.

    ``labels``: only these labels (None: every label used); ``documents``: only these documents
    (names, uids or SHA-256 prefixes; None: all). Raises :class:`DataError` for an unknown
    annotator, label or document, or fewer than two distinct annotators, and
    :class:`ReviewCancelled` when ``progress`` returns False.
    """
    if len(annotators) < 2 or len(set(annotators)) != len(annotators):
        raise DataError(f"give two or more distinct annotators, got {list(annotators)}")
    _check_names(project, annotators, labels)
    chosen = _chosen_ids(project, documents)
    names = list(annotators)
    builder = AgreementBuilder(names, labels)
    relations = RelationAgreementBuilder(names, labels)
    attributes = AttributeAgreementBuilder(
        names, [(a.label, a.name) for a in project.label_attributes()], labels)
    extras = {"relations": True, "attribute_labels": list(attributes.by_label)}
    packing = PairPacking.of(project) if builder.two else None
    order = None if packing is not None or builder.order_free else document_order_by_uid(
        project, chosen)  # in uid order, the order of every floating-point sum
    if order is not None:
        total = len(order)
    else:  # in id order, in one range read per chunk
        total = project.document_count() if chosen is None else len(chosen)
    ticker = Ticker(progress, total, every=1000)
    with mapped(project) as release, gc_paused():  # each chunk's pages mapped, then let go
        if packing is not None:  # two annotators' spans packed
            builder.use_packing(packing)
            if not _measure_in_workers(project, names, packing, chosen, total, extras, release,
                                       ticker, builder, relations, attributes):
                pairs = agreement_pair_rows(project, names, packing, chosen, **extras)  # type: ignore[arg-type]
                _measure_pairs(_releasing(pairs, release), ticker, builder, packing, relations,
                               attributes)
        elif order is not None or not _measure_rows_in_workers(
                project, names, labels, chosen, total, extras, release, ticker, builder,
                relations, attributes):
            if order is None:
                chunks = agreement_rows(project, names, chosen, **extras)  # type: ignore[arg-type]
            else:
                chunks = agreement_chunks(project, order, names, **extras)  # type: ignore[arg-type]
            none: list[list] = [[] for _ in names]
            _measure(_releasing(chunks, release), ticker, builder.add_rows, relations,
                     attributes, none)
    return replace(builder.result(sort=builder.order_free), relations=relations.overall(),
                   relations_per_type=relations.per_type(t.name for t in project.relation_types()),
                   attributes=attributes.figures())


def _measure_in_workers(project: Project, names: list[str], packing: PairPacking,
                        chosen: list[int] | None, total: int, extras: dict[str, Any],
                        release: Any, ticker: Ticker, builder: AgreementBuilder,
                        relations: RelationAgreementBuilder,
                        attributes: AttributeAgreementBuilder) -> bool:
    """:func:`_measure_pairs` of every chosen document, its chunks shared with a worker
    process (``agree_workers``) when there are enough of them; False when there are not (or
    no worker could start), and nothing was added."""
    label_mask = packing.label_mask
    attribute_ids = {index for index, name in enumerate(packing.labels)
                     if name in attributes.by_label}

    def add(ids: list[int], measured: Any) -> None:
        if measured is None:  # relations, values or a long text: the one-process way
            pairs = agreement_pair_rows(project, names, packing, ids, size=len(ids), **extras)
            _measure_pairs(_releasing(pairs, release), ticker, builder, packing, relations,
                           attributes)
            return
        nested = builder.add_measured(measured.uids, measured.counts, measured.coefficients,
                                      measured.totals, measured.nested)
        if attribute_ids:
            places = measured.twins + Counter(map(label_mask.__and__, chain.from_iterable(nested)))
            _add_unset(places, attributes, packing.labels, attribute_ids)
        ticker.advance(measured.read, "measuring agreement")

    return _shared(project, chosen, total, release, "measure_chunk",
                   (names, packing.labels, builder.wanted, extras["attribute_labels"]), add)


def _measure_rows_in_workers(project: Project, names: list[str], labels: Sequence[str] | None,
                             chosen: list[int] | None, total: int, extras: dict[str, Any],
                             release: Any, ticker: Ticker, builder: AgreementBuilder,
                             relations: RelationAgreementBuilder,
                             attributes: AttributeAgreementBuilder) -> bool:
    """:func:`_measure` of every chosen document (spans measured a document at a time: three
    annotators), its chunks shared with a worker process when there are enough of them, each
    chunk measured by builders of its own and merged here in document order; False when there
    are not enough (or no worker could start), and nothing was added."""
    def add(_ids: list[int], measured: Any) -> None:
        builder.merge(measured.spans)
        relations.merge(measured.relations)
        attributes.merge(measured.attributes)
        ticker.advance(measured.read, "measuring agreement")

    return _shared(project, chosen, total, release, "measure_rows_chunk",
                   (names, None if labels is None else list(labels), list(attributes.declared),
                    extras["attribute_labels"]), add)


def _shared(project: Project, chosen: list[int] | None, total: int, release: Any,
            work: str, args: tuple[Any, ...], add: Any) -> bool:
    """Measure the chunks of the chosen documents with ``work`` (the name of a function of
    ``agree_workers``, called as ``work(project, ids, *args)``) here and in a worker process,
    and ``add(ids, measured)`` each, in document order; False when there are too few documents
    or no worker could start, and nothing was added."""
    from concurrent.futures.process import BrokenProcessPool

    from annotator.services.review import agree_workers

    workers = agree_workers.workers_for(total)
    if not workers:
        return False
    every = iter(chosen) if chosen is not None else _ids_released(project, release)

    def here(ids: list[int]) -> Any:
        measured = getattr(agree_workers, work)(project, ids, *args)
        release()
        return measured

    results = agree_workers.run(str(project.path), every, workers, work, args, here)
    added = False
    try:
        for ids, measured in results:
            added = True
            add(ids, measured)
    except BrokenProcessPool:
        if added:
            raise
        return False  # no worker could start: this process measures it all
    finally:
        results.close()
    return True


def _ids_released(project: Project, release: Any, page: int = 500) -> Iterator[int]:
    """Every document's id in id order, the pages the ids were read from unmapped after each
    ``page`` of them (``release``: of ``store.mapped_reads.mapped``; the documents' table holds
    the texts: 10,000 ids mapped 180 MB of them at 100,000 documents)."""
    for count, doc_id in enumerate(project.iter_document_ids(page), 1):
        yield doc_id
        if count % page == 0:
            release()


def _releasing(chunks: Iterator, release: Any) -> Iterator:
    """``chunks``, the pages read for each unmapped once it is measured (``release``: of
    ``store.mapped_reads.mapped``), so that the memory map holds one chunk's pages."""
    for chunk in chunks:
        yield chunk
        release()


def _measure(chunks: Iterator, ticker: Ticker, add: Any, relations: RelationAgreementBuilder,
             attributes: AttributeAgreementBuilder, none: list[list]) -> None:
    """Add every included document of ``chunks`` to the builders (``add``: the span
    builder's ``add_rows``)."""
    for chunk, more, ids in chunks:
        _measure_chunk(chunk, more, ids, add, relations, attributes, none)
        ticker.advance(len(chunk), "measuring agreement")


def _measure_chunk(chunk: list, more: Any, ids: list[int], add: Any,
                   relations: RelationAgreementBuilder, attributes: AttributeAgreementBuilder,
                   none: list[list]) -> None:
    for doc, (uid, length, spans) in zip(ids, chunk, strict=True):
        if all(spans):
            for one in spans:
                if max(map(_END, one)) > length:
                    raise ValueError(f"a span of document {uid!r} ends after its "
                                     f"{length} characters")
            add(uid, length, spans)
            relations.add(more.relations.get(doc, none))
            attributes.add(spans, more.values.get(doc))


def measure_rows(chunks: Sequence[tuple[list, Any, list[int]]], builder: AgreementBuilder,
                 relations: RelationAgreementBuilder, attributes: AttributeAgreementBuilder
                 ) -> int:
    """Add every included document of ``chunks`` (of ``agreement_rows``) to the builders, a
    document at a time; returns how many documents were read (for ``agree_workers``)."""
    none: list[list] = [[] for _ in builder.names]
    read = 0
    for chunk, more, ids in chunks:
        _measure_chunk(chunk, more, ids, builder.add_rows, relations, attributes, none)
        read += len(chunk)
    return read


def _measure_pairs(chunks: Iterator, ticker: Ticker, builder: AgreementBuilder,
                   packing: PairPacking, relations: RelationAgreementBuilder,
                   attributes: AttributeAgreementBuilder) -> None:
    """:func:`_measure` of two annotators' spans packed by ``packing``
    (``agreement_pair_rows``): the builder's :meth:`~AgreementBuilder.add_packed`, and the
    relations and attributes over the same documents."""
    none: list[list] = [[], []]
    names, label_mask = packing.labels, packing.label_mask
    start_shift, end_shift, position_mask = (packing.start_shift, packing.end_shift,
                                             packing.position_mask)
    attribute_ids = {index for index, name in enumerate(names) if name in attributes.by_label}
    add_relations, add_attributes = relations.add, attributes.add
    for chunk, more, ids, packed in chunks:
        relations_of, values_of = more.relations, more.values
        if not packed:
            _measure([(_chunk_rows(chunk), more, ids)], ticker, builder.add_rows, relations,
                     attributes, none)
            continue
        if not relations_of and not values_of:  # no document needs more than its twins
            unset = builder.add_packed_rows([row for row in chunk
                                             if row[2] is not None and row[3] is not None])
            if attribute_ids:
                _count_unset(unset, attributes, names, label_mask, attribute_ids)
            ticker.advance(len(chunk), "measuring agreement")
            continue
        unset = []  # twins of documents without attribute values
        both = [(doc, row) for doc, row in zip(ids, chunk, strict=True)
                if row[2] is not None and row[3] is not None]
        measured = builder.add_packed_rows([row for _doc, row in both])
        for (doc, _row), twins in zip(both, measured, strict=True):
            if relations_of:
                add_relations(relations_of.get(doc, none))
            if attribute_ids and twins:  # the spans both marked identically are the units
                values = values_of.get(doc)
                if values is None:
                    unset.append(twins)
                    continue
                common = [(x >> start_shift, x >> end_shift & position_mask, names[x & label_mask])
                          for x in twins if x & label_mask in attribute_ids]
                if common:
                    add_attributes([common, common], values)
        _count_unset(unset, attributes, names, label_mask, attribute_ids)
        ticker.advance(len(chunk), "measuring agreement")


def _count_unset(unset: list[set[int]], attributes: AttributeAgreementBuilder, names: list[str],
                 label_mask: int, attribute_ids: set[int]) -> None:
    """Count the spans of ``unset`` (each document's twins, packed; no value on either side)
    whose labels declare attributes as places where both left every attribute unset."""
    _add_unset(Counter(map(label_mask.__and__, chain.from_iterable(unset))), attributes, names,
               attribute_ids)


def _add_unset(places: Counter, attributes: AttributeAgreementBuilder, names: list[str],
               attribute_ids: set[int]) -> None:
    """Count ``places`` (label id -> spans both marked identically, no value on either side)
    of the labels that declare attributes as places where every attribute was left unset."""
    for label, count in places.items():
        if label in attribute_ids:
            attributes.add_unset(names[label], count)


def _chunk_rows(chunk: list) -> list:
    """Rows ``(uid, length, first, second)`` of tuples as :func:`_measure` takes them."""
    return [(uid, length, [first or [], second or []]) for uid, length, first, second in chunk]


def scan_consistency(
    project: Project,
    *,
    annotators: Sequence[str] | None = None,
    min_length: int = 2,
    progress: Progress | None = None,
) -> Iterator[NamedFindings]:
    """Both consistency checks over every document, one document at a time: yields the
    findings of each document that has some, in document order (each sorted by position).

    Two passes over the documents: the first collects the distinct labelled texts, the second
    searches every document for them. ``progress`` counts both passes (``total`` = twice the
    documents). Each chunk of documents is read in its own read transaction: a change written
    while the check runs shows in the documents read after it.
    """
    _check_names(project, annotators, None)
    total = 2 * project.document_count()
    ticker = Ticker(progress, total, every=200)
    index = LabelledTexts(min_length)
    for chunk in text_chunks(project, annotators=annotators):
        for _doc, _name, text, spans in chunk:
            _check_fit(spans, text)
            index.add(text, spans)
        ticker.advance(len(chunk), "collecting labelled texts")
    index.freeze()
    for chunk in text_chunks(project, annotators=annotators):
        for doc, name, text, spans in chunk:
            rows = index.scan(text, spans)
            if rows:
                yield NamedFindings(doc, name, rows)
        ticker.advance(len(chunk), "checking")


def _check_fit(spans: list[SpanTuple], text: str) -> None:
    length = len(text)
    for span_id, start, end, _label in spans:
        if not 0 <= start < end <= length:
            raise ValueError(f"span {span_id!r} [{start}, {end}) does not fit its document of "
                             f"length {length}")


def project_consistency(
    project: Project,
    *,
    annotators: Sequence[str] | None = None,
    min_length: int = 2,
    progress: Progress | None = None,
) -> list[Finding]:
    """Every finding of both checks as a list (``annotators``: only their spans). For a large
    project prefer :func:`scan_consistency`, which holds one document's findings at a time."""
    return [f for found in scan_consistency(project, annotators=annotators,
                                            min_length=min_length, progress=progress)
            for f in found.findings()]
