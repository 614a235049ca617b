"""The agreement of two annotators over a large project, its chunks shared with a worker
process: the same result to the last bit as one process (every figure, every document in the
same order), the same refusal of a damaged span, and a cancel that stops the worker."""

from __future__ import annotations

import json

import pytest

from annotator.services.review import agree_workers, project_review
from annotator.services.review.project_review import ReviewCancelled, project_agreement
from annotator.store import Project
from tests.unit.services.test_native_relations import TEXT, fill


@pytest.fixture
def corpus(project: Project) -> Project:
    """Relations and attribute values in the first documents, then documents where the two
    annotators agree, disagree, nest spans of one label, or one of them is missing."""
    fill(project)
    for n in range(45):
        doc, _ = project.add_document(f"doc-{n:02d}.txt", f"{n}\U0001F600{TEXT}", who="t")
        if n % 9 == 4:
            continue  # nobody
        project.add_span(doc.id, 1, 3, "actor", "hana")
        if n % 9 == 5:
            continue  # ken has nothing here
        project.add_span(doc.id, 1, 3 + n % 2, "actor", "ken")
        project.add_span(doc.id, 2, 6 + n % 5, "number", "ken")
        project.add_span(doc.id, 2, 6, "claim" if n % 3 else "source", "hana")
        if n % 7 == 0:  # spans of one label nest: the tuple sweep
            project.add_span(doc.id, 4, 9, "claim", "ken")
            project.add_span(doc.id, 5, 7, "claim", "ken")
        if n % 4:  # a third annotator
            project.add_span(doc.id, 1, 3 + n % 3, "actor", "mei")
            project.add_span(doc.id, 2, 6, "number" if n % 5 else "claim", "mei")
    for span in project.db.execute("SELECT id FROM spans WHERE annotator = 'ken' AND "
                                   "document_id = (SELECT id FROM documents WHERE name = "
                                   "'cnn.txt')").fetchall():
        project.add_span(*project.db.execute(
            "SELECT document_id, start, \"end\" FROM spans WHERE id = ?", span).fetchone(),
            "claim", "mei")
    return project


def measured(project: Project, who: list[str] | None = None, **options: object) -> str:
    result = project_agreement(project, who or ["hana", "ken"], **options)  # type: ignore[arg-type]
    documents = [(key, figures.to_json()) for key, figures in result.per_document.items()]
    return json.dumps([result.to_json(), documents], ensure_ascii=False, allow_nan=True)


def shared(monkeypatch: pytest.MonkeyPatch, counted: str | None = None) -> list[int]:
    """Let every selection share its chunks (of 2 documents) with a worker; returns the sizes
    of the chunks this process measures with ``agree_workers.<counted>`` (the worker process
    has its own, uncounted)."""
    monkeypatch.delenv("ANNOTATOR_REVIEW_WORKERS", raising=False)
    monkeypatch.setattr(agree_workers, "MIN_DOCUMENTS", 0)
    monkeypatch.setattr(agree_workers, "CHUNK_DOCUMENTS", 2)
    sizes: list[int] = []
    if counted is not None:
        real = getattr(agree_workers, counted)

        def counting(project, ids, *args):  # type: ignore[no-untyped-def]
            sizes.append(len(ids))
            return real(project, ids, *args)

        monkeypatch.setattr(agree_workers, counted, counting)
    return sizes


@pytest.mark.parametrize("options", [{}, {"labels": ["claim", "actor"]},
                                     {"documents": ["doc-03.txt", "cnn.txt", "doc-40.txt",
                                                    "doc-21.txt", "doc-14.txt"]}])
def test_three_annotators_the_same_result_as_one_process(
        corpus: Project, monkeypatch: pytest.MonkeyPatch, options: dict[str, object]) -> None:
    who = ["hana", "ken", "mei"]
    monkeypatch.setenv("ANNOTATOR_REVIEW_WORKERS", "0")
    alone = measured(corpus, who, **options)
    assert '"mei"' in alone and '"cohen_kappa"' in alone
    here = shared(monkeypatch, "measure_rows_chunk")
    assert measured(corpus, who, **options) == alone
    if agree_workers.workers_for(10**6) and not options.get("documents"):
        assert here and sum(here) < 47, "one process measured every chunk"


@pytest.mark.parametrize("options", [{}, {"labels": ["claim", "actor"]},
                                     {"documents": ["doc-03.txt", "doc-14.txt", "cnn.txt",
                                                    "doc-21.txt", "doc-40.txt"]}])
def test_the_same_result_as_one_process(corpus: Project, monkeypatch: pytest.MonkeyPatch,
                                        options: dict[str, object]) -> None:
    monkeypatch.setenv("ANNOTATOR_REVIEW_WORKERS", "0")
    alone = measured(corpus, **options)
    assert '"cohen_kappa"' in alone
    here = shared(monkeypatch, "measure_chunk")
    assert measured(corpus, **options) == alone
    if agree_workers.workers_for(10**6):
        assert here, "this process measured none of the chunks"
        assert len(here) < 24, "the worker measured none of the chunks"


def test_a_chunk_with_relations_or_values_goes_the_one_process_way(corpus: Project) -> None:
    from annotator.store.review_reads import PairPacking

    packing = PairPacking.of(corpus)
    assert packing is not None
    first = [row[0] for row in corpus.db.execute("SELECT id FROM documents ORDER BY id LIMIT 4")]
    args = (["hana", "ken"], packing.labels, None, ["claim", "source"])
    assert agree_workers.measure_chunk(corpus, first[:1], *args) is None  # relations, values
    plain = agree_workers.measure_chunk(corpus, first[2:], *args)
    assert plain is not None and plain.read == 2 and len(plain.uids) == 1  # ken has none in one


def test_a_damaged_span_is_refused_as_by_one_process(corpus: Project,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    doc = corpus.db.execute("SELECT id, length FROM documents WHERE name = 'doc-30.txt'").fetchone()
    corpus.db.execute("UPDATE spans SET \"end\" = ? WHERE document_id = ? AND annotator = 'ken' "
                      "AND label_id = (SELECT id FROM labels WHERE name = 'number')",
                      [doc[1] + 4, doc[0]])
    monkeypatch.setenv("ANNOTATOR_REVIEW_WORKERS", "0")
    with pytest.raises(ValueError) as alone:
        project_agreement(corpus, ["hana", "ken"])
    shared(monkeypatch)
    with pytest.raises(ValueError) as both:
        project_agreement(corpus, ["hana", "ken"])
    assert str(both.value) == str(alone.value)
    assert "ends after its" in str(both.value)


def test_a_cancel_stops_the_worker(corpus: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    if not agree_workers.workers_for(10**6):
        pytest.skip("one core: no worker")
    shared(monkeypatch)
    monkeypatch.setattr(project_review.Ticker, "__init__", _every_chunk(project_review.Ticker.__init__))
    seen: list[int] = []

    def progress(done: int, total: int, what: str) -> bool:
        seen.append(done)
        return done < 10

    with pytest.raises(ReviewCancelled):
        project_agreement(corpus, ["hana", "ken"], progress=progress)
    assert seen and seen[-1] >= 10 and seen[-1] < 47


def test_small_projects_and_zero_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANNOTATOR_REVIEW_WORKERS", raising=False)
    assert agree_workers.workers_for(agree_workers.MIN_DOCUMENTS - 1) == 0
    monkeypatch.setenv("ANNOTATOR_REVIEW_WORKERS", "0")
    assert agree_workers.workers_for(10**6) == 0


def _every_chunk(init):  # type: ignore[no-untyped-def]
    def patched(self, progress, total, every=1000):  # type: ignore[no-untyped-def]
        init(self, progress, total, every=1)
    return patched
