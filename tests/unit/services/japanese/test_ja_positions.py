"""Reading matches from the token postings (positions.py): the same hits as search() over every
document's index, for generated documents (astral characters, NEL, letters lost at token
boundaries) and for every piece of their keys, with all, some or none of the documents in the
postings; documents removed or indexed again; a killed build, and two processes building at
once; the blob format and the lazy spans."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.services.japanese import ReadingIndex, search
from annotator.services.japanese import corpus_search as cs
from annotator.services.japanese import positions
from annotator.services.japanese.candidates import find_literal_fast
from annotator.services.japanese.matching import split_point
from annotator.store import Project
from ja_project import WHO, seed_texts
from test_ja_corpus_search import QUERIES, _generated, _grouped, _spans


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    text = "\n".join(seed_texts().values())
    pieces = [text[i : i + rng.randrange(1, 30)] for i in rng.sample(range(len(text) - 30), 400)]
    odd = ["ロシアのウラジーミル・プーチン", "日本の", "ん", "おう", "ー", "\x85", "𩸽", "葛\U000E0100",
           "あああああ", "ミミミ", "はははは", "777777"]
    return list(dict.fromkeys(_generated(rng, pieces + odd) for _ in range(count)))


def _project(path: Path, texts: list[str]) -> Project:
    project = Project.open(path)
    for i, t in enumerate(texts):
        project.add_document(f"g{i}.txt", t, who=WHO)
    project.add_alias("Putin", "プーチン", who=WHO)
    cs.index_readings(project)
    return project


def _queries(indexes: dict[int, ReadingIndex], rng: random.Random, count: int) -> list[str]:
    """The test's queries, pieces of the documents' keys (where matches start and end inside
    tokens and across them) and of their texts."""
    found = [*QUERIES, "ああ", "あああ", "ミミ", "はは", "77", "777"]
    for index in rng.sample(list(indexes.values()), min(20, len(indexes))):
        for _ in range(count):
            if index.key:
                at = rng.randrange(len(index.key))
                found.append(index.key[at : at + rng.randrange(1, 14)])
            if index.text:
                at = rng.randrange(len(index.text))
                found.append(index.text[at : at + rng.randrange(1, 6)])
    return [q for q in dict.fromkeys(found) if q.strip()]


def _check_all(project: Project, queries: list[str]) -> None:
    indexes = {d.id: ReadingIndex.build(project.text(d.id)) for d in project.documents()}
    aliases = project.aliases()
    for query in queries:
        expected = search(indexes, None, query, aliases)
        assert _grouped(project, query) == _spans(expected), query
        assert list(cs.iter_hits(project, query)) == expected, query


def _small_batches(corpus: Path, path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``corpus`` at ``path``, its postings built in batches of 30 documents."""
    path.write_bytes(corpus.read_bytes())
    monkeypatch.setattr(cs, "POSITION_BATCH_DOCS", 30)
    monkeypatch.setattr(cs, "POSITION_BATCH_PARTS", 1)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("positions") / "p.annotator"
    with _project(path, _texts(3, 260)) as project:
        assert cs.positions_pending(project) == len(project.documents())
    return path


def test_every_document_in_the_postings_gives_the_hits_of_search(corpus: Path, tmp_path: Path) -> None:
    path = tmp_path / "all.annotator"
    path.write_bytes(corpus.read_bytes())
    with Project.open(path) as project:
        total = len(project.documents())
        assert cs.index_positions(project) == total
        assert cs.positions_pending(project) == 0 and cs.index_positions(project) == 0
        indexes = {d.id: ReadingIndex.build(project.text(d.id)) for d in project.documents()}
        _check_all(project, _queries(indexes, random.Random(1), 12))


def test_some_documents_in_the_postings_give_the_same_hits(corpus: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A third of the documents in the postings (a batch of 30, then a cancelled run), the
    others matched document by document: the hits do not change."""
    path = _small_batches(corpus, tmp_path / "some.annotator", monkeypatch)
    with Project.open(path) as project:
        total = len(project.documents())
        assert cs.index_positions(project, max_batches=2) == 60
        with pytest.raises(cs.IndexingCancelled):
            cs.index_positions(project, progress=lambda done, todo: done < 30)
        assert cs.positions_pending(project) == total - 90
        indexes = {d.id: ReadingIndex.build(project.text(d.id)) for d in project.documents()}
        _check_all(project, _queries(indexes, random.Random(2), 6))


def test_removed_and_reindexed_documents(corpus: Path, tmp_path: Path) -> None:
    """A document removed (by another tool: the app removes none) leaves its tokens in their
    batch, where they no longer count, also once its id is given to a new document; one whose
    readings are stored again is matched document by document until its tokens are added
    again (a later batch, out of document order)."""
    path = tmp_path / "edit.annotator"
    path.write_bytes(corpus.read_bytes())
    with Project.open(path) as project:
        cs.index_positions(project)
        docs = project.documents()
        gone = [d.id for d in docs[5:40:3]] + [docs[-1].id]
        with project.atomic():
            for doc_id in gone:
                project.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])
        reused, _ = project.add_document("reused.txt", "ロシアのウラジーミル・プーチン", who=WHO)
        assert reused.id == docs[-1].id
        cs.index_readings(project)
        again = [d.id for d in docs[50:60]]
        cs.store_rows(project, cs.build_rows([(d, project.text(d), None) for d in again]))
        assert cs.positions_pending(project) == len(again) + 1
        queries = ["puchin", "ぷーちん", "kitachosen", "roshia", "no", "urazimiru", "ni", "プーチン"]
        _check_all(project, queries)
        assert cs.index_positions(project) == len(again) + 1
        _check_all(project, queries)
        added, _ = project.add_document("late.txt", "北朝鮮のプーチン\nロシアのウラジーミル", who=WHO)
        cs.index_readings(project)
        cs.index_positions(project)
        assert added.id in {h.document for h in cs.iter_hits(project, "urazimiru")}
        _check_all(project, queries)


def test_postings_of_another_version_are_built_again(corpus: Path, tmp_path: Path) -> None:
    """...removed and built again, also under a project whose decoded rows are kept from the
    queries before (the new rows have new batch numbers: none kept is taken for them)."""
    path = tmp_path / "version.annotator"
    path.write_bytes(corpus.read_bytes())
    with Project.open(path) as project:
        total = len(project.documents())
        cs.index_positions(project)
        _check_all(project, ["puchin", "kitachosen", "ミサイル"])  # rows kept for the project
        last = project.documents()[-1]
        with project.atomic():  # its id goes to a document of another text
            project.db.execute("DELETE FROM documents WHERE id = ?", [last.id])
        again, _ = project.add_document("again.txt", "ミサイルとプーチン\n北朝鮮のミサイル", who=WHO)
        assert again.id == last.id
        cs.index_readings(project)
        with project.atomic():
            project.db.execute("UPDATE search_position_docs SET version = version - 1 WHERE document_id % 2 = 0")
        assert cs.positions_outdated(project) and cs.positions_pending(project) == total // 2
        assert cs.index_positions(project) == total  # all of them, from the start
        assert not cs.positions_outdated(project)
        assert project.db.execute("SELECT count(DISTINCT batch) FROM search_postings").fetchone()[0] >= 1
        _check_all(project, ["puchin", "kitachosen", "ミサイル"])


KILL_AFTER_FIRST_BATCH = """
import os, signal, sys
from annotator.store import Project
from annotator.services.japanese import corpus_search as cs
cs.POSITION_BATCH_DOCS = int(sys.argv[2])
cs.POSITION_BATCH_PARTS = 1
def progress(done, total):
    if done:
        os.kill(os.getpid(), signal.SIGKILL)
cs.index_positions(Project.open(sys.argv[1]), progress=progress)
"""

BUILD = """
import sys
from annotator.store import Project
from annotator.services.japanese import corpus_search as cs
cs.POSITION_BATCH_DOCS, cs.POSITION_BATCH_PARTS = int(sys.argv[2]), 2
with Project.open(sys.argv[1]) as project:
    print(cs.index_positions(project))
"""


def test_a_killed_build_keeps_its_batches_and_two_builders_share_the_work(corpus: Path, tmp_path: Path) -> None:
    path = tmp_path / "kill.annotator"
    path.write_bytes(corpus.read_bytes())
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_BATCH, str(path), "25"], check=False)
    assert done.returncode == -9
    with Project.open(path) as project:
        total = len(project.documents())
        assert cs.positions_pending(project) == total - 25
    # two processes at once: each batch is written by one transaction; a document either
    # builds is in the postings once, under the batch that wrote it last
    runs = [subprocess.Popen([sys.executable, "-c", BUILD, str(path), size], stdout=subprocess.PIPE,
                             text=True) for size in ("20", "35")]
    outs = [r.communicate(timeout=300)[0] for r in runs]
    assert all(r.returncode == 0 for r in runs), outs
    assert sum(int(o) for o in outs) >= total - 25
    with Project.open(path) as project:
        assert cs.positions_pending(project) == 0
        docs = project.db.execute("SELECT count(*), count(DISTINCT document_id) FROM search_position_docs").fetchone()
        assert docs == (total, total)
        _check_all(project, ["puchin", "kitachosen", "roshia", "no", "urazimiru", "ミサイル", "a"])


def test_a_batch_written_in_steps_counts_for_no_document_once_its_type_ids_went_to_others(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window writes a batch in several transactions (store_steps): its types' ids are
    taken in the first ones. Another program that clears the postings in between (one of
    another version rebuilding them) may give those ids to other types: the batch's last step
    then adds no document, whose positions would be read as the other types'."""
    from annotator.store import search_positions

    path = _small_batches(corpus, tmp_path / "steps.annotator", monkeypatch)
    with Project.open(path) as project:
        total = len(project.documents())
        assert cs.index_positions(project, max_batches=1) == 30
        batch = positions.build_batch(cs.next_position_items(project, 0, 40, 10**8))
        assert positions.prepare(batch)
        *steps, finish = list(positions.store_steps(batch))
        for step in steps:
            with project.atomic():
                step(project.db.conn)
        with project.atomic():  # another program: the postings cleared, its types first
            search_positions.clear(project.db.conn)
            search_positions.type_ids(project.db.conn, list(reversed(batch.types)))
        with project.atomic():
            assert finish(project.db.conn) == 0
        assert project.db.execute("SELECT count(*) FROM search_position_docs").fetchone()[0] == 0
        with project.atomic():
            search_positions.clear(project.db.conn)
        assert cs.index_positions(project) == total
        _check_all(project, ["puchin", "kitachosen", "roshia", "ミサイル", "no"])


def test_the_cuts_of_a_type_are_those_of_split_point() -> None:
    """Each entry of a type that starts or ends inside the token is where split_point puts
    the cut, for the tokens of the seeds (with and without letters lost to the key before)."""
    for text in seed_texts().values():
        index = ReadingIndex.build(text)
        data = index.to_columns()
        ks = list(data["key_starts"]) + [len(index.key)]
        for i in range(len(index)):
            s, e = index.token_bounds(i)
            surface, stored = text[s:e], index.key[ks[i] : ks[i + 1]]
            dropped = data["drops"].get(i, "")
            local = dropped + stored
            for key, role, a, b in positions.type_entries(surface, stored, dropped):
                if role == positions.START and a:
                    off = len(dropped) + len(stored) - len(key)
                    assert split_point(surface, local, off, True) == a
                if role == positions.END and b < len(surface):
                    assert split_point(surface, local, len(dropped) + len(key), False) == b


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 5000), st.integers(0, 5000)),
                min_size=1, max_size=300))
def test_the_blob_gives_back_the_positions(raw: list[tuple[int, int, int]]) -> None:
    docs: list[int] = []
    doc = 1
    for step, _k, _t in raw:
        doc += step - 1
        docs.append(doc)
    pairs = sorted({(d, k, t) for d, (_s, k, t) in zip(docs, raw, strict=True)})
    seen: dict[int, tuple[int, int]] = {}
    rows = []
    for d, k, t in pairs:  # ascending key positions and text offsets within a document
        last = seen.get(d, (-1, -1))
        if k > last[0] and t > last[1]:
            rows.append((d, k, t))
            seen[d] = (k, t)
    keys = np.array([(d << 32) | k for d, k, _t in rows], dtype=np.uint64)
    texts = np.array([(d << 32) | t for d, _k, t in rows], dtype=np.uint64)
    back_keys, back_texts = positions.decode(positions.encode(keys, texts))
    assert back_keys.tolist() == keys.tolist() and back_texts.tolist() == texts.tolist()


def test_spans_compare_slice_and_iterate_like_a_list() -> None:
    spans = positions.Spans(np.array([1, 5, 9]), np.array([3, 7, 12]))
    assert spans == [(1, 3), (5, 7), (9, 12)] and [(1, 3), (5, 7), (9, 12)] == spans
    assert len(spans) == 3 and spans[1] == (5, 7) and spans[-1] == (9, 12)
    assert spans[:2] == [(1, 3), (5, 7)] and list(spans[1:]) == [(5, 7), (9, 12)]
    assert spans != [(1, 3)] and isinstance(spans[0][0], int)


def test_a_literal_term_is_found_as_str_find_finds_it(tmp_path: Path) -> None:
    """A term's occurrences that overlap each other count as ``str.find`` goes through them
    (each search goes on after the one found), per document, before the other terms' hits are
    merged; the search gives the hits of search() on such texts."""
    texts = {1: "かあああ。ああああ", 2: "ミミミミミ", 3: "ああ"}
    found = {d: [(at, at + 2) for at in range(len(t) - 1) if t.startswith(t[at : at + 2], at)
                 and t[at] == t[at + 1]] for d, t in texts.items()}  # every overlapping pair
    starts = np.array([(d << 32) | s for d, spans in found.items() for s, _e in spans], dtype=np.uint64)
    ends = np.array([(d << 32) | e for d, spans in found.items() for _s, e in spans], dtype=np.uint64)
    kept_s, kept_e = cs._first_occurrences(starts[::-1], ends[::-1])
    expected = []
    for d, t in texts.items():
        for term in {t[s:e] for s, e in found[d]}:
            expected += [(d, s, e) for s, e in find_literal_fast(t, term)]
    got = [(int(s) >> 32, int(s) & 0xFFFFFFFF, int(e) & 0xFFFFFFFF) for s, e in zip(kept_s, kept_e, strict=True)]
    assert got == sorted(expected)
    with _project(tmp_path / "o.annotator", list(texts.values())) as project:
        project.add_alias("ああ", "かあ", who=WHO)
        project.add_alias("ミミ", "ミミミ", who=WHO)
        cs.index_positions(project)
        _check_all(project, ["ああ", "ミミ", "あああ", "かあ"])
