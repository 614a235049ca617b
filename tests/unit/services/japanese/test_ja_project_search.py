"""Search by reading across a project file: every hit exact, aliases from the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.services.japanese import ReadingIndex
from annotator.services.japanese.index_cache import cached_blob
from annotator.services.japanese.parallel import PARALLEL_MIN_CHARS, IndexPool
from annotator.services.japanese.project_search import hit_record, load_indexes, search_project
from annotator.services.japanese.progress import IndexingCancelled
from annotator.store import Project
from ja_project import WHO, make_project, seed_texts
from ja_seeds import occurrences


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("search") / "p.annotator")


@pytest.mark.parametrize(("queries", "word"), [
    (("puchin", "Puchin", "プーチン"), "プーチン"),
    (("kitachosen", "kitachousen", "kita-chōsen"), "北朝鮮"),
    (("roshia", "ロシア"), "ロシア"),
])
def test_every_occurrence_found_in_every_document(path: Path, queries: tuple[str, ...], word: str) -> None:
    texts = seed_texts()
    with Project.open(path) as project:
        docs = {d.id: d for d in project.documents()}
        indexes = load_indexes(project)
        for query in queries:
            hits = search_project(project, query, indexes=indexes)
            for doc in docs.values():
                text = project.text(doc.id)
                assert text == texts[doc.name]
                got = [(h.start, h.end) for h in hits if h.document == doc.id]
                assert got == occurrences(text, word), (query, doc.name)
                assert all(text[h.start:h.end] == h.text == word for h in hits if h.document == doc.id)
    assert all(len([h for h in hits if h.document == d]) > 0 for d in docs)


def test_astral_characters_shift_the_code_point_offsets_only(path: Path) -> None:
    with Project.open(path) as project:
        hits = search_project(project, "puchin")
        by_doc: dict[str, list[int]] = {}
        for h in hits:
            by_doc.setdefault(project.document(h.document).name, []).append(h.start)
    plain, astral = by_doc["000_be41f9e744db60e0.txt"], by_doc["astral_000_be41f9e744db60e0.txt"]
    assert len(plain) == len(astral) and all(a > p for p, a in zip(plain, astral, strict=True))


def test_aliases_come_from_the_project(tmp_path: Path) -> None:
    path = make_project(tmp_path / "p.annotator")
    with Project.open(path) as project:
        assert not any(h.text == "金正恩" for h in search_project(project, "Kim Jong Un"))
        project.add_alias("Putin", "プーチン", who=WHO)
        project.add_alias("Kim Jong Un", "金正恩", who=WHO)
    with Project.open(path) as project:
        putin = search_project(project, "putin")
        kim = search_project(project, "kim jong-un")
        texts = {d.id: project.text(d.id) for d in project.documents()}
    assert {h.text for h in putin} == {"プーチン"}
    assert len(putin) == sum(len(occurrences(t, "プーチン")) for t in texts.values())
    assert {h.text for h in kim} >= {"金正恩"}
    assert all(texts[h.document][h.start:h.end] == h.text for h in kim)


def test_max_hits_records_and_cancel(path: Path) -> None:
    with Project.open(path) as project:
        hits = search_project(project, "roshia", 2)
        assert len(hits) == 2
        doc = project.document(hits[0].document)
        assert hit_record(hits[0], doc) == {"document": doc.name, "id": doc.uid, "start": hits[0].start,
                                            "end": hits[0].end, "text": "ロシア"}
        with pytest.raises(IndexingCancelled):
            load_indexes(project, progress=lambda done, total, name: done < 1)


def test_missing_indexes_are_built_across_processes_and_cached(tmp_path: Path) -> None:
    seeds = list(seed_texts().values())
    with Project.open(tmp_path / "p.annotator") as project:
        total, n = 0, 0
        while total < PARALLEL_MIN_CHARS:  # enough text for the processes to be started
            text = f"{n}: " + seeds[n % len(seeds)]  # distinct texts: distinct documents
            project.add_document(f"d{n}.txt", text, who=WHO)
            total, n = total + len(text), n + 1
        with IndexPool(workers=2) as pool:
            built = load_indexes(project, pool=pool)
            assert pool.started()  # the worker processes did the building
        assert {d: i.to_bytes() for d, i in built.items()} == {
            d.id: ReadingIndex.build(project.text(d.id)).to_bytes() for d in project.documents()}
        assert all(cached_blob(project, d.sha256) is not None for d in project.documents())
        cached = load_indexes(project)  # every index now comes from the project's cache
        assert {d: i.to_bytes() for d, i in cached.items()} == {d: i.to_bytes() for d, i in built.items()}
