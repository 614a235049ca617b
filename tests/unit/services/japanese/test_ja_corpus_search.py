"""Search through the project's search index: the same hits as search() over every document's
index (the seeds, and a few hundred generated documents, also with NEL and astral characters,
half of the texts above the watermark), short and long queries, kana, romaji and aliases, also
through the command line; the index follows added documents (also from another process); readings are
indexed once, and a killed build goes on where it stopped."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.services.japanese import Hit, ReadingIndex, search
from annotator.services.japanese import corpus_search as cs
from annotator.services.japanese.progress import IndexingCancelled
from annotator.services.japanese.search import _without_overlaps, expand_aliases
from annotator.services.japanese.search_records import index_from_row, row_from_index
from annotator.store import Project
from ja_project import WHO, make_project, seed_texts

QUERIES = ["puchin", "Puchin", "プーチン", "ぷーちん", "kitachosen", "kita-chōsen", "北朝鮮", "roshia",
           "ロシア", "urajimiru", "Putin", "no", "ni", "に", "a", "露", "米国", "mi", "。", "ミサイル",
           "misairu", "kiji", "CNN", "cnn", "n", "2023", "1", "😀", "𠮷", "shi", "tsu", "ou", "o",
           "kim jong un", "ー", "kyou", "nihon", "to", "wa", "desu", "zzzz"]


def _old(project: Project, query: str) -> list[Hit]:
    """What search() finds over every document's freshly built index (the old way)."""
    indexes = {d.id: ReadingIndex.build(project.text(d.id)) for d in project.documents()}
    return search(indexes, None, query, project.aliases())


def _grouped(project: Project, query: str) -> list[tuple[int, int, int]]:
    """The hits of iter_hit_groups (a document at a time, most matched without the text)."""
    found = []
    for doc_id, spans in cs.iter_hit_groups(project, query):
        assert spans, doc_id  # documents without hits are left out
        found += [(doc_id, s, e) for s, e in spans]
    return found


def _spans(hits: list[Hit]) -> list[tuple[int, int, int]]:
    return [(h.document, h.start, h.end) for h in hits]  # type: ignore[misc]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_project(tmp_path_factory.mktemp("corpus") / "p.annotator")
    with Project.open(path) as project:
        project.add_alias("Putin", "プーチン", who=WHO)
        project.add_alias("Kim Jong Un", "金正恩", who=WHO)
        assert cs.index_readings(project) == 4
        assert cs.index_readings(project) == 0  # never twice
    return path


def test_the_seeds_give_the_hits_of_search(seeds: Path) -> None:
    with Project.open(seeds) as project:
        indexes = {d.id: ReadingIndex.build(project.text(d.id)) for d in project.documents()}
        for query in QUERIES:
            expected = search(indexes, None, query, project.aliases())
            assert list(cs.iter_hits(project, query)) == expected, query
            assert _grouped(project, query) == _spans(expected), query
        assert list(cs.iter_hits(project, "puchin", after=2)) == [
            h for h in search(indexes, None, "puchin", project.aliases()) if h.document > 2]


def _generated(rng: random.Random, pieces: list[str]) -> str:
    extra = ["İstanbul", "ſun", "Kat", "ΣΑΣ", "ABC", "ａｂｃ", "😀", "𠮷", "\x1f", "\t", "  ", "ー", "ｶﾞ",
             "葛\U000E0100", "〜", "3〜4万人", "1,000", "No.1", "Ōsaka", "ōsaka", "shimbun", "\n"]
    parts = []
    for _ in range(rng.randrange(1, 12)):
        parts.append(rng.choice(pieces) if rng.random() < 0.7 else rng.choice(extra))
    return "".join(parts)


def test_generated_documents_give_the_hits_of_search(tmp_path: Path) -> None:
    rng = random.Random(11)
    text = "\n".join(seed_texts().values())
    pieces = [text[i : i + rng.randrange(2, 30)] for i in rng.sample(range(len(text) - 30), 400)]
    texts = list(dict.fromkeys(_generated(rng, pieces) for _ in range(320)))
    with Project.open(tmp_path / "g.annotator") as project:
        for i, t in enumerate(texts):
            project.add_document(f"g{i}.txt", t, who=WHO)
        project.add_alias("Istanbul", "İstanbul", who=WHO)
        cs.index_readings(project)
        indexes = {d.id: ReadingIndex.build(project.text(d.id)) for d in project.documents()}
        words = [w for t in rng.sample(texts, 25) for w in [t[:rng.randrange(1, 6)]] if w.strip()]
        for query in QUERIES + words + ["istanbul", "sun", "kat", "σας", "abc", "osaka", "shinbun"]:
            expected = search(indexes, None, query, project.aliases())
            assert list(cs.iter_hits(project, query)) == expected, query
            assert _grouped(project, query) == _spans(expected), query


def test_rows_give_back_the_index() -> None:
    for text in [*seed_texts().values(), "a\x1fb ロシアの\x1fウラジーミル", "", "\x00x"]:
        index = ReadingIndex.build(text)
        back = index_from_row(row_from_index(1, index), text, index.sha256)
        assert back.tokens() == index.tokens() and back.key == index.key
        assert back.to_bytes() == index.to_bytes()
        for q in ("urazimiru", "putin", "kitatyosen", "b", "no"):
            assert back.find_key(q) == index.find_key(q)
    with pytest.raises(ValueError):  # a row that cannot belong to the text
        index_from_row(row_from_index(1, ReadingIndex.build("ロシアと北朝鮮")), "ロシア", "0")


def test_added_documents_are_found_also_from_another_process(seeds: Path, tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    path.write_bytes(seeds.read_bytes())
    with Project.open(path) as project:
        doc, _ = project.add_document("new.txt", "新たにプーチン氏と会談", who=WHO)
        # literal hits at once (the trigger), reading hits once its readings are indexed
        assert [h.document for h in cs.iter_hits(project, "プーチン")].count(doc.id) == 1
        assert doc.id not in {h.document for h in cs.iter_hits(project, "puchin")}
        assert cs.readings_state(project) == (4, 5)
        code = ("import sys; from annotator.store import Project\n"
                "from annotator.services.japanese.corpus_search import index_readings\n"
                "with Project.open(sys.argv[1]) as p:\n"
                "    p.add_document('other.txt', 'ぷーちん大統領', who='u')\n"
                "    print(index_readings(p))")
        out = subprocess.run([sys.executable, "-c", code, str(path)], check=True,
                             capture_output=True, text=True).stdout
        assert out.strip() == "2"
        hits = list(cs.iter_hits(project, "puchin"))
        names = {project.document(h.document).name for h in hits}
        assert {"new.txt", "other.txt"} <= names
        assert hits == _old(project, "puchin")


def test_a_killed_build_goes_on_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "k.annotator"
    texts = seed_texts()
    with Project.open(path) as project:
        for i in range(12):
            name, text = list(texts.items())[i % 4]
            project.add_document(f"{i}-{name}", f"{i}\n{text}", who=WHO)
    code = ("import os, signal, sys\n"
            "from annotator.store import Project\n"
            "from annotator.services.japanese import corpus_search as cs\n"
            "cs.INDEX_BATCH_DOCS = 2\n"
            "def progress(done, total):\n"
            "    if done >= 4: os.kill(os.getpid(), signal.SIGKILL)\n"
            "cs.index_readings(Project.open(sys.argv[1]), progress=progress)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], check=False)
    assert done.returncode == -9
    with Project.open(path) as project:
        assert cs.readings_state(project) == (4, 12)
        seen: list[tuple[int, int]] = []
        assert cs.index_readings(project, progress=lambda d, t: seen.append((d, t))) == 8
        assert seen[0] == (0, 8) and seen[-1] == (8, 8)
        assert list(cs.iter_hits(project, "kitachosen")) == _old(project, "kitachosen")


def test_cancelling_keeps_what_was_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cs, "INDEX_BATCH_DOCS", 1)
    path = make_project(tmp_path / "c.annotator")
    with Project.open(path) as project, pytest.raises(IndexingCancelled):
        cs.index_readings(project, progress=lambda done, total: done < 1)
    with Project.open(path) as project:
        assert cs.readings_state(project) == (1, 4)


def test_half_indexed_texts_and_unusual_characters_give_the_hits_of_search(tmp_path: Path) -> None:
    """A few hundred documents with NEL, astral characters and variation selectors, the text
    index built for only part of them (the rest above the watermark), the readings of a
    third not indexed: every path gives the hits of search() over every index (the
    documents without readings: their literal hits), for queries of 1, 2 and more
    characters; so does ``annotator search`` (which indexes the rest first), as text and as
    JSON."""
    rng = random.Random(5)
    text = "\n".join(seed_texts().values())
    pieces = [text[i : i + rng.randrange(1, 25)] for i in rng.sample(range(len(text) - 30), 300)]
    odd = ["\x85", "a\x85b", "𩸽", "𠮷野家", "😀😀", "葛\U000E0100城", "プー\x85チン", "ﾌﾟｰﾁﾝ", "\u3000"]
    texts = list(dict.fromkeys("".join(rng.choice(pieces) if rng.random() < 0.75 else rng.choice(odd)
                                       for _ in range(rng.randrange(1, 10))) for _ in range(260)))
    path = tmp_path / "h.annotator"
    with Project.open(path) as project:
        for i, t in enumerate(texts):
            project.add_document(f"h{i}.txt", t, who=WHO)
        ids = [d.id for d in project.documents()]
        cs.index_some_texts(project, len(ids) // 2, 10**9)  # the rest stay above the watermark
        assert cs.texts_pending(project)
        unread = set(ids[::3])
        cs.store_rows(project, cs.build_rows([(d, project.text(d), None) for d in ids if d not in unread]))
        assert cs.readings_state(project) == (len(ids) - len(unread), len(ids))
        indexes = {d: ReadingIndex.build(project.text(d)) for d in ids}
        aliases = project.aliases()
        words = [w for t in rng.sample(texts, 20) for w in [t[: rng.randrange(1, 5)]] if w.strip()]
        queries = ["\x85", "𩸽", "𠮷", "😀", "😀😀", "葛", "\U000E0100", "城", "ﾁﾝ", "プー", "putin",
                   "ぷーちん", "ー", "の", "ni", "a", "b", "ab", "yoshinoya", "kitachosen", *words]
        for query in queries:
            expected = _without_readings(indexes, unread, query, aliases)
            assert list(cs.iter_hits(project, query)) == expected, query
            assert _grouped(project, query) == _spans(expected), query
            assert [(d, s, e) for d, spans, t in cs.iter_text_groups(project, query)
                    for s, e in spans if t == project.text(d)] == _spans(expected), query
        names = {d.id: d.name for d in project.documents()}
    for query in ["putin", "𩸽", "a\x85b"]:
        expected = search(indexes, None, query, aliases)
        out = subprocess.run([sys.executable, "-m", "annotator", "search", "--db", str(path), query],
                             check=True, capture_output=True, text=True).stdout
        assert [tuple(line.split("\t")[:3]) for line in out.splitlines()] == [
            (names[h.document], str(h.start), str(h.end)) for h in expected], query  # type: ignore[index]
        got = json.loads(subprocess.run(
            [sys.executable, "-m", "annotator", "search", "--db", str(path), "--json", query],
            check=True, capture_output=True, text=True).stdout)
        assert [(r["document"], r["start"], r["end"], r["text"]) for r in got] == [
            (names[h.document], h.start, h.end, h.text) for h in expected], query  # type: ignore[index]


def _without_readings(indexes: dict[int, ReadingIndex], unread: set[int], query: str,
                      aliases: dict[str, list[str]]) -> list[Hit]:
    """search() over every index, where the documents in ``unread`` have no readings yet:
    those give their literal matches only."""
    out: list[Hit] = []
    for doc_id in sorted(indexes):
        index = indexes[doc_id]
        if doc_id in unread:
            found = {se for t in expand_aliases(query, aliases) for se in index.find_literal(t)}
            out += [Hit(doc_id, s, e, index.text[s:e]) for s, e in _without_overlaps(found)]
        else:
            out += search({doc_id: index}, None, query, aliases)
    return out
