"""The agreement over a large project, its chunks measured in two processes.

Reading a chunk's spans out of SQLite and measuring them is nearly all the time of
``annotator agree`` over a corpus, and it is the same work for every chunk. With two cores
(:mod:`annotator.services.chunk_workers`), a worker process measures some chunks with its own
connection while this process measures the others, and this process adds every chunk's
figures to the builders in document order, so the result is the one-process result to the last
bit: every total is a sum of integers, each document's kappa and alpha come from the same code
on the same integers, and the totals take the chunks' keys in the order one process meets them.

Two annotators' packed spans: :func:`measure_chunk` (a chunk with relations or attribute
values, or with a text too long to pack, is left to this process's one-process way, in its
turn). Three annotators (or two whose spans cannot be packed): :func:`measure_rows_chunk`,
builders of the chunk's own, merged. Four or more stay in one process (Krippendorff's alpha
then adds fractions in document order). Used for :data:`MIN_DOCUMENTS` documents or more
(``ANNOTATOR_REVIEW_WORKERS=0`` turns it off).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from annotator.services import chunk_workers
from annotator.services.review.packed_pairs import PackedPairs

__all__ = ["MIN_DOCUMENTS", "Builders", "Measured", "measure_chunk", "measure_rows_chunk", "run",
           "workers_for"]

#: Selections smaller than this are measured in this process.
MIN_DOCUMENTS = 4_000
#: Documents per chunk (what one read transaction covers, as in one process).
CHUNK_DOCUMENTS = 500


class Measured(NamedTuple):
    """What a chunk adds to the builders: the documents measured from packed spans (``uids``,
    their ``counts`` and ``coefficients`` as :meth:`.PackedPairs.add_documents` writes them,
    as bytes), the rows whose spans of one label nest (``nested``: measured by the builder's
    tuple sweep, after the others, as in one process), the totals of
    :class:`~.packed_pairs.PackedPairs` over the chunk (``totals``, see
    :meth:`.PackedPairs.totals`), the number of documents read (``read``), and label id ->
    spans both annotators marked identically (``twins``: where attributes may be unset)."""

    uids: list[Any]
    counts: bytes
    coefficients: bytes
    nested: list[tuple[Any, int, list[int], list[int]]]
    totals: tuple[Any, ...]
    read: int
    twins: Counter


def workers_for(documents: int) -> int:
    """How many worker processes the agreement of ``documents`` documents uses (0: none)."""
    return chunk_workers.workers_for(documents, MIN_DOCUMENTS, "ANNOTATOR_REVIEW_WORKERS")


def measure_chunk(project: Any, ids: Sequence[int], annotators: list[str], labels: list[str],
                  wanted: frozenset[str] | None, attribute_labels: list[str]
                  ) -> Measured | None:
    """The :class:`Measured` figures of the documents ``ids`` (one read transaction), or None
    when the chunk needs the one-process way (relations, attribute values, a text too long
    to pack). ``labels``: the packing's label names by id."""
    from annotator.store.review_reads import PairPacking, agreement_pair_rows

    packing = PairPacking(labels)
    chunks = list(agreement_pair_rows(project, annotators, packing, list(ids), size=len(ids),
                                      relations=True, attribute_labels=attribute_labels))
    if not chunks:
        return Measured([], b"", b"", [], PackedPairs(packing, wanted).totals(), 0, Counter())
    ((rows, more, _ids, packed),) = chunks
    if not packed or more.relations or more.values:
        return None
    pairs = PackedPairs(packing, wanted)
    counts, coefficients = array("q"), array("d")
    both = [row for row in rows if row[2] is not None and row[3] is not None]
    uids, twins_of = pairs.add_documents(both, counts, coefficients)
    label_mask = packing.label_mask
    twins = Counter(label_mask & x for one in twins_of if one for x in one)
    nested = [row for row, one in zip(both, twins_of, strict=True) if one is None]
    return Measured(uids, counts.tobytes(), coefficients.tobytes(), nested, pairs.totals(),
                    len(rows), twins)


def measure_rows_chunk(project: Any, ids: Sequence[int], annotators: list[str],
                       labels: list[str] | None, declared: list[tuple[str, str]],
                       attribute_labels: list[str]) -> Builders:
    """The spans, relations and attributes of the documents ``ids`` (one read transaction)
    measured one document at a time by builders of their own (three annotators, or two whose
    spans cannot be packed): :class:`Builders`, for :meth:`.AgreementBuilder.merge` and the
    others' ``merge``. ``declared``: the project's attribute declarations."""
    from annotator.services.review.agreement import AgreementBuilder
    from annotator.services.review.project_review import measure_rows
    from annotator.services.review.relation_agreement import (
        AttributeAgreementBuilder,
        RelationAgreementBuilder,
    )
    from annotator.store.review_reads import agreement_rows

    builder = AgreementBuilder(annotators, labels)
    relations = RelationAgreementBuilder(annotators, labels)
    attributes = AttributeAgreementBuilder(annotators, declared, labels)
    chunks = list(agreement_rows(project, annotators, list(ids), size=len(ids), relations=True,
                                 attribute_labels=attribute_labels))
    read = measure_rows(chunks, builder, relations, attributes)
    return Builders(builder, relations, attributes, read)


class Builders(NamedTuple):
    """What :func:`measure_rows_chunk` measured in a chunk, and how many documents it read."""

    spans: Any
    relations: Any
    attributes: Any
    read: int


def run(path: str, ids: Iterator[int], workers: int, work: str, args: tuple[Any, ...],
        local: Callable[[list[int]], Any]) -> Iterator[tuple[list[int], Any]]:
    """``(ids, measured)`` of every chunk of ``ids``, in order, shared between ``workers``
    processes, where ``work`` (``"measure_chunk"`` or ``"measure_rows_chunk"``, the function
    of this module) measures a chunk as ``work(project, ids, *args)``, and ``local(ids)`` here."""
    chunks = chunk_workers.chunks_of(ids, CHUNK_DOCUMENTS)
    results = chunk_workers.run_chunks(path, chunks, workers, _with_ids, (work, *args),
                                       lambda chunk: (chunk, local(chunk)))
    try:
        yield from results
    finally:
        results.close()


def _with_ids(project: Any, ids: Sequence[int], work: str, *args: Any
              ) -> tuple[list[int], Any]:  # in a worker
    return list(ids), globals()[work](project, ids, *args)
